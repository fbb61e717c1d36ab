"""The names of the environment variables, their defaults and the sentences that name them.

Imports nothing: every module of the settings tree (and the docs' tests) read them here.
"""

from __future__ import annotations

from typing import Literal

from assistant.datadir import APP_NAME as APP_NAME
from assistant.datadir import DATABASE_FILE_NAME as DATABASE_FILE_NAME
from assistant.datadir import DATABASE_URL_VARIABLE as DATABASE_URL_VARIABLE

SECRET_KEYS_VARIABLE = "AGENDA_REGIE_SECRET_KEYS"
MICROSOFT_CLIENT_ID_VARIABLE = "AGENDA_REGIE_MICROSOFT_CLIENT_ID"
MICROSOFT_TENANT_VARIABLE = "AGENDA_REGIE_MICROSOFT_TENANT"
MICROSOFT_SECRET_VARIABLE = "AGENDA_REGIE_MICROSOFT_CLIENT_SECRET"
MICROSOFT_AUTHORITY_HOST_VARIABLE = "AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST"
MICROSOFT_GRAPH_URL_VARIABLE = "AGENDA_REGIE_MICROSOFT_GRAPH_URL"
# The global service; national clouds (docs/microsoft.md) have their own pair.
MICROSOFT_AUTHORITY_HOST = "https://login.microsoftonline.com"
MICROSOFT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
LINK_SECRET_VARIABLE = "AGENDA_REGIE_LINK_SECRET"
BASE_URL_VARIABLE = "AGENDA_REGIE_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
BROKER_URL_VARIABLE = "AGENDA_REGIE_BROKER_URL"
RESULT_BACKEND_VARIABLE = "AGENDA_REGIE_RESULT_BACKEND"
GOOGLE_API_ENDPOINT_VARIABLE = "AGENDA_REGIE_GOOGLE_API_ENDPOINT"
# The OAuth client (web application) a leader's link to connect Google uses (`agenda-regie web`).
GOOGLE_CLIENT_FILE_VARIABLE = "AGENDA_REGIE_GOOGLE_CLIENT_FILE"
# The password (an app-specific one) of a one-off `review caldav+https://USER@HOST/PATH`.
CALDAV_PASSWORD_VARIABLE = "AGENDA_REGIE_CALDAV_PASSWORD"
CLOCK_VARIABLE = "AGENDA_REGIE_NOW"  # an ISO datetime with offset: the workers' clock, for tests
DEBUG_VARIABLE = "AGENDA_REGIE_DEBUG"
SMTP_PLAIN_LOGIN = (
    "AGENDA_REGIE_SMTP_USER is set but AGENDA_REGIE_SMTP_SECURITY is none, so the password would "
    "cross the network unencrypted; use starttls or ssl"
)
LINK_SECRET_MISSING = (
    f"set {LINK_SECRET_VARIABLE} to a long random string (the key that signs email links)"
)
# At least this many bytes of randomness: the secret as decoded (hex, base64) or as written,
# and no fewer than this many bits per byte (a floor that refuses "aaaa...", not a proof).
LINK_SECRET_MIN_BYTES = 32
SECRET_MIN_BITS_PER_BYTE = 3.5
LINK_SECRET_WEAK = (
    f"{LINK_SECRET_VARIABLE} is too weak ({{length}} characters, {{found}}): anyone who guesses "
    f"it can accept blocks for a leader; use at least {LINK_SECRET_MIN_BYTES} random bytes, "
    'e.g. `python -c "import secrets; print(secrets.token_urlsafe(32))"`'
)
SECRET_KEYS_MISSING = (
    f"set {SECRET_KEYS_VARIABLE}: the workers and the web app need it to read the stored "
    'calendar authorisations; generate one with `python -c "from cryptography.fernet import '
    'Fernet; print(Fernet.generate_key().decode())"`'
)

Security = Literal["starttls", "ssl", "none"]
