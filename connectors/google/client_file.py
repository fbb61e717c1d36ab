"""The OAuth client file and the local redirect port of the installed-app flow, checked before
the flow starts, so a problem is one line naming what is wrong, not an error from inside it.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import errno
import json
import socket
from typing import Any

from connectors.google.errors import GoogleAuthError

# What google-auth-oauthlib reads from the client file's "installed" or "web" object.
CLIENT_FILE_FIELDS = ("client_id", "client_secret", "auth_uri", "token_uri")
MAX_PORT = 65535


def client_config_from_json(text: str, where: str) -> dict[str, Any]:
    """The OAuth client file downloaded from the Cloud console ("installed" or "web").

    Checked here as google-auth-oauthlib reads it, so a broken file is one line naming what is
    missing, not an error from inside the flow.
    """
    try:
        config = json.loads(text)
    except ValueError as error:
        raise GoogleAuthError(where, "not JSON: %(reason)s", values={"reason": error}) from None
    if not isinstance(config, dict) or not ({"installed", "web"} & set(config)):
        raise GoogleAuthError(
            where,
            "not an OAuth client file; download it again from Credentials in the Cloud "
            "console (OAuth client ID)",
        )
    kind = "installed" if "installed" in config else "web"
    section = config[kind]
    if not isinstance(section, dict):
        raise GoogleAuthError(
            where,
            '"%(kind)s" is not an object; download it again from Credentials in the Cloud '
            "console (OAuth client ID)",
            values={"kind": kind},
        )
    missing = [
        name
        for name in CLIENT_FILE_FIELDS
        if not isinstance(section.get(name), str) or not section[name]
    ]
    if missing:
        raise GoogleAuthError(
            where,
            '"%(kind)s" lacks %(missing)s (as text); download it again from Credentials in the '
            "Cloud console (OAuth client ID)",
            values={"kind": kind, "missing": ", ".join(missing)},
        )
    return config


def check_redirect_port(port: int) -> None:
    """Raise `GoogleAuthError` when the local redirect cannot listen on 127.0.0.1:`port`.

    Checked before the consent page is shown, so the leader never signs in for nothing. (The
    flow's server sets SO_REUSEADDR too: a port in TIME_WAIT is free, one with a listener not.)
    """
    if not 0 <= port <= MAX_PORT:
        raise GoogleAuthError(
            "connect google",
            "--port %(port)s is not a port; give a number from 0 to %(max)s",
            values={"port": port, "max": MAX_PORT},
        )
    if port == 0:
        return  # any free port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise GoogleAuthError(
                    "connect google",
                    "the local redirect port %(port)s on 127.0.0.1 is in use; give another "
                    "with --port, or leave --port out to use any free port",
                    values={"port": port},
                ) from None
            raise GoogleAuthError(
                "connect google",
                "the local redirect port %(port)s on 127.0.0.1 cannot be used (%(reason)s); "
                "give another with --port, or leave --port out to use any free port",
                values={"port": port, "reason": error.strerror},
            ) from None
