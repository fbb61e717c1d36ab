"""Roles and scoping over real HTTP: an assistant sees only the leaders assigned to them; another
assistant's leader is 404 on the page, the export, the audit and the pause form, and absent
from the list and the search, exactly like a leader that does not exist. The console reads the
cache; it asks no provider."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import func, select

from assistant.app.console.leaders import the_leader, the_leaders
from assistant.app.console.signin import Viewer
from assistant.store.database import session_scope
from assistant.store.models import AuditEntry, WeeklyMetricsRow
from assistant.store.repositories.shared_rules import store_shared_rules
from tests.console.conftest import BOTH, Console
from tests.console.test_signin import client, sign_in, token
from tests.mail.fixtures import NOW

ADA, BOB, COR = "ada@example.org", "bob@example.org", "cor@example.org"


def team(console: Console) -> dict[str, int]:
    ids = {
        ADA: console.leader(ADA, "Ada de Vries"),
        BOB: console.leader(BOB, "Bob Jansen"),
        COR: console.leader(COR, "Cor Smit"),
    }
    console.add("root@example.org", "admin")
    console.add("eva@example.org", "assistant")
    console.add("jan@example.org", "assistant")
    console.add(COR, "leader")
    console.assign("eva@example.org", ADA)
    console.assign("eva@example.org", BOB)
    console.assign("jan@example.org", COR)
    return ids


@contextmanager
def signed_in(console: Console, email: str) -> Iterator[httpx.Client]:
    with client(console) as browser:
        assert sign_in(browser, email).status_code == 303
        yield browser


@BOTH
def test_each_role_sees_its_own_leaders_and_nothing_else(console: Console) -> None:
    ids = team(console)
    with signed_in(console, "eva@example.org") as eva:
        page = eva.get("/console").text
        assert "Ada de Vries" in page
        assert "Bob Jansen" in page
        assert "Cor Smit" not in page
        assert COR not in page
        assert eva.get(f"/console/leaders/{ids[ADA]}").status_code == 200

        unknown = max(ids.values()) + 100
        for path in (
            f"/console/leaders/{ids[COR]}",
            f"/console/leaders/{ids[COR]}/export.csv",
            f"/console/leaders/{ids[COR]}/audit",
            f"/console/leaders/{ids[COR]}?weeks=52",
        ):
            theirs = eva.get(path)
            nobody = eva.get(path.replace(str(ids[COR]), str(unknown)))
            assert theirs.status_code == nobody.status_code == 404, path
            assert theirs.text == nobody.text  # nothing tells the two apart
            assert "Cor" not in theirs.text
        assert eva.get("/console/search", params={"q": "cor"}).text.count("Cor Smit") == 0
        assert "Bob Jansen" in eva.get("/console/search", params={"q": "JANSEN"}).text
        pause = eva.post(
            f"/console/leaders/{ids[COR]}/pause",
            data={"form_token": token(page), "action": "pause"},
        )
        assert pause.status_code == 404
    with session_scope(console.store) as session:
        paused = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.subject == COR, AuditEntry.action == "review.paused")
        )
    assert paused == 0

    with signed_in(console, "jan@example.org") as jan:
        page = jan.get("/console").text
        assert "Cor Smit" in page
        assert "Ada de Vries" not in page
        assert jan.get(f"/console/leaders/{ids[ADA]}/export.csv").status_code == 404
    with signed_in(console, "root@example.org") as root:
        page = root.get("/console").text
        assert all(name in page for name in ("Ada de Vries", "Bob Jansen", "Cor Smit"))
    with signed_in(console, COR) as cor:
        # A leader's console is their own place.
        assert cor.get("/console").headers["location"] == "/console/me"
        assert "Cor Smit" in cor.get("/console/me").text
        assert cor.get(f"/console/leaders/{ids[COR]}").status_code == 200
        assert cor.get(f"/console/leaders/{ids[ADA]}").status_code == 404


def test_the_list_says_what_needs_attention_first_from_the_cache(console: Console) -> None:
    ids = team(console)
    console.cache_sample(ADA)
    with signed_in(console, "eva@example.org") as eva:
        page = eva.get("/console").text
        rows = page.split("<tbody>")[1]
        # Bob has no calendar: that comes first; Ada's cached weeks give her buffers.
        assert rows.index(BOB) < rows.index(ADA)
        bob = rows.split(f'data-leader="{BOB}"')[1].split("</tr>")[0]
        assert "No calendar connected yet" in bob
        assert "not connected" in bob
        ada = rows.split(f'data-leader="{ADA}"')[1].split("</tr>")[0]
        assert "working" in ada
        assert "Agenda control" in ada
        assert "status-no_data" not in ada
        leader = eva.get(f"/console/leaders/{ids[ADA]}", params={"weeks": 26}).text
        assert "This week&#39;s review (week 2026-W48)" in leader
        assert leader.count('data-chart="') == 4
        assert "No weeks stored yet." in leader  # the charts show what the weekly run stored
        export = eva.get(f"/console/leaders/{ids[ADA]}/export.csv")
        assert export.status_code == 200
        assert export.text.splitlines()[0].startswith("leader,iso_week,meeting_hours")
    with session_scope(console.store) as session:  # a look writes nothing
        assert session.scalar(select(func.count()).select_from(WeeklyMetricsRow)) == 0

    recorded = console.record_weeks(ADA, 26)
    # With the reviewed week stored, the list reads the stored weeks instead of the calendar,
    # and says the same as the leader's page, which measures the week from the cache.
    viewer = Viewer(0, "eva@example.org", "assistant", None, "")
    listed = next(
        row for row in the_leaders(console.store, viewer, console.clock.now) if row.email == ADA
    )
    full = the_leader(console.store, viewer, ids[ADA], console.clock.now)
    assert full is not None
    assert recorded[-1] == listed.week == full.summary.week
    assert listed.buffers == full.summary.buffers
    assert (listed.signals, listed.enough_history) == (
        full.summary.signals,
        full.summary.enough_history,
    )
    assert listed.attention == full.summary.attention
    with signed_in(console, "eva@example.org") as eva:
        leader = eva.get(f"/console/leaders/{ids[ADA]}", params={"weeks": 26}).text
        assert leader.count("<rect ") == 4 * len(recorded)
        assert "2026-W48: " in leader  # each bar's week and value, read aloud
        short = eva.get(f"/console/leaders/{ids[ADA]}").text  # 12 weeks by default
        assert short.count("<rect ") == 4 * len(
            [w for w in recorded if w >= recorded[-1].shifted(-11)]
        )
        export = eva.get(f"/console/leaders/{ids[ADA]}/export.csv").text.splitlines()
        assert len(export) == 1 + len(recorded)
        too_many = eva.get(f"/console/leaders/{ids[ADA]}", params={"weeks": 53})
        assert too_many.status_code == 422
        assert "This request is not understood" in too_many.text


@BOTH
def test_pause_and_resume_are_audited_and_shown_to_the_leader(console: Console) -> None:
    ids = team(console)
    with signed_in(console, "jan@example.org") as jan:
        page = jan.get(f"/console/leaders/{ids[COR]}").text
        paused = jan.post(
            f"/console/leaders/{ids[COR]}/pause",
            data={"form_token": token(page), "action": "pause"},
            follow_redirects=True,
        )
        assert "The weekly review is paused until you resume it." in paused.text
        assert "Resume the weekly review" in paused.text
        resumed = jan.post(
            f"/console/leaders/{ids[COR]}/pause",
            data={"form_token": token(page), "action": "resume"},
            follow_redirects=True,
        )
        assert "Pause the weekly review" in resumed.text
    with signed_in(console, COR) as cor:
        trail = cor.get(f"/console/leaders/{ids[COR]}/audit").text
        assert "Weekly review paused" in trail
        assert "Weekly review resumed" in trail
        assert "jan@example.org" in trail
        assert "paused: true" in trail
    with signed_in(console, "eva@example.org") as eva:
        assert "jan@example.org" not in eva.get("/console/audit").text
    with signed_in(console, "root@example.org") as root:
        assert "Weekly review resumed" in root.get("/console/audit").text


def test_only_an_admin_reads_the_settings_overview_and_the_users(console: Console) -> None:
    team(console)
    with session_scope(console.store) as session:
        store_shared_rules(session, "acme", {"reflection": {"minutes": 60}}, None, "ops", now=NOW)
    with signed_in(console, "root@example.org") as root:
        page = root.get("/console/settings")
        assert page.status_code == 200
        assert "Organisation sign-in: Microsoft" in page.text
        assert (
            '<a href="/console/shared-rules/acme">acme</a> (organisation, version 1)' in page.text
        )
        assert "reflection.minutes: 60" in page.text
        assert "<code>users.assistant</code></th><td>2</td>" in page.text
        assert root.get("/console/users").status_code == 200
    with signed_in(console, "eva@example.org") as eva:
        assert eva.get("/console/settings").status_code == 404
        assert eva.get("/console/users").status_code == 404
        page = eva.get("/console").text
        refused = eva.post(
            "/console/users",
            data={"form_token": token(page), "email": "x@example.org", "role": "admin"},
        )
        assert refused.status_code == 404
    with signed_in(console, "root@example.org") as root:
        assert "x@example.org" not in root.get("/console/users").text
