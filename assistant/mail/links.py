"""Signed links in the weekly email (DESIGN 8): accept or decline one block, accept all, rate,
pause the email, open the leader's own place; and the link the console sends a leader to
connect a calendar.

A token is the JSON of what it may do, signed with `AGENDA_REGIE_LINK_SECRET` (itsdangerous,
HMAC-SHA1 over a salt per purpose). It carries its own expiry (default 10 days), checked against
an injected clock, and is bound to the proposal key and generation; acting once is the store's
job (a proposal that is no longer `proposed` is not changed again). The pause link lives a year:
a paused leader gets no new email, and the last one's link must still let them resume.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeSerializer

from assistant.errors import UserError
from assistant.settings import LINK_SECRET_MISSING, LinkSettings, SettingsError

DEFAULT_LIFETIME = timedelta(days=10)
PAUSE_LIFETIME = timedelta(days=365)
# A link to connect a calendar: sent from the console, good for a week and used once (the store).
CONNECT_LIFETIME = timedelta(days=7)
# A link from the weekly email to the leader's own place: it opens a short session (console).
PLACE_LIFETIME = timedelta(days=14)
Purpose = Literal["proposal", "all", "rating", "pause", "connect", "place"]


class LinkError(UserError):
    """A link that cannot be used; `kind` is "tampered" or "expired"."""

    def __init__(self, kind: Literal["tampered", "expired"]) -> None:
        self.kind = kind
        super().__init__("the link is %(kind)s", kind=kind)


class LinkSecretMissingError(SettingsError):
    def __init__(self) -> None:
        super().__init__([LINK_SECRET_MISSING])


@dataclass(frozen=True)
class ProposalLink:
    key: str
    generation: int
    leader: str
    reason: str = ""  # the proposal's "why", shown on the confirm page (not stored elsewhere)


@dataclass(frozen=True)
class AllLink:
    leader: str
    week: str


@dataclass(frozen=True)
class RatingLink:
    leader: str
    week: str
    score: int


@dataclass(frozen=True)
class PauseLink:
    leader: str


@dataclass(frozen=True)
class ConnectLink:
    """A leader's link to connect a calendar; `nonce` finds the store's record of it."""

    leader: str
    nonce: str


@dataclass(frozen=True)
class PlaceLink:
    """A leader's link from the weekly email to their own place."""

    leader: str


Link = ProposalLink | AllLink | RatingLink | PauseLink | ConnectLink | PlaceLink


class LinkSigner:
    def __init__(self, secret: str, base_url: str, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        if not secret:
            raise LinkSecretMissingError()
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self.lifetime = lifetime

    @classmethod
    def from_settings(cls, links: LinkSettings) -> LinkSigner:
        return cls(links.secret, links.base_url)

    def _serializer(self, purpose: Purpose) -> URLSafeSerializer:
        return URLSafeSerializer(self._secret, salt=f"agenda-regie/{purpose}")

    def token(self, link: Link, now: datetime) -> str:
        lifetime = max(self.lifetime, PAUSE_LIFETIME) if isinstance(link, PauseLink) else None
        if isinstance(link, ConnectLink):
            lifetime = CONNECT_LIFETIME
        if isinstance(link, PlaceLink):
            lifetime = PLACE_LIFETIME
        expires = int((now + (lifetime or self.lifetime)).timestamp())
        payload: dict[str, Any]
        if isinstance(link, ProposalLink):
            purpose: Purpose = "proposal"
            payload = {"k": link.key, "g": link.generation, "l": link.leader, "r": link.reason}
        elif isinstance(link, AllLink):
            purpose, payload = "all", {"l": link.leader, "w": link.week}
        elif isinstance(link, PauseLink):
            purpose, payload = "pause", {"l": link.leader}
        elif isinstance(link, ConnectLink):
            purpose, payload = "connect", {"l": link.leader, "n": link.nonce}
        elif isinstance(link, PlaceLink):
            purpose, payload = "place", {"l": link.leader}
        else:
            purpose = "rating"
            payload = {"l": link.leader, "w": link.week, "s": link.score}
        return str(self._serializer(purpose).dumps({**payload, "x": expires}))

    def url(self, link: Link, now: datetime, action: str | None = None) -> str:
        prefix = {
            ProposalLink: "p",
            AllLink: "all",
            RatingLink: "r",
            PauseLink: "pause",
            ConnectLink: "connect",
            PlaceLink: "console/me/open",
        }[type(link)]
        query = f"?do={action}" if action else ""
        return f"{self.base_url}/{prefix}/{self.token(link, now)}{query}"

    def _load(self, purpose: Purpose, token: str, now: datetime) -> dict[str, Any]:
        try:
            payload = self._serializer(purpose).loads(token)
        except BadSignature:
            raise LinkError("tampered") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("x"), int):
            raise LinkError("tampered")
        if now.timestamp() > payload["x"]:
            raise LinkError("expired")
        return payload

    def proposal(self, token: str, now: datetime) -> ProposalLink:
        data = self._load("proposal", token, now)
        return ProposalLink(str(data["k"]), int(data["g"]), str(data["l"]), str(data.get("r", "")))

    def accept_all(self, token: str, now: datetime) -> AllLink:
        data = self._load("all", token, now)
        return AllLink(str(data["l"]), str(data["w"]))

    def rating(self, token: str, now: datetime) -> RatingLink:
        data = self._load("rating", token, now)
        score = int(data["s"])
        if not 1 <= score <= 5:
            raise LinkError("tampered")
        return RatingLink(str(data["l"]), str(data["w"]), score)

    def pause(self, token: str, now: datetime) -> PauseLink:
        data = self._load("pause", token, now)
        return PauseLink(str(data["l"]))

    def connect(self, token: str, now: datetime) -> ConnectLink:
        data = self._load("connect", token, now)
        return ConnectLink(str(data["l"]), str(data["n"]))

    def place(self, token: str, now: datetime) -> PlaceLink:
        data = self._load("place", token, now)
        return PlaceLink(str(data["l"]))
