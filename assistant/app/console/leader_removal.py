"""Deleting everything about one leader, at their own request (their place in the console) or
an operator's (`agenda-regie leader-data delete`).

First each connection's access is ended at its provider where the provider allows it
(`assistant.accounts.revoke`); a revocation that fails is reported and never stops the
deletion. Then every row about the leader goes in one transaction
(`assistant.store.repositories.leader_data.remove_leader`), connect links and flows on their way
included. One audit line records that it happened, by the leader's id and counts only: nothing
of the leader remains.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from assistant.accounts.revoke import Revocation, revoke_access
from assistant.store.crypto import SecretBox, SecretKeyError
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.leader_data import (
    leader_address,
    pending_rows,
    remove_leader,
    sealed_tokens,
)

DELETED = "leader.data_deleted"
# The kind of every pending row of a connect link or flow (connect_links.py).
CONNECT_FLOW = "connect-"


@dataclass(frozen=True)
class Removal:
    """What went: rows per table, and what became of each connection's access."""

    removed: Mapping[str, int]
    revocations: tuple[Revocation, ...]

    @property
    def rows(self) -> int:
        return sum(self.removed.values())


def delete_leader(
    engine: Engine,
    box: SecretBox,
    leader_id: int,
    now: datetime,
    *,
    actor: str,
    http: httpx.Client | None = None,
) -> Removal | None:
    """Revoke, then delete; None when there is no such leader. `actor` is who asked, as the
    audit line names them (never the leader's address: "the leader" when it was them)."""
    with session_scope(engine) as session:
        tokens = sealed_tokens(session, leader_id)
    client = http or httpx.Client()
    try:
        revocations = tuple(_revoke(client, box, *token) for token in tokens)
    finally:
        if http is None:
            client.close()
    with session_scope(engine) as session:
        address = leader_address(session, leader_id)
        if address is None:
            return None
        pending = [
            row_id
            for row_id, kind, kept in pending_rows(session)
            if _for_leader(box, kind, kept, address)
        ]
        removed = remove_leader(session, leader_id, pending_ids=pending)
        add_audit(
            session,
            actor=actor,
            action=DELETED,
            subject=f"leader {leader_id}",
            now=now,
            detail={
                "rows": sum(removed.values()),
                "revoked": sum(r.outcome == "revoked" for r in revocations),
                "not_revoked": sum(r.outcome == "failed" for r in revocations),
            },
        )
    return Removal(removed, revocations)


def _revoke(
    client: httpx.Client, box: SecretBox, provider: str, account: str, sealed: bytes | None
) -> Revocation:
    try:
        token = None if sealed is None else box.decrypt(sealed)
    except SecretKeyError:
        problem = "the token could not be read with the configured keys"
        return Revocation(provider, account, "failed", problem=problem)
    return revoke_access(client, provider, account, token)


def _for_leader(box: SecretBox, kind: str, kept: Mapping[str, Any], address: str) -> bool:
    """Whether a pending row is a connect link or flow of this leader (a flow is sealed)."""
    if not kind.startswith(CONNECT_FLOW):
        return False
    if str(kept.get("leader", "")).lower() == address:
        return True
    sealed = kept.get("sealed")
    if not isinstance(sealed, str):
        return False
    try:
        opened = json.loads(box.decrypt(sealed.encode()))
    except (SecretKeyError, ValueError):
        return False
    return isinstance(opened, dict) and str(opened.get("leader", "")).lower() == address
