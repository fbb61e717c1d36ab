"""Files only their owner may read: the data folder (0700), the SQLite database, schedules and
written emails or reviews (0600), made so when they are created; existing files keep the
permissions their owner gave them.

Imports nothing of agenda-regie.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(folder: Path) -> None:
    """Makes `folder` (and missing parents) when it does not exist; the folder itself 0700."""
    if folder.exists():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
    os.chmod(folder, FOLDER_MODE)  # mkdir's mode is masked by the umask


def private_file(path: Path) -> None:
    """Creates `path` empty with 0600 when it does not exist (an empty file is an empty SQLite
    database; SQLite gives its journal files the database's permissions)."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


def write_private(path: Path, data: bytes) -> None:
    """Writes `data` to `path`; a new file is 0600 (an email's links are the leader's keys)."""
    private_file(path)
    path.write_bytes(data)
