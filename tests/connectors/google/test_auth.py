"""Scopes, delegated credentials, stored credentials and the `connect google` command line."""

from __future__ import annotations

import argparse
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2.credentials import Credentials

from assistant.cli.google import add_google_commands, connect_command
from connectors.google.auth import (
    SCOPE_OWNED,
    SCOPE_READ,
    GoogleAuthError,
    client_config_from_json,
    credentials_from_json,
    credentials_to_json,
    delegated_credentials,
    scopes,
)


def test_write_scope_only_with_write_back() -> None:
    assert scopes(write_back=False) == [SCOPE_READ]
    assert scopes(write_back=True) == [SCOPE_READ, SCOPE_OWNED]
    assert all("calendar.events" in s for s in scopes(write_back=True))


def test_a_service_account_acts_as_the_leader_with_least_scopes() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "client_email": "agenda@project.iam.gserviceaccount.com",
        "private_key": pem,
        "private_key_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }

    credentials = delegated_credentials(info, "leader@example.org", write_back=False)

    assert credentials._subject == "leader@example.org"
    assert credentials.scopes == [SCOPE_READ]


def test_a_broken_service_account_key_is_a_clear_error() -> None:
    with pytest.raises(GoogleAuthError, match="not usable"):
        delegated_credentials({"type": "service_account"}, "l@example.org", write_back=False)


def test_stored_credentials_round_trip_with_their_token_endpoint() -> None:
    original = Credentials(
        token="t",
        refresh_token="r",
        token_uri="http://127.0.0.1:9/token",
        client_id="c",
        client_secret="s",
    )

    again = credentials_from_json(credentials_to_json(original))

    assert (again.token, again.refresh_token, again.token_uri) == ("t", "r", original.token_uri)
    with pytest.raises(GoogleAuthError, match="not readable"):
        credentials_from_json(b"{}")


def test_a_client_file_must_be_an_oauth_client() -> None:
    fields = {"client_id": "x", "client_secret": "y", "auth_uri": "a", "token_uri": "t"}
    config = {"installed": fields}
    assert client_config_from_json(json.dumps(config), "client.json") == config
    with pytest.raises(GoogleAuthError, match="not an OAuth client file"):
        client_config_from_json('{"web_nope": {}}', "client.json")
    with pytest.raises(GoogleAuthError, match=r'client\.json: "web" lacks auth_uri, token_uri'):
        client_config_from_json('{"web": {"client_id": "x", "client_secret": "y"}}', "client.json")


def test_connect_google_needs_exactly_one_way_to_sign_in() -> None:
    parser = argparse.ArgumentParser()
    add_google_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["connect", "google", "--leader", "l@example.org", "--write-back"])

    assert (args.command, args.connect_provider, args.write_back) == ("connect", "google", True)
    with pytest.raises(GoogleAuthError, match="either --client-file or --service-account"):
        connect_command(args)


def test_a_stored_delegation_gives_delegated_credentials_and_a_broken_one_a_clear_error() -> None:
    from connectors.google.auth import Delegation, authorisation_to_json, stored_authorisation

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    info = {
        "type": "service_account",
        "client_email": "agenda@project.iam.gserviceaccount.com",
        "client_id": "1048576",
        "private_key": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "token_uri": "http://127.0.0.1:9/token",
    }

    stored = stored_authorisation(
        authorisation_to_json(Delegation(key=info, subject="l@example.org", write_back=True))
    )

    assert stored.delegation is not None
    assert stored.delegation.client_id == "1048576"
    assert stored.credentials._subject == "l@example.org"  # type: ignore[union-attr]
    assert stored.credentials.scopes == [SCOPE_READ, SCOPE_OWNED]
    assert stored.changed_token(b"anything") is None  # a service account token is not kept
    broken = json.dumps({"kind": "agenda-regie/service-account-delegation", "key": {}})
    with pytest.raises(GoogleAuthError, match="service account"):
        stored_authorisation(broken.encode())
