"""The Microsoft settings: the app registration and the cloud (global, or a national cloud) read
from the environment, checked at start-up with every problem named at once, and what the shells
build from them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant import settings as settings_module
from assistant.accounts.graph_access import graph_access_from_settings, registration_from_settings
from assistant.settings import Settings, SettingsError
from connectors.microsoft.auth import (
    LOGIN_HOST,
    MicrosoftAuthError,
    application_scopes,
    delegated_scopes,
    graph_resource,
)
from connectors.microsoft.graph import GRAPH_URL
from connectors.microsoft.throttle import MailboxLimiter

AUTHORITY = "AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST"
GRAPH = "AGENDA_REGIE_MICROSOFT_GRAPH_URL"
APP = {"AGENDA_REGIE_MICROSOFT_CLIENT_ID": "client-1", "AGENDA_REGIE_MICROSOFT_TENANT": "contoso"}


def test_without_cloud_settings_the_global_service_is_used() -> None:
    settings = Settings.from_environ(APP)
    registration = registration_from_settings(settings)

    assert registration.authority == "https://login.microsoftonline.com/contoso"
    assert settings.microsoft_graph_url == "https://graph.microsoft.com/v1.0"
    # The settings repeat the connector's defaults (they must not import it): kept equal.
    assert (settings.microsoft_authority_host, settings.microsoft_graph_url) == (
        LOGIN_HOST,
        GRAPH_URL,
    )
    assert delegated_scopes(
        write_back=False, resource=graph_resource(settings.microsoft_graph_url)
    ) == ["https://graph.microsoft.com/Calendars.Read"]


US = "https://login.microsoftonline.us"
CHINA = "https://login.chinacloudapi.cn"


@pytest.mark.parametrize(
    ("authority_host", "graph_url", "resource"),
    [
        # Microsoft 365 GCC High, and DoD (plain GCC keeps the global endpoints).
        (US + "/", "https://graph.microsoft.us/v1.0/", "graph.microsoft.us"),
        (US, "https://dod-graph.microsoft.us/v1.0", "dod-graph.microsoft.us"),
        # Microsoft 365 operated by 21Vianet.
        (CHINA, "https://microsoftgraph.chinacloudapi.cn/v1.0", "microsoftgraph.chinacloudapi.cn"),
    ],
    ids=["gcc-high", "dod", "21vianet"],
)
def test_a_national_cloud_signs_in_there_and_asks_tokens_for_its_own_graph(
    authority_host: str, graph_url: str, resource: str
) -> None:
    settings = Settings.from_environ({**APP, AUTHORITY: authority_host, GRAPH: graph_url})
    registration = registration_from_settings(settings)

    assert registration.authority == f"{authority_host.rstrip('/')}/contoso"
    assert settings.microsoft_graph_url == graph_url.rstrip("/")
    assert registration.instance_discovery is None  # msal knows these hosts itself
    scope_resource = graph_resource(settings.microsoft_graph_url)
    assert application_scopes(scope_resource) == (f"https://{resource}/.default",)
    assert delegated_scopes(write_back=True, shared=True, resource=scope_resource) == [
        f"https://{resource}/Calendars.ReadWrite.Shared"
    ]


def test_an_authority_msal_does_not_know_skips_instance_discovery() -> None:
    settings = Settings.from_environ({**APP, AUTHORITY: "https://login.azurestack.example"})

    assert registration_from_settings(settings).instance_discovery is False


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (AUTHORITY, "http://login.microsoftonline.us", "must start with https://"),
        (AUTHORITY, "http://127.0.0.1:8443", "must start with https://"),  # msal, even locally
        (AUTHORITY, "https://login.microsoftonline.us/contoso", "AGENDA_REGIE_MICROSOFT_TENANT"),
        (AUTHORITY, "login.microsoftonline.us", "is not an http(s) URL"),
        (AUTHORITY, "https://login.microsoftonline.us:port", "is not a URL"),
        (GRAPH, "http://graph.microsoft.us/v1.0", "plain http only for a server on this machine"),
        (GRAPH, "https://graph.microsoft.us", "must end in the API version /v1.0"),
        (GRAPH, "https://graph.microsoft.us/beta", "must end in the API version /v1.0"),
        (GRAPH, "https://graph.microsoft.us/v1.0?x=1", "must not have a query"),
        (GRAPH, "https://user:pw@graph.microsoft.us/v1.0", "must not hold a user name"),
    ],
)
def test_an_unusable_cloud_address_is_named_with_its_variable(
    variable: str, value: str, said: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ({**APP, variable: value})

    [problem] = raised.value.problems
    assert problem.startswith(f"{variable} ")
    assert said in problem
    assert "pw" not in problem


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ(
            {
                AUTHORITY: "http://login.microsoftonline.us",
                GRAPH: "graph.microsoft.us",
                "AGENDA_REGIE_MICROSOFT_CLIENT_SECRET": "s3cret",
            }
        )

    problems = raised.value.problems
    assert len(problems) == 3
    assert {AUTHORITY, GRAPH, "AGENDA_REGIE_MICROSOFT_CLIENT_ID"} <= {
        word for problem in problems for word in problem.split()
    }
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize(
    "graph_url",
    ["http://127.0.0.1:8080/v1.0", "http://localhost:8080/v1.0", "http://[::1]:80/v1.0"],
)
def test_plain_http_is_accepted_for_a_graph_on_this_machine(graph_url: str) -> None:
    assert Settings.from_environ({GRAPH: graph_url}).microsoft_graph_url == graph_url


def test_the_shells_build_graph_access_from_the_settings() -> None:
    settings = Settings.from_environ(
        {
            **APP,
            "AGENDA_REGIE_MICROSOFT_CLIENT_SECRET": "s3cret",
            AUTHORITY: "https://login.microsoftonline.us",
            GRAPH: "https://graph.microsoft.us/v1.0",
        }
    )
    limiter = MailboxLimiter(2)
    access = graph_access_from_settings(settings, limiter=limiter)
    try:
        assert access.registration.authority == "https://login.microsoftonline.us/contoso"
        assert access.registration.client_secret == "s3cret"
        assert access.graph_url == "https://graph.microsoft.us/v1.0"
        assert access.limiter is limiter
        # A Graph that stops answering fails the call instead of hanging a worker forever.
        timeout = access.http.timeout
        assert (timeout.connect or 0) > 0
        assert (timeout.connect or 99) <= 10
        assert (timeout.read or 99) <= 60
        assert not access.http.follow_redirects  # a bearer token is never carried elsewhere
    finally:
        access.http.close()


def test_graph_access_without_an_app_registration_says_which_variable_to_set() -> None:
    with pytest.raises(MicrosoftAuthError, match="AGENDA_REGIE_MICROSOFT_CLIENT_ID"):
        graph_access_from_settings(Settings.from_environ({}))


def test_reading_the_settings_loads_no_sdk_database_or_crypto() -> None:
    probe = (
        "import sys, assistant.settings as s; s.Settings.from_environ({}); "
        "print(sorted(m for m in ('msal', 'sqlalchemy', 'cryptography', 'httpx', "
        "'assistant.core.analysis') if m in sys.modules))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )

    assert shown.stdout.strip() == "[]"


def test_the_microsoft_guide_documents_every_microsoft_setting_and_its_default() -> None:
    guide = (Path(__file__).resolve().parents[3] / "docs" / "microsoft.md").read_text("utf-8")
    table = guide[guide.index("## Settings") :]
    variables = [
        value
        for name, value in vars(settings_module).items()
        if name.startswith("MICROSOFT_") and name.endswith("_VARIABLE")
    ]
    defaults = Settings.from_environ({})

    assert len(variables) == 5
    for variable in variables:
        assert f"| `{variable}` |" in table, variable
    for default in (defaults.microsoft_authority_host, defaults.microsoft_graph_url):
        assert f"`{default}`" in table, default
