"""The audit trail (/console/audit, and a leader's own at /console/leaders/{id}/audit): who
changed what, when, before and after, as far as the viewer may read it."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from assistant.app.console.audit import AuditLine, trail
from assistant.i18n.translations import gettext
from assistant.web.console.deps import ConsoleDep, LanguageDep, ViewerDep
from assistant.web.console.present import moment
from assistant.web.console.views import render

router = APIRouter(prefix="/console")
ACTIONS = {
    "rules.store": "Rules changed",
    "review.paused": "Weekly review paused",
    "review.resumed": "Weekly review resumed",
    "console.user_added": "Console user added",
    "console.user_removed": "Console user removed",
    "console.leader_assigned": "Leader assigned",
    "console.leader_unassigned": "Leader no longer assigned",
    "console.signed_out_everywhere": "Signed out everywhere",
    "console.invitation_sent": "Connection link sent",
    "console.feed_connected": "Calendar feed connected",
    "connect.started": "Calendar connection begun by the leader",
    "connect.connected": "Calendar connected by the leader",
    "connect.refused": "Calendar connection refused on the provider's page",
    "connect.failed": "Calendar connection failed",
}


def _rows(lines: list[AuditLine], lang: str) -> list[dict[str, Any]]:
    def shown(value: dict[str, Any] | None) -> str:
        if not value:
            return ""
        return "; ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items())

    return [
        {
            "at": moment(line.at, "Europe/Amsterdam", lang),
            "actor": line.actor,
            "what": gettext(lang, ACTIONS[line.action]) if line.action in ACTIONS else line.action,
            "subject": line.subject,
            "before": shown(line.before),
            "after": shown(line.after) or shown(line.detail),
        }
        for line in lines
    ]


@router.get("/audit", response_model=None)
def audit(console: ConsoleDep, viewer: ViewerDep, language: LanguageDep) -> Response:
    lines = trail(console.engine, viewer) or []
    return render(
        "console_audit.html.j2", language, viewer=viewer, rows=_rows(lines, language), leader=None
    )


@router.get("/leaders/{leader_id}/audit", response_model=None)
def leader_audit(
    leader_id: int, console: ConsoleDep, viewer: ViewerDep, language: LanguageDep
) -> Response:
    lines = trail(console.engine, viewer, leader_id=leader_id)
    if lines is None:
        return render("console_missing.html.j2", language, status=404)
    return render(
        "console_audit.html.j2",
        language,
        viewer=viewer,
        rows=_rows(lines, language),
        leader=leader_id,
    )
