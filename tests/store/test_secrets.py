"""Connection tokens at rest: encrypted, rotatable, and a clear stop when the keys do not fit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from assistant.settings import Settings
from assistant.store import repositories as repo
from assistant.store.crypto import SecretBox, SecretKeyError, check_keys, rotate
from assistant.store.models import AuditEntry, Connection, Leader

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
TOKENS = {
    "google": b'{"refresh_token": "1//0gSECRET-google-refresh", "scope": "calendar"}',
    "microsoft": b'{"refresh_token": "M.R3_SECRET-graph-refresh"}',
    "ics": b"https://calendar.example.org/private-SECRET-feed/basic.ics",
}


def raw_tokens(session: Session) -> dict[int, bytes]:
    """The ciphertext column as the database holds it, read with plain SQL."""
    rows = session.execute(
        text("SELECT id, token_ciphertext FROM connections WHERE token_ciphertext IS NOT NULL")
    )
    return {row[0]: bytes(row[1]) for row in rows}


@pytest.fixture
def leader(session: Session) -> Leader:
    return repo.upsert_leader(session, "sanne.devries@example.org")


@pytest.fixture
def stored(session: Session, leader: Leader) -> dict[int, bytes]:
    """Three connections with tokens under OLD_KEY and one without a token, committed."""
    box = SecretBox([OLD_KEY])
    plaintext_by_id = {}
    for provider, token in TOKENS.items():
        connection = repo.upsert_connection(session, leader, provider, f"{provider}-account")
        repo.save_connection_token(session, connection, token, box)
        plaintext_by_id[connection.id] = token
    repo.upsert_connection(session, leader, "ics", "public-holidays")
    session.commit()
    return plaintext_by_id


def test_no_plaintext_token_reaches_the_database(
    session: Session, stored: dict[int, bytes]
) -> None:
    raw = raw_tokens(session)

    assert set(raw) == set(stored)
    for connection_id, ciphertext in raw.items():
        plaintext = stored[connection_id]
        assert plaintext not in ciphertext
        assert b"SECRET" not in ciphertext
        assert SecretBox([OLD_KEY]).decrypt(ciphertext) == plaintext


def test_a_saved_token_loads_back(session: Session, stored: dict[int, bytes]) -> None:
    box = SecretBox([OLD_KEY])
    for connection in session.scalars(select(Connection).order_by(Connection.id)):
        assert repo.load_connection_token(connection, box) == stored.get(connection.id)


def test_rotation_reencrypts_every_token_with_the_new_key(
    session: Session, stored: dict[int, bytes]
) -> None:
    before = raw_tokens(session)
    now = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)

    count = rotate(session, SecretBox([NEW_KEY, OLD_KEY]), now=now)
    session.commit()

    assert count == 3
    after = raw_tokens(session)
    new_only = SecretBox([NEW_KEY])  # the old key is gone from the list
    check_keys(session, new_only)
    for connection_id, plaintext in stored.items():
        assert after[connection_id] != before[connection_id]
        assert new_only.decrypt(after[connection_id]) == plaintext
    audit = session.scalars(select(AuditEntry)).one()
    assert (audit.action, audit.detail, audit.at) == ("secrets.rotate", {"tokens": 3}, now)


def test_rotation_with_a_key_list_that_cannot_read_a_token_changes_nothing(
    session: Session, stored: dict[int, bytes]
) -> None:
    before = raw_tokens(session)

    with pytest.raises(SecretKeyError, match="nothing was rotated"):
        rotate(session, SecretBox([NEW_KEY]))
    session.rollback()

    assert raw_tokens(session) == before


def test_without_keys_the_start_up_check_names_the_variable_and_the_count(
    session: Session, stored: dict[int, bytes]
) -> None:
    no_keys = SecretBox.from_settings(Settings.from_environ({}))

    with pytest.raises(SecretKeyError) as caught:
        check_keys(session, no_keys)

    assert str(caught.value) == (
        "AGENDA_REGIE_SECRET_KEYS is not set, but the database holds 3 encrypted connection tokens"
    )


def test_with_the_wrong_key_the_start_up_check_asks_whether_a_key_was_removed(
    session: Session, stored: dict[int, bytes]
) -> None:
    wrong = SecretBox.from_settings(
        Settings.from_environ({"AGENDA_REGIE_SECRET_KEYS": f"{NEW_KEY}, {OTHER_KEY}"})
    )

    with pytest.raises(SecretKeyError) as caught:
        check_keys(session, wrong)

    assert str(caught.value) == (
        "none of the keys in AGENDA_REGIE_SECRET_KEYS can decrypt the stored connection "
        "tokens; was a key removed?"
    )
    assert NEW_KEY not in str(caught.value)


def test_when_only_some_tokens_are_readable_the_check_names_the_connections(
    session: Session, leader: Leader, stored: dict[int, bytes]
) -> None:
    late = repo.upsert_connection(session, leader, "google", "second-account")
    repo.save_connection_token(session, late, b"token under the new key", SecretBox([NEW_KEY]))
    session.commit()

    with pytest.raises(SecretKeyError, match=rf"cannot decrypt 1 of the 4 .*connections {late.id}"):
        check_keys(session, SecretBox([OLD_KEY]))
    check_keys(session, SecretBox([NEW_KEY, OLD_KEY]))


def test_the_start_up_check_passes_when_nothing_is_encrypted_yet(session: Session) -> None:
    check_keys(session, SecretBox([]))


def test_without_keys_a_token_cannot_be_saved(session: Session, leader: Leader) -> None:
    connection = repo.upsert_connection(session, leader, "google", "account")
    with pytest.raises(SecretKeyError, match="AGENDA_REGIE_SECRET_KEYS is not set"):
        repo.save_connection_token(session, connection, b"token", SecretBox([]))


def test_the_first_key_encrypts_and_any_key_decrypts() -> None:
    under_old = SecretBox([OLD_KEY]).encrypt(b"token")
    both = SecretBox([NEW_KEY, OLD_KEY])

    assert both.decrypt(under_old) == b"token"
    assert SecretBox([NEW_KEY]).decrypt(both.encrypt(b"token")) == b"token"
    assert not SecretBox([OLD_KEY]).can_decrypt(both.encrypt(b"token"))
    assert OLD_KEY not in repr(both)


def test_secret_keys_are_read_newest_first_from_the_environment() -> None:
    settings = Settings.from_environ({"AGENDA_REGIE_SECRET_KEYS": f" {NEW_KEY} ,{OLD_KEY},"})
    assert settings.secret_keys == (NEW_KEY, OLD_KEY)
    assert NEW_KEY not in repr(settings)
