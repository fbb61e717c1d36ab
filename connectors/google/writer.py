"""`GoogleWriter`: writes an accepted protected block into the leader's Google calendar.

Idempotent by construction (DESIGN 8): the event id is derived from the proposal key and its
generation, so a second accept, a retried request or a second process asks Google for the same
id; Google answers 409 and we fetch the event and confirm it is ours. Only events we created are
ever patched or deleted; nobody else's meeting is touched.

The block is Focus Time where the account supports it. Google documents focus time as available
"only on primary calendars, and to some Calendar users" (Workspace editions), but not the answer
to an account without it. Taken as a refusal (`refuses_focus_time`): a 400/403 whose reason is
`eventTypeRestriction` (the reason Google gives when an operation is not allowed for an event
type) or whose message says focus time is not available, allowed or possible; and an insert that
succeeds but comes back as a `default` event. Then the block is written (or kept) as a normal
busy event and the result says so, so the caller remembers it for the connection
(`use_focus_time=False` next time, until the leader connects again). A message that names a
`focusTimeProperties` field is a value of ours Google did not accept (a decline message too
long), never a refusal. Any other 400 is the error it is: nothing is written and the caller hears
why.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any, Literal

from connectors.google.calls import execute
from connectors.google.errors import (
    AccessDeniedError,
    AlreadyExistsError,
    BadRequestError,
    GoneError,
    GoogleError,
    NotFoundError,
)
from connectors.google.mapping import TAG_GENERATION, TAG_KEY
from connectors.google.retry import Retrier
from connectors.model import Block as Block  # the writer's input, shared by every provider

log = logging.getLogger("connectors.google")

AutoDecline = Literal["none", "all_conflicting", "only_new_conflicting"]
_DECLINE_MODES = {
    "none": "declineNone",
    "all_conflicting": "declineAllConflictingInvitations",
    "only_new_conflicting": "declineOnlyNewConflictingInvitations",
}


@dataclass(frozen=True)
class FocusTimeOptions:
    """rules.google.focus_time, handed in as plain values."""

    auto_decline: AutoDecline = "none"
    decline_message: str | None = None


@dataclass(frozen=True)
class WriteResult:
    event_id: str
    created: bool  # False: it existed already (a repeat or a race) and was confirmed
    focus_time: bool  # False: written as a normal busy event
    focus_time_refused: bool  # True: Google refused focus time just now; remember it


class BlockConflictError(GoogleError):
    """An event with our deterministic id exists but is not our block (should never happen)."""


FOCUS_TIME_REFUSAL_REASONS = frozenset({"eventTypeRestriction"})
_FOCUS_TIME = re.compile(r"focus ?time", re.IGNORECASE)
_FOCUS_TIME_FIELD = re.compile(r"focusTimeProperties", re.IGNORECASE)
_REFUSAL = re.compile(
    r"\b(?:not (?:available|allowed|enabled|permitted|supported)|unavailable|"
    r"cannot be (?:created|used)|(?:can ?not|may not|unable to) (?:create|use))\b",
    re.IGNORECASE,
)


def refuses_focus_time(error: GoogleError) -> bool:
    """Whether Google's error answer to a focus-time insert means "no focus time here"."""
    if not isinstance(error, BadRequestError | AccessDeniedError):
        return False
    said = error.problem
    if _FOCUS_TIME_FIELD.search(said):  # one of our values was refused: a real error
        return False
    if error.reason in FOCUS_TIME_REFUSAL_REASONS:
        return True
    return bool(_FOCUS_TIME.search(said) and _REFUSAL.search(said))


def block_event_id(key: str, generation: int) -> str:
    """base32hex (Google's id alphabet: a-v, 0-9) of SHA-256 of the key and generation."""
    digest = hashlib.sha256(f"agenda-regie\x00{key}\x00{generation}".encode()).digest()
    return base64.b32hexencode(digest).decode("ascii").rstrip("=").lower()


