"""The leaders list (/console), a leader's page, their export and the search, and pause and
resume. Every leader comes through the store's scoping: out of sight is 404, like unknown."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse, Response

from assistant.app.console.audit import pause, resume
from assistant.app.console.leaders import export_weeks, search_leaders, the_leader, the_leaders
from assistant.app.console.place import personal_for_assistants
from assistant.core.catalogue import METRIC_IDS
from assistant.web.console import present, present_place
from assistant.web.console.deps import (
    CheckedViewerDep,
    ConsoleDep,
    LanguageDep,
    NowDep,
    ViewerDep,
)
from assistant.web.console.views import HEADERS, missing, render

router = APIRouter(prefix="/console")


@router.get("", response_model=None)
def leaders_list(
    console: ConsoleDep, viewer: ViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    if viewer.role in ("leader", "coach"):  # their own place; what leaders share with a coach
        target = "/console/me" if viewer.role == "leader" else "/console/coach"
        return RedirectResponse(target, status_code=303)
    rows = [
        present.summary_row(summary, summary.timezone, language)
        for summary in the_leaders(console.engine, viewer, now)
    ]
    return render("console_leaders.html.j2", language, viewer=viewer, rows=rows, query="")


@router.get("/search", response_model=None)
def search(
    console: ConsoleDep,
    viewer: ViewerDep,
    language: LanguageDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    found = search_leaders(console.engine, viewer, q)
    return render(
        "console_search.html.j2",
        language,
        viewer=viewer,
        query=q,
        found=[{"id": i, "email": e, "name": n or e} for i, e, n in found],
    )


@router.get("/leaders/{leader_id}", response_model=None)
def leader_page(
    leader_id: int,
    console: ConsoleDep,
    viewer: ViewerDep,
    language: LanguageDep,
    now: NowDep,
    weeks: Annotated[int, Query(ge=12, le=52)] = 12,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    found = the_leader(console.engine, viewer, leader_id, now, weeks=weeks)
    if found is None:
        return missing(language)
    # The leader's felt room and notes to their coach: only when they let their assistants see.
    personal = personal_for_assistants(
        console.engine, console.box, leader_id, [m.week for m in found.history]
    )
    return render(
        "console_leader.html.j2",
        language,
        viewer=viewer,
        done=done,
        chosen_weeks=weeks,
        felt=None
        if personal is None
        else present_place.felt_room(found.history, personal[0], language),
        notes=[]
        if personal is None
        else present_place.notes(personal[1], found.review.timezone, language),
        **present.detail(found, language),
    )


@router.get("/leaders/{leader_id}/export.csv", response_model=None)
def export(
    leader_id: int, console: ConsoleDep, viewer: ViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    found = export_weeks(console.engine, viewer, leader_id, now)
    if found is None:
        return missing(language)
    email, weeks = found
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["leader", "iso_week", *METRIC_IDS])
    for week in weeks:
        writer.writerow([email, str(week.week), *(week.values.get(m) for m in METRIC_IDS)])
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="leader-{leader_id}.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/leaders/{leader_id}/pause", response_model=None)
def pause_leader(
    leader_id: int,
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    action: Annotated[str, Form(max_length=10)] = "pause",
) -> Response:
    act = resume if action == "resume" else pause
    if not act(console.engine, viewer, leader_id, now):
        return missing(language)
    return RedirectResponse(f"/console/leaders/{leader_id}?done={action}", status_code=303)
