"""What both sign-in providers do alike: a good sign-in names the person; every way a sign-in
can be wrong, forged or refused ends in one SignInError that says what failed and names no
token."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.identity.base import SignInError, VerifiedIdentity
from tests.connectors.identity.conftest import Setup
from tests.fakes.oidc_server import CLIENT_ID, other_key


def refusal(setup: Setup, params: dict[str, str] | None = None) -> SignInError:
    """The error of a sign-in whose answer is `params` (by default what the browser brings)."""
    start = setup.begin()
    answer = setup.browse(start) if params is None else params
    with pytest.raises(SignInError) as caught:
        setup.provider.complete(start.pending, answer)
    names_no_secret(caught.value, answer)
    return caught.value


def names_no_secret(error: SignInError, answer: dict[str, str]) -> None:
    """The message is one line and repeats no code, token or state."""
    text = str(error)
    assert "\n" not in text
    assert "eyJ" not in text  # the start of every JWT (ID tokens)
    for secret in (answer.get("code"), answer.get("state"), "access-", "refresh-"):
        if secret:
            assert secret not in text


def test_a_good_sign_in_names_the_person(either: Setup) -> None:
    start = either.begin()
    query = parse_qs(urlsplit(start.url).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [either.redirect_uri]
    assert query["nonce"]
    assert query["state"]
    assert "openid" in query["scope"][0]

    identity = either.provider.complete(start.pending, either.browse(start))

    assert isinstance(identity, VerifiedIdentity)
    assert identity.provider == either.provider.name
    assert identity.issuer == either.server.issuer
    assert identity.email == "anna.assistent@example.org"  # lower-cased
    expected_subject = either.server.person["oid" if identity.provider == "entra" else "sub"]
    assert identity.subject == expected_subject
    # The code was redeemed with the PKCE verifier that fits the challenge (the server checks).
    assert either.server.token_requests[-1]["code_verifier"]


def test_the_pending_state_survives_a_round_trip_through_json(either: Setup) -> None:
    """The console keeps `pending` in its server-side session store, as JSON."""
    import json

    start = either.begin()
    pending = json.loads(json.dumps(dict(start.pending)))
    identity = either.provider.complete(pending, either.browse(start))
    assert identity.email == "anna.assistent@example.org"


def test_an_answer_for_another_sign_in_is_refused(either: Setup) -> None:
    start = either.begin()
    answer = either.browse(start)
    error = refusal(either, answer)  # a fresh sign-in's pending, the first one's answer
    assert "state" in str(error)
    assert either.server.token_requests == []  # the code was never redeemed
    assert start.pending  # the first sign-in is untouched


def test_a_wrong_state_is_refused(either: Setup) -> None:
    start = either.begin()
    answer = either.browse(start) | {"state": "forged-state"}
    with pytest.raises(SignInError, match="state"):
        either.provider.complete(start.pending, answer)
    assert either.server.token_requests == []


def test_a_code_works_once(either: Setup) -> None:
    start = either.begin()
    answer = either.browse(start)
    either.provider.complete(start.pending, answer)
    with pytest.raises(SignInError, match="used already") as caught:
        either.provider.complete(start.pending, answer)
    names_no_secret(caught.value, answer)


def test_an_id_token_for_another_sign_in_is_refused(either: Setup) -> None:
    either.server.changes["nonce"] = "someone-elses-nonce"
    assert "nonce" in str(refusal(either))


def test_an_id_token_without_nonce_is_refused(either: Setup) -> None:
    either.server.changes["nonce"] = None
    assert "nonce" in str(refusal(either))


def test_an_id_token_for_another_application_is_refused(either: Setup) -> None:
    either.server.changes["aud"] = "another-app"
    either.server.changes["azp"] = "another-app"
    assert "another application (aud)" in str(refusal(either))


def test_an_expired_id_token_is_refused(either: Setup) -> None:
    hour_ago = int(time.time()) - 3600
    either.server.changes.update(iat=hour_ago - 3600, nbf=hour_ago - 3600, exp=hour_ago)
    assert "expired" in str(refusal(either))


def test_an_id_token_from_another_issuer_is_refused(either: Setup) -> None:
    either.server.changes["iss"] = "https://impostor.example.net"
    assert "another issuer" in str(refusal(either))


def test_a_changed_id_token_is_refused(either: Setup) -> None:
    either.server.tamper_signature = True
    assert "signature does not match" in str(refusal(either))


def test_an_id_token_signed_by_an_unknown_key_is_refused(either: Setup) -> None:
    either.server.foreign_key = other_key()
    error = refusal(either)
    assert "signature does not match" in str(error)


def test_an_unsigned_id_token_is_refused(either: Setup) -> None:
    """`alg: none` (a token anyone can write) is never accepted."""
    header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    start = either.begin()
    answer = either.browse(start)
    real = either.server.id_token

    def unsigned(nonce: str | None, access_token: str) -> str:
        return header + "." + real(nonce, access_token).split(".")[1] + "."

    either.server.id_token = unsigned  # type: ignore[method-assign]
    with pytest.raises(SignInError, match="not a token signed with RS256"):
        either.provider.complete(start.pending, answer)


def test_a_refusal_at_the_provider_is_said(either: Setup) -> None:
    either.server.denies = True
    error = refusal(either)
    assert "cancelled or refused" in str(error)
    assert "access_denied" in str(error)
    assert either.server.token_requests == []


def test_an_unreachable_provider_is_said_when_the_answer_comes_back(either: Setup) -> None:
    start = either.begin()
    answer = either.browse(start)
    either.server.stop()
    with pytest.raises(SignInError, match="unreachable") as caught:
        either.provider.complete(start.pending, answer)
    names_no_secret(caught.value, answer)


def test_a_sign_in_without_pending_state_is_refused(either: Setup) -> None:
    start = either.begin()
    answer = either.browse(start)
    with pytest.raises(SignInError, match="no sign-in was started here"):
        either.provider.complete({}, answer)


@pytest.mark.parametrize("garbage", ["no-token-at-all", "a.b.c", "eyJ9.eyJ9.AAAA"])
def test_an_id_token_that_is_no_token_is_refused(either: Setup, garbage: str) -> None:
    start = either.begin()
    answer = either.browse(start)
    either.server.id_token = lambda nonce, access_token: garbage  # type: ignore[method-assign]
    with pytest.raises(SignInError) as caught:
        either.provider.complete(start.pending, answer)
    names_no_secret(caught.value, answer)
    assert garbage not in str(caught.value)
