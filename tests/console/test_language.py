"""Everything the console shows exists in Dutch: every text of its templates (the leader's place,
the coach's pages and the summary included), of the modules that word its data, and of the
leader's refusals and the coach's invitation has a Dutch translation in the catalogue."""

from __future__ import annotations

import re

from assistant.i18n.translations import catalogue
from tests.conftest import REPO

TEMPLATE_TEXT = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
CODE_TEXT = re.compile(r'gettext\(\s*(?:lang|language),\s*"([^"]+)"')
REFUSAL_TEXT = re.compile(r'PlaceRefused\(\s*"([^"]+)"')
TEMPLATES = ("console_*.j2", "place*.j2", "coach_*.j2", "_charts*.j2", "summary*.j2")
TABLE_TEXT = re.compile(r'^\s+"[a-z_.]+": "([^"]+)",$', re.MULTILINE)


def console_texts() -> set[str]:
    found: set[str] = set()
    for pattern in TEMPLATES:
        for template in (REPO / "assistant" / "templates").glob(pattern):
            found |= {a or b for a, b in TEMPLATE_TEXT.findall(template.read_text())}
    for module in (REPO / "assistant" / "web" / "console").glob("*.py"):
        code = module.read_text()
        found |= set(CODE_TEXT.findall(code)) | set(TABLE_TEXT.findall(code))
    coaching = (REPO / "assistant" / "app" / "console" / "coaching.py").read_text()
    found |= set(REFUSAL_TEXT.findall(coaching))
    return found


def test_every_console_text_has_a_dutch_translation() -> None:
    texts = console_texts()
    assert len(texts) > 80  # the extraction finds the pages' texts
    dutch = catalogue("nl")
    missing = sorted(t for t in texts if not (dutch.get(t) and dutch.get(t).string))
    assert missing == []
