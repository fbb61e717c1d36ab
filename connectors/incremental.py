"""What every provider's incremental sync decides the same way (the `IncrementalSource` protocol).

`IncrementalProvider.sync` lists the whole window the first time, when the window moved, and
when the provider no longer knows the state (a sync token or delta link that expired); otherwise
only the changes since the state. A changed item whose event is gone, cancelled, declined or out
of the window is reported removed. The provider lists; this module decides. Imports nothing of
agenda-regie outside connectors.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Generic, Literal, Protocol, TypeVar

from connectors.model import (
    CalendarEvent,
    IncrementalSync,
    SkippedEvent,
    TimeWindow,
    overlaps,
)

FullKind = Literal["first", "window_moved", "token_expired"]


class Changed(Protocol):
    """One listed item: the provider's id, and its event (None: deleted, cancelled, dropped)."""

    @property
    def provider_id(self) -> str: ...

    @property
    def event(self) -> CalendarEvent | None: ...


class HasWindow(Protocol):
    """A sync state: it carries the window it was made for."""

    @property
    def window(self) -> TimeWindow: ...


StateT = TypeVar("StateT", bound=HasWindow)
SessionT = TypeVar("SessionT")


@dataclass(frozen=True)
class Listed:
    """One listing of a provider in our terms; `token` is what the next sync starts from."""

    items: Iterable[Changed]
    skipped: tuple[SkippedEvent, ...]
    token: str
    requests: int


class IncrementalProvider(ABC, Generic[StateT, SessionT]):
    """`sync` for a provider's source; the provider implements the listing hooks."""

    gone: ClassVar[type[Exception]] = Exception  # the provider no longer knows the state

    def sync(self, state: StateT | None, window: TimeWindow) -> IncrementalSync[StateT]:
        """Changes since `state`, or the whole `window` when there is no usable state."""
        session = self._session()
        if state is None or state.window != window:
            return self._full(session, window, "first" if state is None else "window_moved")
        try:
            listed = self._list_changes(session, state)
        except self.gone as error:
            self._forgotten(error)
            return self._full(session, window, "token_expired")
        kept: list[CalendarEvent] = []
        removed: list[str] = []
        for item in listed.items:
            if item.event is not None and overlaps(item.event, window):
                kept.append(item.event)
            else:  # deleted, cancelled, declined, or moved out of the window
                removed.append(item.provider_id)
        return IncrementalSync(
            kind="incremental",
            kept=tuple(kept),
            removed=tuple(removed),
            skipped=listed.skipped,
            state=self._state(listed.token, window),
            requests=listed.requests,
        )

    def _full(
        self, session: SessionT, window: TimeWindow, kind: FullKind
    ) -> IncrementalSync[StateT]:
        listed = self._list_window(session, window, kind)
        kept = [i.event for i in listed.items if i.event is not None and overlaps(i.event, window)]
        return IncrementalSync(
            kind=kind,
            kept=tuple(kept),
            removed=(),
            skipped=listed.skipped,
            state=self._state(listed.token, window),
            requests=listed.requests,
        )

    @abstractmethod
    def _session(self) -> SessionT:
        """What one sync shares between its listings (a retrier, a request count ...)."""

    @abstractmethod
    def _list_window(self, session: SessionT, window: TimeWindow, kind: FullKind) -> Listed:
        """Everything in (and around) the window, with the token the next sync starts from."""

    @abstractmethod
    def _list_changes(self, session: SessionT, state: StateT) -> Listed:
        """The changes since `state`; raises `gone` when the provider no longer knows it."""

    @abstractmethod
    def _state(self, token: str, window: TimeWindow) -> StateT: ...

    @abstractmethod
    def _forgotten(self, error: Exception) -> None:
        """Log that the provider forgot the state, with what it said."""
