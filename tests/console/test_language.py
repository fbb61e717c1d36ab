"""Everything the console shows exists in Dutch: every text of its templates and of the module
that words its data has a Dutch translation in the catalogue."""

from __future__ import annotations

import re

from assistant.i18n.translations import catalogue
from tests.conftest import REPO

TEMPLATE_TEXT = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
CODE_TEXT = re.compile(r'gettext\(\s*(?:lang|language),\s*"([^"]+)"')
TABLE_TEXT = re.compile(r'^\s+"[a-z_.]+": "([^"]+)",$', re.MULTILINE)


def console_texts() -> set[str]:
    found: set[str] = set()
    for template in (REPO / "assistant" / "templates").glob("console_*.j2"):
        found |= {a or b for a, b in TEMPLATE_TEXT.findall(template.read_text())}
    for module in (REPO / "assistant" / "web" / "console").glob("*.py"):
        code = module.read_text()
        found |= set(CODE_TEXT.findall(code)) | set(TABLE_TEXT.findall(code))
    return found


def test_every_console_text_has_a_dutch_translation() -> None:
    texts = console_texts()
    assert len(texts) > 80  # the extraction finds the pages' texts
    dutch = catalogue("nl")
    missing = sorted(t for t in texts if not (dutch.get(t) and dutch.get(t).string))
    assert missing == []
