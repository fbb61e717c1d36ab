"""The rules editor over real HTTP: a mistake shown at its line, a preview of before and after
on the cached weeks that writes nothing, apply as a new version that the leader's next review
follows, the audit trail, and rollback."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from assistant.app.console.leaders import the_leader
from assistant.app.console.signin import Viewer
from assistant.i18n.labels import indicator_name
from assistant.store.database import session_scope
from assistant.store.models import AuditEntry, RuleSet, WeeklyMetricsRow
from assistant.store.repositories.leaders import find_leader
from assistant.store.repositories.rules import leader_rules
from tests.console.conftest import BOTH, Console
from tests.console.test_scoping import ADA, COR, signed_in, team
from tests.console.test_signin import token

FORM = {
    "leader.language": "en",
    "leader.timezone": "Europe/Amsterdam",
    "reflection.blocks_per_week": "2",
    "reflection.minutes": "90",
    "lunch.enabled": "yes",
    "delivery.weekday": "monday",
}
MISTAKE = "recovery:\n  break_minutes: 15\nlunch:\n  minutes: lots\n"
FIXED = "recovery:\n  break_minutes: 15\nlunch:\n  minutes: 45\n"


def counts(console: Console) -> tuple[int, int, int]:
    with session_scope(console.store) as session:
        return (
            session.scalar(select(func.count()).select_from(RuleSet)) or 0,
            session.scalar(select(func.count()).select_from(WeeklyMetricsRow)) or 0,
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "rules.store")
            )
            or 0,
        )


@BOTH
def test_mistake_fix_preview_apply_audit_rollback(console: Console) -> None:
    ids = team(console)
    console.cache_sample(ADA)
    path = f"/console/leaders/{ids[ADA]}/rules"
    with signed_in(console, "eva@example.org") as eva:
        page = eva.get(path)
        assert page.status_code == 200
        form_token = token(page.text)
        send = {**FORM, "form_token": form_token}
        before = counts(console)

        wrong = eva.post(path, data={**send, "text": MISTAKE, "action": "preview"})
        assert wrong.status_code == 422
        assert re.search(r'data-line="4">Line 4: <code>lunch.minutes</code>: ', wrong.text)
        assert "Nothing was applied" in wrong.text
        assert MISTAKE.split("\n")[3].strip() in wrong.text  # the text is kept as typed
        out_of_range = eva.post(
            path, data={**send, "reflection.minutes": "5", "text": FIXED, "action": "check"}
        )
        assert out_of_range.status_code == 422
        assert 'id="e-minutes"' in out_of_range.text  # the form's field says it

        checked = eva.post(path, data={**send, "text": FIXED, "action": "check"})
        assert (checked.status_code, "No problems found." in checked.text) == (200, True)

        shown = eva.post(
            path,
            data={**send, "reflection.blocks_per_week": "4", "text": FIXED, "action": "preview"},
        )
        assert shown.status_code == 200
        preview = shown.text.split('data-section="preview"')[1]
        assert "Preview: week 2026-W48 before and after" in preview
        changed = [
            row.split("</th>")[0]
            for row in preview.split('<tr data-changed="yes"><th scope="row">')[1:]
        ]
        target = indicator_name("reflection_target_minutes", "en")
        assert any(row.startswith(target) for row in changed)  # 2 x 90 min becomes 4 x 90 min
        assert "6 h" in preview.split(target)[1].split("</tr>")[0]
        assert 'data-proposals="before"' in preview
        assert 'data-proposals="after"' in preview
        assert counts(console) == before  # a preview writes nothing

        applied = eva.post(
            path,
            data={**send, "reflection.blocks_per_week": "4", "text": FIXED, "action": "apply"},
            follow_redirects=True,
        )
        assert "Applied as version 1." in applied.text
        assert "Version 1" in applied.text
        assert "by eva@example.org" in applied.text
        assert counts(console)[0] == before[0] + 1

    with session_scope(console.store) as session:
        leader = find_leader(session, ADA)
        assert leader is not None
        rules = leader_rules(session, leader)
        assert (rules.reflection.blocks_per_week, rules.lunch.minutes) == (4, 45)
    # The leader's next review follows the new rules: four reflection blocks are asked for.
    viewer = Viewer(0, "eva@example.org", "assistant", None, "")
    found = the_leader(console.store, viewer, ids[ADA], console.clock.now)
    assert found is not None
    target = found.review.indicator("reflection_target_minutes").value
    assert target == 4 * 90

    with signed_in(console, "eva@example.org") as eva:
        trail = eva.get(f"/console/leaders/{ids[ADA]}/audit").text
        assert "Rules changed" in trail
        assert "reflection.blocks_per_week: 2" in trail
        assert "reflection.blocks_per_week: 4" in trail
        page = eva.get(path)
        second = eva.post(
            path,
            data={**FORM, "form_token": token(page.text), "text": FIXED, "action": "apply"},
            follow_redirects=True,
        )
        assert "Applied as version 2." in second.text
        back = eva.post(
            f"{path}/rollback",
            data={"form_token": token(second.text), "version": "1"},
            follow_redirects=True,
        )
        assert "Applied as version 3." in back.text
        nowhere = eva.post(
            f"{path}/rollback", data={"form_token": token(back.text), "version": "9"}
        )
        assert nowhere.status_code == 422
        assert "has no rules version 9" in nowhere.text
        other = eva.get(f"/console/leaders/{ids[COR]}/rules")
        assert other.status_code == 404
        forged = eva.post(
            f"/console/leaders/{ids[COR]}/rules",
            data={**FORM, "form_token": token(back.text), "text": "", "action": "apply"},
        )
        assert forged.status_code == 404
    with session_scope(console.store) as session:
        leader = find_leader(session, ADA)
        assert leader is not None
        assert leader_rules(session, leader).reflection.blocks_per_week == 4


def test_the_yaml_may_not_extend_a_file_nor_repeat_the_form(console: Console) -> None:
    ids = team(console)
    path = f"/console/leaders/{ids[ADA]}/rules"
    with signed_in(console, "eva@example.org") as eva:
        send = {**FORM, "form_token": token(eva.get(path).text), "action": "check"}
        text = "extends: /etc/passwd\nreflection:\n  minutes: 60\n"
        answer = eva.post(path, data={**send, "text": text})
        assert answer.status_code == 422
        assert "Line 1: <code>extends</code>: cannot be set here" in answer.text
        assert "Line 3: <code>reflection.minutes</code>: is set in the form above" in answer.text
        broken = eva.post(path, data={**send, "text": "lunch: [\n"})
        assert "Line 2: not valid YAML" in broken.text


def test_the_check_while_typing_answers_problems_as_data_and_writes_nothing(
    console: Console,
) -> None:
    ids = team(console)
    path = f"/console/leaders/{ids[ADA]}/rules"
    with signed_in(console, "eva@example.org") as eva:
        form_token = token(eva.get(path).text)
        before = counts(console)
        answer = eva.post(f"{path}/check", data={**FORM, "form_token": form_token, "text": MISTAKE})
        assert answer.status_code == 200
        assert answer.json()["problems"][0]["line"] == 4
        assert answer.json()["problems"][0]["text"].startswith("Line 4: lunch.minutes: ")
        fine = eva.post(f"{path}/check", data={**FORM, "form_token": form_token, "text": FIXED})
        assert fine.json() == {"problems": [], "ok": "No problems found."}
        assert eva.post(f"{path}/check", data={**FORM, "text": FIXED}).status_code == 403
        other = f"/console/leaders/{ids[COR]}/rules/check"
        assert eva.post(other, data={**FORM, "form_token": form_token}).status_code == 404
        script = eva.get("/console/static/rules.js")
        assert script.headers["content-type"].startswith("text/javascript")
        assert "data-check" in script.text
        assert counts(console) == before
