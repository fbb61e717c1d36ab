"""Where the web app finds Chromium, which prints the summary before a coaching conversation as
a PDF (`assistant.render.pdf`). Imports nothing of agenda-regie beyond settings.

Unset: the first of chromium, chromium-browser and google-chrome on PATH. A value is a command
name (looked up on PATH) or a path to the program.
"""

from __future__ import annotations

import shutil

from pydantic import Field

from assistant.settings.groups import Group

CHROMIUM_VARIABLE = "AGENDA_REGIE_CHROMIUM"
SANDBOX_VARIABLE = "AGENDA_REGIE_CHROMIUM_SANDBOX"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


class PrintSettings(Group):
    """`chromium`: the Chromium program that prints PDFs; empty: looked up on PATH.
    `sandbox`: Chromium's own sandbox (on unless switched off, e.g. in a container whose
    seccomp profile refuses the user namespaces it needs; as root it is always off)."""

    chromium: str = Field("", validation_alias=CHROMIUM_VARIABLE)
    sandbox: bool = Field(True, validation_alias=SANDBOX_VARIABLE)

    def chromium_program(self) -> str | None:
        """The program to run, or None when it is not there (nothing configured is found on
        PATH, or the configured path or name is not an executable)."""
        if self.chromium:
            return shutil.which(self.chromium)
        for name in CHROMIUM_NAMES:
            found = shutil.which(name)
            if found:
                return found
        return None
