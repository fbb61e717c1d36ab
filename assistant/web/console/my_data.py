"""The leader's own data in the console (/console/me/...): download all of it as JSON or as a
ZIP of CSV files, and delete all of it after typing their address to confirm.

Only a leader reaches these pages (the leader whose address is the signed-in viewer's); anyone
else gets the console's 404 page. The downloads are looks and write nothing. The deletion
revokes the calendar access first, removes every row about the leader, and ends the session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from assistant.accounts.revoke import MICROSOFT_CONSENT_PAGE
from assistant.app.console.access import PlaceOwner, own_leader
from assistant.app.console.leader_data import LeaderExport, as_json, as_zip, export_leader
from assistant.app.console.leader_removal import delete_leader
from assistant.app.console.signin import Viewer
from assistant.web.console.deps import (
    SESSION_COOKIE,
    CheckedViewerDep,
    ConsoleDep,
    ConsoleServices,
    LanguageDep,
    NowDep,
    ViewerDep,
)
from assistant.web.console.views import HEADERS, missing, render

router = APIRouter(prefix="/console/me")
# Who asked, as the audit line of a deletion names them (not their address: it is deleted).
BY_THE_LEADER = "the leader"


def _download(body: bytes, media_type: str, filename: str) -> Response:
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)


def _export(console: ConsoleServices, viewer: Viewer, now: datetime) -> LeaderExport | None:
    owner = own_leader(console.engine, viewer)
    if owner is None:
        return None
    return export_leader(console.engine, console.box, owner.leader_id, now)


@router.get("/export.json", response_model=None)
def export_json(
    console: ConsoleDep, viewer: ViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    found = _export(console, viewer, now)
    if found is None:
        return missing(language)
    return _download(as_json(found), "application/json", "agenda-regie-data.json")


@router.get("/export.zip", response_model=None)
def export_zip(
    console: ConsoleDep, viewer: ViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    found = _export(console, viewer, now)
    if found is None:
        return missing(language)
    return _download(as_zip(found), "application/zip", "agenda-regie-data.zip")


def _confirm_page(
    console: ConsoleServices,
    viewer: Viewer,
    owner: PlaceOwner,
    language: str,
    now: datetime,
    *,
    problem: str = "",
    typed: str = "",
) -> Response:
    found = export_leader(console.engine, console.box, owner.leader_id, now)
    if found is None:
        return missing(language)
    counts = {table: len(rows) for table, rows in found.tables.items() if rows}
    counts.pop("sharing", None)
    return render(
        "place_delete.html.j2",
        language,
        status=400 if problem else 200,
        viewer=viewer,
        owner=owner,
        counts=counts,
        connections=found.tables.get("connections", []),
        problem=problem,
        typed=typed,
        consent_page=MICROSOFT_CONSENT_PAGE,
    )


@router.get("/delete", response_model=None)
def delete_page(
    console: ConsoleDep, viewer: ViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    owner = own_leader(console.engine, viewer)
    if owner is None:
        return missing(language)
    return _confirm_page(console, viewer, owner, language, now)


@router.post("/delete", response_model=None)
def delete(
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    address: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    owner = own_leader(console.engine, viewer)
    if owner is None:
        return missing(language)
    if address.strip().lower() != owner.email.lower():
        problem = "empty" if not address.strip() else "wrong"
        return _confirm_page(
            console, viewer, owner, language, now, problem=problem, typed=address[:320]
        )
    removal = delete_leader(console.engine, console.box, owner.leader_id, now, actor=BY_THE_LEADER)
    if removal is None:
        return missing(language)
    response = render(
        "place_deleted.html.j2",
        language,
        removed=dict(removal.removed),
        rows=removal.rows,
        revocations=removal.revocations,
    )
    # The deletion ended every session of the account; the browser forgets its cookie too.
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response
