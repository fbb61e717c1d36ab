"""Which class implements which protocol, checked by mypy (never imported at run time).

A new connector adds a line here; mypy then fails when it drifts from the protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors import caldav, google, microsoft
    from connectors.google.writer import GoogleWriter
    from connectors.ics import IcsSource
    from connectors.memory import (
        MemoryIncrementalSource,
        MemorySource,
        MemorySyncState,
        MemoryWriter,
    )
    from connectors.microsoft.writer import MicrosoftWriter
    from connectors.protocols import CalendarSource, CalendarWriter, IncrementalSource

    def _sources(
        memory: MemorySource,
        ics: IcsSource,
        memory_incremental: MemoryIncrementalSource,
        google_source: google.GoogleSource,
        microsoft_source: microsoft.MicrosoftSource,
        caldav_source: caldav.CalDavSource,
    ) -> tuple[
        CalendarSource,
        CalendarSource,
        IncrementalSource[MemorySyncState],
        IncrementalSource[google.SyncState],
        IncrementalSource[microsoft.SyncState],
        IncrementalSource[caldav.SyncState],
    ]:
        return memory, ics, memory_incremental, google_source, microsoft_source, caldav_source

    def _writers(
        memory: MemoryWriter,
        google_writer: GoogleWriter,
        microsoft_writer: MicrosoftWriter,
        caldav_writer: caldav.CalDavWriter,
    ) -> tuple[CalendarWriter, CalendarWriter, CalendarWriter, CalendarWriter]:
        return memory, google_writer, microsoft_writer, caldav_writer
