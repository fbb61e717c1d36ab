"""`MicrosoftWriter`: writes an accepted protected block into the leader's Outlook calendar.

One event per proposal key and generation, whatever happens (DESIGN 8):
- the block carries a single-value extended property "<key>#<generation>"; before creating, we
  look for it with `$filter` (a second accept finds the first block and creates nothing);
- the POST carries a `transactionId` derived from the same key and generation, so a retried
  request or a second process racing past the lookup gets Graph's de-duplicated answer (201
  with the same event, calendar-apis.md B.3) instead of a second event.
The block is `showAs=busy`, private, without a reminder, in our category (which every read,
delta included, returns, so the source knows it as ours). Withdrawing deletes it, once: a block
that is not there any more is reported, never deleted twice. Nobody else's event is touched.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from connectors.microsoft.errors import NotFoundError
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.mapping import OUR_CATEGORY, TAG_PROPERTY_ID
from connectors.microsoft.throttle import Retrier
from connectors.model import Block as Block  # the writer's input, shared by every provider

log = logging.getLogger("connectors.microsoft")

_TRANSACTION_NAMESPACE = uuid.UUID("0b0f7c44-3d0e-4f53-9f8e-6a3c2d1e5b70")


@dataclass(frozen=True)
class WriteResult:
    event_id: str
    created: bool  # False: our block was there already (a repeat) and was confirmed


def transaction_id(key: str, generation: int) -> str:
    """A UUID (the form Graph's own example uses) derived from the key and generation."""
    digest = hashlib.sha256(f"agenda-regie\x00{key}\x00{generation}".encode()).hexdigest()
    return str(uuid.uuid5(_TRANSACTION_NAMESPACE, digest)).upper()


def tag_value(key: str, generation: int) -> str:
    return f"{key}#{generation}"


class MicrosoftWriter:
    def __init__(
        self, client: GraphClient, *, mailbox: str, retrier: Retrier | None = None
    ) -> None:
        self._client = client
        self._mailbox = mailbox.strip().lower()
        self._retrier = retrier

    @property
    def where(self) -> str:
        return f"Microsoft 365 calendar of {self._mailbox}"

    def create_block(self, block: Block) -> WriteResult:
        retrier = self._retrier or Retrier()
        existing = self._find(retrier, block.key, block.generation)
        if existing is not None:
            return WriteResult(existing, created=False)
        _, created = self._client.request(
            "POST",
            self._client.url(self._events_path()),
            mailbox=self._mailbox,
            retrier=retrier,
            what="events.create",
            where=self.where,
            prefer=('outlook.timezone="UTC"',),
            body=self._body(block),
        )
        return WriteResult(str((created or {}).get("id")), created=True)

    def delete_block(self, key: str, generation: int) -> bool:
        """Withdraw the block; False when it was not there (never written, or deleted already)."""
        retrier = self._retrier or Retrier()
        event_id = self._find(retrier, key, generation)
        if event_id is None:
            return False
        try:
            self._client.request(
                "DELETE",
                self._client.url(f"{self._events_path()}/{quote(event_id, safe='')}"),
                mailbox=self._mailbox,
                retrier=retrier,
                what="events.delete",
                where=self.where,
            )
        except NotFoundError:  # deleted meanwhile (by the leader, or a retried request)
            return False
        return True

    def _events_path(self) -> str:
        return f"users/{quote(self._mailbox, safe='@')}/events"

    def _find(self, retrier: Retrier, key: str, generation: int) -> str | None:
        value = tag_value(key, generation).replace("'", "''")
        _, found = self._client.request(
            "GET",
            self._client.url(self._events_path()),
            mailbox=self._mailbox,
            retrier=retrier,
            what="events.find",
            where=self.where,
            params={
                "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{TAG_PROPERTY_ID}' "
                f"and ep/value eq '{value}')",
                "$select": "id,categories",
            },
        )
        ours = [
            item["id"]
            for item in (found or {}).get("value") or []
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        ]
        if len(ours) > 1:
            log.warning("graph %s: %d events carry the tag %s", self.where, len(ours), value)
        return sorted(ours)[0] if ours else None

    def _body(self, block: Block) -> dict[str, Any]:
        body: dict[str, Any] = {
            "subject": block.title,
            "start": _when(block.start, block.zone),
            "end": _when(block.end, block.zone),
            "showAs": "busy",
            "sensitivity": "private",
            "isReminderOn": False,
            "categories": [OUR_CATEGORY],
            "transactionId": transaction_id(block.key, block.generation),
            "singleValueExtendedProperties": [
                {"id": TAG_PROPERTY_ID, "value": tag_value(block.key, block.generation)}
            ],
        }
        if block.description:
            body["body"] = {"contentType": "text", "content": block.description}
        return body


def _when(moment: datetime, zone: ZoneInfo) -> dict[str, str]:
    # Graph accepts IANA names such as Europe/Amsterdam (datetimetimezone.md, "additional time
    # zones"); the wall-clock time goes with it, so Outlook shows the block in the leader's zone.
    return {
        "dateTime": moment.astimezone(zone).replace(tzinfo=None).isoformat(),
        "timeZone": zone.key,
    }
