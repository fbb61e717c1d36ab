"""The admin's editor of the organisation's and the teams' rules (/console/shared-rules/{name}):
the YAML checked as one types, a preview of the affected leaders' current weeks before and after
(writes nothing), apply as a new version, the versions and rollback. Anyone but an admin gets
404, as for a set that does not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import JSONResponse, RedirectResponse, Response

from assistant.app.console import shared_rules as editor
from assistant.app.console.signin import Viewer
from assistant.i18n.translations import gettext
from assistant.store import StoreError
from assistant.store.repositories.shared_rules import flat
from assistant.web.console import present
from assistant.web.console.deps import CheckedViewerDep, ConsoleDep, LanguageDep, NowDep, ViewerDep
from assistant.web.console.rules import _problem, problems_as_json
from assistant.web.console.views import render
from rules.errors import RuleProblem
from rules.text import MAX_TEXT_CHARACTERS

router = APIRouter(prefix="/console")
NAME_PATH = Path(max_length=100)


def _effects(effects: list[editor.LeaderEffect], lang: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for effect in effects:
        if effect.before is None:  # beyond the preview's bound: named only
            rows.append({"id": effect.leader_id, "name": effect.name or effect.email})
            continue
        before = present.buffers(effect.before, lang)
        after = None if effect.after is None else present.buffers(effect.after, lang)
        pairs = []
        for i, old in enumerate(before):
            new = None if after is None else after[i]
            pairs.append((old, new, new is not None and old["status"] != new["status"]))
        rows.append(
            {
                "id": effect.leader_id,
                "name": effect.name or effect.email,
                "week": str(effect.before.week),
                "buffers": pairs,
                "broken": effect.after is None,
            }
        )
    return rows


def _page(
    draft: editor.SharedDraft,
    lang: str,
    viewer: Viewer,
    *,
    text: str | None = None,
    problems: list[RuleProblem] = (),  # type: ignore[assignment]
    effects: list[dict[str, Any]] | None = None,
    notice: str = "",
    status: int = 200,
) -> Response:
    return render(
        "console_shared_rules.html.j2",
        lang,
        status=status,
        viewer=viewer,
        shared={"name": draft.name, "kind": gettext(lang, draft.kind), "extends": draft.extends},
        text=draft.text if text is None else text,
        problems=[_problem(p, lang) for p in problems],
        effects=effects,
        notice=notice,
        versions=[
            {
                "version": v.version,
                "at": present.moment(v.created_at, "Europe/Amsterdam", lang),
                "by": v.created_by,
                "settings": [f"{k}: {v}" for k, v in flat(v.data).items()][:20],
            }
            for v in reversed(draft.versions)
        ],
        latest=draft.versions[-1].version,
        max_text=MAX_TEXT_CHARACTERS,
    )


def _missing(language: str) -> Response:
    return render("console_missing.html.j2", language, status=404)


@router.get("/shared-rules/{name}", response_model=None)
def shared_page(
    name: Annotated[str, NAME_PATH],
    console: ConsoleDep,
    viewer: ViewerDep,
    language: LanguageDep,
    applied: Annotated[int | None, Query()] = None,
) -> Response:
    draft = editor.shared_draft(console.engine, viewer, name)
    if draft is None:
        return _missing(language)
    notice = (
        ""
        if applied is None
        else gettext(language, "Applied as version %(version)s.", version=applied)
    )
    return _page(draft, language, viewer, notice=notice)


@router.post("/shared-rules/{name}", response_model=None)
def shared_change(
    name: Annotated[str, NAME_PATH],
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    text: Annotated[str, Form(max_length=MAX_TEXT_CHARACTERS)] = "",
    action: Annotated[str, Form(max_length=10)] = "check",
) -> Response:
    draft = editor.shared_draft(console.engine, viewer, name)
    checked = editor.check_shared(console.engine, viewer, name, text)
    if draft is None or checked is None:
        return _missing(language)
    if checked.problems or checked.data is None:
        return _page(draft, language, viewer, text=text, problems=checked.problems, status=422)
    if action == "apply":
        outcome = editor.apply_shared(console.engine, viewer, name, checked.data, now)
        assert outcome is not None  # the draft was found
        return RedirectResponse(
            f"/console/shared-rules/{name}?applied={outcome[0]}", status_code=303
        )
    effects = None
    if action == "preview":
        found = editor.preview_shared(console.engine, viewer, name, checked.data, now)
        effects = _effects(found or [], language)
    notice = gettext(language, "No problems found.")
    return _page(draft, language, viewer, text=text, effects=effects, notice=notice)


@router.post("/shared-rules/{name}/check", response_model=None)
def shared_check(
    name: Annotated[str, NAME_PATH],
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    text: Annotated[str, Form(max_length=MAX_TEXT_CHARACTERS)] = "",
) -> Response:
    """The problems of the typed settings as JSON, for the check while typing; a look."""
    checked = editor.check_shared(console.engine, viewer, name, text)
    if checked is None:
        return JSONResponse({"problems": []}, status_code=404)
    return problems_as_json(checked.problems, language)


@router.post("/shared-rules/{name}/rollback", response_model=None)
def shared_rollback(
    name: Annotated[str, NAME_PATH],
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    version: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    try:
        outcome = editor.rollback_shared(console.engine, viewer, name, version, now)
    except StoreError as error:
        draft = editor.shared_draft(console.engine, viewer, name)
        assert draft is not None
        said = gettext(language, error.template) % dict(error.values)
        return _page(draft, language, viewer, notice=said, status=422)
    if outcome is None:
        return _missing(language)
    return RedirectResponse(f"/console/shared-rules/{name}?applied={outcome[0]}", status_code=303)
