"""The rules editor of a leader (/console/leaders/{id}/rules): the form and the YAML checked as
one, a preview of before and after on the leader's cached weeks (writes nothing), apply as a new
version, the versions and rollback."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from assistant.app.console import rules as editor
from assistant.i18n.translations import gettext
from assistant.render.templates import environment
from assistant.store import StoreError
from assistant.web.console import present
from assistant.web.console.deps import CheckedViewerDep, ConsoleDep, LanguageDep, NowDep, ViewerDep
from assistant.web.console.views import HEADERS, render
from rules.errors import RuleProblem
from rules.text import MAX_TEXT_CHARACTERS

router = APIRouter(prefix="/console")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _problem(problem: RuleProblem, lang: str) -> dict[str, Any]:
    message = gettext(lang, problem.message)
    if problem.values:
        message = message % dict(problem.values)
    return {
        "line": problem.line,
        "key": problem.key,
        "message": message,
        "field": problem.key if problem.key in editor.FORM_SETTINGS else None,
    }


def problems_as_json(problems: Sequence[RuleProblem], language: str) -> JSONResponse:
    """The answer to the editor's check while typing: each problem as one line of text."""
    said = []
    for problem in (_problem(p, language) for p in problems):
        line = (
            gettext(language, "Line %(line)s", line=problem["line"]) + ": "
            if problem["line"]
            else ""
        )
        key = f"{problem['key']}: " if problem["key"] else ""
        said.append({"line": problem["line"], "text": f"{line}{key}{problem['message']}"})
    return JSONResponse(
        {"problems": said, "ok": gettext(language, "No problems found.")},
        headers={"Cache-Control": "no-store"},
    )


def _page(
    draft: editor.Draft,
    lang: str,
    viewer: Any,
    *,
    form: dict[str, Any] | None = None,
    text: str | None = None,
    problems: list[RuleProblem] = (),  # type: ignore[assignment]
    comparison: dict[str, Any] | None = None,
    notice: str = "",
    status: int = 200,
) -> Response:
    shown = [_problem(p, lang) for p in problems]
    return render(
        "console_rules.html.j2",
        lang,
        status=status,
        viewer=viewer,
        leader={"id": draft.leader_id, "email": draft.email, "name": draft.name or draft.email},
        form=form if form is not None else draft.form,
        text=draft.text if text is None else text,
        problems=shown,
        field_problems={p["field"]: p["message"] for p in shown if p["field"]},
        comparison=comparison,
        notice=notice,
        weekdays=WEEKDAYS,
        versions=[
            {
                "version": v.version,
                "at": present.moment(v.created_at, "Europe/Amsterdam", lang),
                "by": v.created_by,
                "changes": [f"{c.setting}: {c.before} → {c.after}" for c in v.changes[:12]],
                "more": max(0, len(v.changes) - 12),
            }
            for v in reversed(draft.versions)
        ],
        latest=draft.versions[-1].version if draft.versions else None,
        max_text=MAX_TEXT_CHARACTERS,
    )


@router.get("/leaders/{leader_id}/rules", response_model=None)
def rules_page(
    leader_id: int,
    console: ConsoleDep,
    viewer: ViewerDep,
    language: LanguageDep,
    applied: Annotated[int | None, Query()] = None,
) -> Response:
    draft = editor.draft(console.engine, viewer, leader_id)
    if draft is None:
        return render("console_missing.html.j2", language, status=404)
    notice = (
        ""
        if applied is None
        else gettext(language, "Applied as version %(version)s.", version=applied)
    )
    return _page(draft, language, viewer, notice=notice)


@router.post("/leaders/{leader_id}/rules", response_model=None)
async def rules_change(
    leader_id: int,
    request: Request,
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    text: Annotated[str, Form(max_length=MAX_TEXT_CHARACTERS)] = "",
    action: Annotated[str, Form(max_length=10)] = "check",
) -> Response:
    draft = editor.draft(console.engine, viewer, leader_id)
    if draft is None:
        return render("console_missing.html.j2", language, status=404)
    fields = await request.form()
    raw = {key: str(fields.get(key, ""))[:200] for key in editor.FORM_SETTINGS}
    form = editor.form_values(raw)
    checked = editor.check(console.engine, viewer, leader_id, text, form)
    assert checked is not None  # the draft was found
    if checked.problems or checked.rules is None:
        return _page(
            draft, language, viewer, form=form, text=text, problems=checked.problems, status=422
        )
    if action == "apply":
        applied = editor.apply(console.engine, viewer, leader_id, checked.rules, checked.own, now)
        assert applied is not None
        return RedirectResponse(
            f"/console/leaders/{leader_id}/rules?applied={applied.version}", status_code=303
        )
    comparison = None
    if action == "preview":
        found = editor.preview(console.engine, viewer, leader_id, checked.rules, now)
        assert found is not None
        before, after = found
        comparison = present.comparison(before, after, language)
    notice = gettext(language, "No problems found.")
    return _page(
        draft, language, viewer, form=form, text=text, comparison=comparison, notice=notice
    )


@router.get("/static/rules.js", response_model=None)
def rules_script() -> Response:
    script = environment().get_template("console_rules.js.j2").render()
    headers = {**HEADERS, "Cache-Control": "no-cache"}
    return Response(script, media_type="text/javascript; charset=utf-8", headers=headers)


@router.post("/leaders/{leader_id}/rules/check", response_model=None)
async def rules_check(
    leader_id: int,
    request: Request,
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    text: Annotated[str, Form(max_length=MAX_TEXT_CHARACTERS)] = "",
) -> Response:
    """The problems of the typed change as JSON, for the editor's check while typing; a look."""
    fields = await request.form()
    form = editor.form_values({k: str(fields.get(k, ""))[:200] for k in editor.FORM_SETTINGS})
    checked = editor.check(console.engine, viewer, leader_id, text, form)
    if checked is None:
        return JSONResponse({"problems": []}, status_code=404)
    return problems_as_json(checked.problems, language)


@router.post("/leaders/{leader_id}/rules/rollback", response_model=None)
def rules_rollback(
    leader_id: int,
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    version: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    try:
        applied = editor.rollback(console.engine, viewer, leader_id, version, now)
    except StoreError as error:
        draft = editor.draft(console.engine, viewer, leader_id)
        assert draft is not None
        said = gettext(language, error.template) % dict(error.values)
        return _page(draft, language, viewer, notice=said, status=422)
    if applied is None:
        return render("console_missing.html.j2", language, status=404)
    return RedirectResponse(
        f"/console/leaders/{leader_id}/rules?applied={applied.version}", status_code=303
    )
