"""A rendered HTML page printed to PDF by Chromium's headless print.

The HTML is written to a private temporary folder and Chromium opens that file, with a profile
of its own in the same folder, no network (every host name resolves to nothing and every
connection goes to a closed proxy), a bounded time and a bounded output. Chromium never fetches
a page of the server. Its sandbox is switched off when this process runs as root, where
Chromium refuses to start with it, or when `AGENDA_REGIE_CHROMIUM_SANDBOX=false` (a container
whose seccomp profile refuses the user namespaces the sandbox needs): the page it prints is
agenda-regie's own, without scripts, and Chromium has no network.

`PdfUnavailable` says why there is no PDF, naming the setting; the caller shows a calm page.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from assistant.errors import Fault
from assistant.settings.printing import CHROMIUM_VARIABLE, PrintSettings

PRINT_SECONDS = 30
MAX_PDF_BYTES = 10 * 1024 * 1024


class PdfUnavailable(Fault):
    """No PDF could be made; the message names the setting for the operator."""


def chromium_arguments(
    program: str, page: Path, pdf: Path, profile: Path, *, sandbox: bool = True
) -> list[str]:
    arguments = [
        program,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-sync",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-crash-reporter",
        "--mute-audio",
        # No network: no name resolves and every connection (loopback too) meets a closed port.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        "--print-to-pdf-no-header",
        f"--print-to-pdf={pdf}",
    ]
    if os.geteuid() == 0 or not sandbox:
        arguments.insert(2, "--no-sandbox")
    arguments.append(page.as_uri())
    return arguments


def print_pdf(html: str, settings: PrintSettings, *, seconds: float = PRINT_SECONDS) -> bytes:
    """The page as PDF bytes; `PdfUnavailable` when Chromium is missing, fails, or has not
    printed within `seconds` (then it is ended, with every process it started)."""
    program = settings.chromium_program()
    if program is None:
        raise PdfUnavailable(
            "Chromium was not found (%(setting)s=%(value)s); set %(setting)s to the path of "
            "chromium, chromium-browser or google-chrome to offer the summary as PDF",
            setting=CHROMIUM_VARIABLE,
            value=settings.chromium or "(unset: looked up on PATH)",
        )
    with tempfile.TemporaryDirectory(prefix="agenda-regie-pdf-") as folder:
        root = Path(folder)  # mode 0700: this process's own
        page, pdf, profile = root / "summary.html", root / "summary.pdf", root / "profile"
        page.write_text(html, encoding="utf-8")
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root),
            "XDG_CONFIG_HOME": str(root / "config"),
            "XDG_CACHE_HOME": str(root / "cache"),
        }
        process = subprocess.Popen(
            chromium_arguments(program, page, pdf, profile, sandbox=settings.sandbox),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=environment,
            cwd=root,
            start_new_session=True,  # its helpers end with it
        )
        try:
            _, errors = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            _end(process)
            process.communicate(timeout=5)  # what it wrote, and its pipe closed
            raise PdfUnavailable(
                "Chromium (%(program)s, %(setting)s) did not print within %(seconds)s s",
                program=program,
                setting=CHROMIUM_VARIABLE,
                seconds=seconds,
            ) from None
        finally:
            _end(process)
        size = pdf.stat().st_size if pdf.is_file() else 0
        if process.returncode != 0 or size == 0:
            last = errors.decode("utf-8", "replace").strip().splitlines()[-1:] if errors else []
            raise PdfUnavailable(
                "Chromium (%(program)s, %(setting)s) did not print (exit %(code)s): %(detail)s",
                program=program,
                setting=CHROMIUM_VARIABLE,
                code=process.returncode,
                detail=last[0][:300] if last else "no message",
            )
        if size > MAX_PDF_BYTES:
            raise PdfUnavailable(
                "Chromium (%(program)s, %(setting)s) printed %(size)s bytes, more than %(most)s",
                program=program,
                setting=CHROMIUM_VARIABLE,
                size=size,
                most=MAX_PDF_BYTES,
            )
        data = pdf.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise PdfUnavailable(
            "Chromium (%(program)s, %(setting)s) printed something that is not a PDF",
            program=program,
            setting=CHROMIUM_VARIABLE,
        )
    return data


def _end(process: subprocess.Popen[bytes]) -> None:
    """End Chromium's whole session (its helper processes too), if anything is left of it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.returncode is None:
        process.wait(timeout=5)
