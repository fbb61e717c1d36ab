"""Screenshots of the sample's weekly email, in English and Dutch, at 600 px in headless Chromium.

    .venv/bin/python scripts/email_screenshots.py   # writes docs/screenshots/review-email-*.png

Needs Debian's /usr/bin/chromium and the Python playwright package (no `playwright install`).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

import tests.conftest  # noqa: E402, F401 (first: it imports the mail fixtures itself)
from assistant.app.delivery import prepare_email  # noqa: E402
from assistant.mail.links import LinkSigner  # noqa: E402
from assistant.store import migrations  # noqa: E402
from assistant.store.database import make_engine, session_scope  # noqa: E402
from assistant.store.repositories.feedback import record_self_rating  # noqa: E402
from assistant.store.repositories.leaders import upsert_leader  # noqa: E402
from tests.mail.fixtures import CHROMIUM_ARGS, LEADER, NOW, SECRET, review_of  # noqa: E402

SAMPLE = REPO / "examples" / "sample-leader.ics"


def main() -> None:
    target = REPO / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        url = f"sqlite:///{folder}/store.db"
        migrations.upgrade(url)
        engine = make_engine(url)
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        # The sample leader's own ratings of ten of the last twelve weeks, falling lately, so
        # the email shows the felt room beside the calendar load.
        scores = (4, 4, 3, 4, None, 3, 3, None, 3, 2, 2, 2)
        with session_scope(engine) as session:
            leader = upsert_leader(session, LEADER, now=NOW)
            last = review_of(SAMPLE, "en").week
            for offset, score in enumerate(scores):
                if score is not None:
                    week = last.shifted(offset - len(scores) + 1)
                    record_self_rating(session, leader, week, score, now=NOW)
        for language in ("en", "nl"):
            review = review_of(SAMPLE, language)
            signer = LinkSigner(SECRET, "https://regie.example.org")
            prepared = prepare_email(engine, review, leader_email=LEADER, signer=signer, now=NOW)
            page = browser.new_page(viewport={"width": 600, "height": 900})
            page.set_content(prepared.email.html)
            path = target / f"review-email-{language}.png"
            page.screenshot(path=str(path), full_page=True)
            page.close()
            print(path.relative_to(REPO))
        browser.close()
        engine.dispose()


if __name__ == "__main__":
    main()