class GoogleWriter:
    def __init__(
        self,
        service: Any,
        *,
        calendar_id: str = "primary",
        focus_time: FocusTimeOptions | None = None,
        use_focus_time: bool = True,
        retrier: Retrier | None = None,
    ) -> None:
        self._service = service
        self._calendar_id = calendar_id
        self._focus = focus_time or FocusTimeOptions()
        self._use_focus_time = use_focus_time
        self._retrier = retrier

    @property
    def where(self) -> str:
        return f"Google calendar {self._calendar_id}"

    def create_block(self, block: Block) -> WriteResult:
        retrier = self._retrier or Retrier()
        event_id = block_event_id(block.key, block.generation)
        if self._use_focus_time:
            try:
                result = self._insert(retrier, block, event_id, focus_time=True)
            except (BadRequestError, AccessDeniedError) as error:
                if not refuses_focus_time(error):
                    raise
                log.info("google: focus time refused (%s); writing a busy event", error.reason)
                result = self._insert(retrier, block, event_id, focus_time=False)
                return WriteResult(result.event_id, result.created, False, True)
            if result.created and not result.focus_time:
                # Accepted, but as a `default` event: the account has no focus time. It stays a
                # busy block (opaque, tagged); remember not to ask again.
                log.info("google: focus time came back as a default event; remembered")
                return WriteResult(result.event_id, True, False, True)
            return result
        return self._insert(retrier, block, event_id, focus_time=False)

    def delete_block(self, key: str, generation: int) -> bool:
        """Withdraw the block; False when it was not there (never written, or deleted already)."""
        retrier = self._retrier or Retrier()
        event_id = block_event_id(key, generation)
        try:
            existing = self._get(retrier, event_id)
        except NotFoundError:
            return False
        self._confirm_ours(existing, key, event_id)
        if existing.get("status") == "cancelled":
            return False
        try:
            execute(
                retrier,
                "events.delete",
                self.where,
                lambda: self._service.events().delete(
                    calendarId=self._calendar_id, eventId=event_id, sendUpdates="none"
                ),
            )
        except (GoneError, NotFoundError):  # deleted meanwhile (or by a retried request)
            return False
        return True

    def _insert(
        self, retrier: Retrier, block: Block, event_id: str, *, focus_time: bool
    ) -> WriteResult:
        body = self._body(block, event_id, focus_time=focus_time)
        try:
            inserted = execute(
                retrier,
                "events.insert",
                self.where,
                lambda: self._service.events().insert(
                    calendarId=self._calendar_id, body=body, sendUpdates="none"
                ),
            )
        except AlreadyExistsError:
            return self._confirm_existing(retrier, block, event_id, body)
        return WriteResult(
            str(inserted.get("id", event_id)),
            created=True,
            focus_time=inserted.get("eventType") == "focusTime",
            focus_time_refused=False,
        )

    def _confirm_existing(
        self, retrier: Retrier, block: Block, event_id: str, body: dict[str, Any]
    ) -> WriteResult:
        existing = self._get(retrier, event_id)
        self._confirm_ours(existing, block.key, event_id)
        if existing.get("status") == "cancelled":
            # Deleting does not free an id: bring our own deleted block back (same generation).
            changes = {k: v for k, v in body.items() if k not in {"id", "eventType"}}
            existing = execute(
                retrier,
                "events.patch",
                self.where,
                lambda: self._service.events().patch(
                    calendarId=self._calendar_id,
                    eventId=event_id,
                    body={**changes, "status": "confirmed"},
                    sendUpdates="none",
                ),
            )
        return WriteResult(
            event_id,
            created=False,
            focus_time=existing.get("eventType") == "focusTime",
            focus_time_refused=False,
        )

    def _get(self, retrier: Retrier, event_id: str) -> dict[str, Any]:
        found: dict[str, Any] = execute(
            retrier,
            "events.get",
            self.where,
            lambda: self._service.events().get(calendarId=self._calendar_id, eventId=event_id),
        )
        return found

    def _confirm_ours(self, existing: dict[str, Any], key: str, event_id: str) -> None:
        private = (existing.get("extendedProperties") or {}).get("private") or {}
        if existing.get("status") == "cancelled" and not private:
            return  # Google keeps only the id of a deleted event; the id itself is ours
        if private.get(TAG_KEY) != key:
            raise BlockConflictError(
                self.where,
                f"event {event_id} exists but is not the block of proposal {key}; left alone",
            )

    def _body(self, block: Block, event_id: str, *, focus_time: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": event_id,
            "summary": block.title,
            "start": {"dateTime": block.start.isoformat(), "timeZone": block.zone.key},
            "end": {"dateTime": block.end.isoformat(), "timeZone": block.zone.key},
            "transparency": "opaque",
            "visibility": "private",
            "extendedProperties": {
                "private": {TAG_KEY: block.key, TAG_GENERATION: str(block.generation)}
            },
        }
        if block.description:
            body["description"] = block.description
        if focus_time:
            properties: dict[str, Any] = {
                "autoDeclineMode": _DECLINE_MODES[self._focus.auto_decline],
                "chatStatus": "doNotDisturb",
            }
            if self._focus.decline_message and self._focus.auto_decline != "none":
                properties["declineMessage"] = self._focus.decline_message
            body["eventType"] = "focusTime"
            body["focusTimeProperties"] = properties
        else:
            body["eventType"] = "default"
        return body
