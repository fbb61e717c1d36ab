"""The admin's editor of the organisation's and the teams' rules over real HTTP: a mistake shown
at its line, a preview of the leaders it reaches with their buffers before and after (from the
cached calendars, writing nothing), apply as a new version that the leaders' rules follow, the
audit trail, the versions and rollback. Assistants get 404."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from assistant.app.console import shared_rules
from assistant.app.rules import SharedFile, apply
from assistant.store.database import session_scope
from assistant.store.models import AuditEntry, SharedRuleSet, WeeklyMetricsRow
from assistant.store.repositories.leaders import find_leader
from assistant.store.repositories.rules import leader_rules
from rules.text import load_text
from tests.console.conftest import BOTH, Console
from tests.console.test_scoping import ADA, BOB, COR, signed_in, team
from tests.console.test_signin import token
from tests.mail.fixtures import NOW

ORGANISATION = {"reflection": {"minutes": 60}}
BOARD = {"lunch": {"minutes": 45}}
MISTAKE = (
    "reflection:\n  minutes: 60\nthresholds:\n  longest_back_to_back_minutes:\n"
    "    attention: often\n"
)
# No reflection target and no status for the days since a mini-retreat: that buffer's alert goes.
CHANGE = (
    "reflection:\n  minutes: 75\n  blocks_per_week: 0\n"
    "thresholds:\n  days_since_mini_retreat: {attention: null, alert: null, missing: null}\n"
)
PATH = "/console/shared-rules/acme"


def shared_team(console: Console) -> dict[str, int]:
    """The organisation "acme" and its team "board"; Ada extends the team, Bob the
    organisation, Cor nothing."""
    ids = team(console)
    organisation = SharedFile("acme", ORGANISATION, None)
    board = SharedFile("board", BOARD, "acme")
    for email, name, chain in (
        (ADA, "Ada de Vries", [organisation, board]),
        (BOB, "Bob Jansen", [organisation]),
    ):
        layers = [(item.name, item.data) for item in chain]
        rules, own = load_text(f"leader:\n  name: {name}\n", "test", shared=layers)
        apply(console.store, email, rules, "test", NOW, shared=chain, layer=own)
    return ids


def state(console: Console) -> tuple[int, int, int]:
    with session_scope(console.store) as session:
        return (
            session.scalar(select(func.count()).select_from(SharedRuleSet)) or 0,
            session.scalar(select(func.count()).select_from(WeeklyMetricsRow)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def minutes(console: Console, email: str) -> tuple[int, int]:
    with session_scope(console.store) as session:
        leader = find_leader(session, email)
        assert leader is not None
        rules = leader_rules(session, leader)
        return rules.reflection.minutes, rules.lunch.minutes


@BOTH
def test_an_admin_changes_the_organisation_rules_with_a_preview_and_rolls_back(
    console: Console,
) -> None:
    ids = shared_team(console)
    console.cache_sample(ADA)
    console.cache_sample(BOB)
    with signed_in(console, "root@example.org") as root:
        settings = root.get("/console/settings").text
        assert 'href="/console/shared-rules/acme"' in settings
        assert 'href="/console/shared-rules/board"' in settings
        page = root.get(PATH)
        assert page.status_code == 200
        assert "minutes: 60" in page.text  # the set's settings as YAML
        send = {"form_token": token(page.text)}
        before = state(console)

        wrong = root.post(PATH, data={**send, "text": MISTAKE, "action": "preview"})
        assert wrong.status_code == 422
        assert re.search(
            r'data-line="5">Line 5: <code>thresholds\.longest_back_to_back', wrong.text
        )
        live = root.post(f"{PATH}/check", data={**send, "text": MISTAKE}).json()
        assert [p["line"] for p in live["problems"]] == [5]
        fine = root.post(f"{PATH}/check", data={**send, "text": CHANGE}).json()
        assert fine["problems"] == []

        preview = root.post(PATH, data={**send, "text": CHANGE, "action": "preview"})
        assert preview.status_code == 200
        html = preview.text
        assert f'data-leader="{ids[ADA]}"' in html
        assert f'data-leader="{ids[BOB]}"' in html
        assert f'data-leader="{ids[COR]}"' not in html  # Cor extends nothing
        assert "Ada de Vries" in html
        assert "Bob Jansen" in html
        assert 'data-changed="yes"' in html  # a buffer moves under the change
        assert "Nothing was stored." in html
        assert state(console) == before  # a look writes nothing
        assert minutes(console, ADA) == (60, 45)

        applied = root.post(PATH, data={**send, "text": CHANGE, "action": "apply"})
        assert (applied.status_code, applied.headers["location"]) == (
            303,
            f"{PATH}?applied=2",
        )
        assert minutes(console, ADA) == (75, 45)  # through the team
        assert minutes(console, BOB) == (75, 30)
        assert minutes(console, COR) == (90, 30)
        after = root.get(f"{PATH}?applied=2").text
        assert "Applied as version 2." in after
        assert "by root@example.org" in after

        audit = root.get("/console/audit").text
        assert "rules.shared.store" in audit or "acme" in audit
        with session_scope(console.store) as session:
            entry = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "rules.shared.store", AuditEntry.subject == "acme")
                .order_by(AuditEntry.id.desc())
            ).first()
            assert entry is not None
            assert entry.actor == "root@example.org"
            assert entry.before is not None
            assert entry.after is not None
            assert entry.before["reflection.minutes"] == 60
            assert entry.after["reflection.minutes"] == 75

        rolled = root.post(f"{PATH}/rollback", data={**send, "version": "1"})
        assert (rolled.status_code, rolled.headers["location"]) == (303, f"{PATH}?applied=3")
        assert minutes(console, ADA) == (60, 45)
        history = root.get(PATH).text
        assert [int(v) for v in re.findall(r'data-version="(\d+)"', history)] == [3, 2, 1]
        missing = root.post(f"{PATH}/rollback", data={**send, "version": "9"})
        assert missing.status_code == 422
        assert "have no version 9" in missing.text


def test_the_editor_speaks_dutch_and_the_team_preview_reaches_only_its_leaders(
    console: Console,
) -> None:
    ids = shared_team(console)
    console.cache_sample(ADA)
    with signed_in(console, "root@example.org") as root:
        root.headers["Accept-Language"] = "nl"
        page = root.get("/console/shared-rules/board")
        assert page.status_code == 200
        send = {"form_token": token(page.text)}
        preview = root.post(
            "/console/shared-rules/board",
            data={**send, "text": "lunch:\n  minutes: 40\n", "action": "preview"},
        )
        assert preview.status_code == 200
        assert "Voorbeeld" in preview.text
        assert "Er is niets opgeslagen." in preview.text
        assert f'data-leader="{ids[ADA]}"' in preview.text
        assert f'data-leader="{ids[BOB]}"' not in preview.text  # Bob extends only the organisation


def test_assistants_get_404_and_change_nothing(console: Console) -> None:
    shared_team(console)
    with signed_in(console, "eva@example.org") as eva:
        form = token(eva.get("/console").text)
        before = state(console)
        assert eva.get(PATH).status_code == 404
        assert eva.get("/console/shared-rules/nothing").status_code == 404
        for path, data in (
            (PATH, {"text": CHANGE, "action": "apply"}),
            (PATH, {"text": CHANGE, "action": "preview"}),
            (f"{PATH}/check", {"text": CHANGE}),
            (f"{PATH}/rollback", {"version": "1"}),
        ):
            assert eva.post(path, data={**data, "form_token": form}).status_code == 404
        assert state(console) == before
    with signed_in(console, "root@example.org") as root:
        assert root.get("/console/shared-rules/nothing").status_code == 404


def test_a_preview_of_many_leaders_computes_a_bounded_number_and_names_the_rest(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = shared_team(console)
    monkeypatch.setattr(shared_rules, "PREVIEW_LEADERS", 1)
    with signed_in(console, "root@example.org") as root:
        send = {"form_token": token(root.get(PATH).text)}
        preview = root.post(PATH, data={**send, "text": CHANGE, "action": "preview"}).text
        assert f'<div class="scroll" data-leader="{ids[ADA]}"' in preview  # Ada's week computed
        assert f'<li data-leader="{ids[BOB]}">Bob Jansen</li>' in preview  # Bob named only
        assert "These leaders are reached too" in preview
