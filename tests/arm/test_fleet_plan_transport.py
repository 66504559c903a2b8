"""Per-request work the transport does once per host (arm/transport.py), and the raw hidden-value reads
(arm/subscriptions.py ``post_json``): what a fleet's 5,000 getFullUrl reads cost (issue 15)."""

from __future__ import annotations

import pytest
import requests

from amlevents.arm.concurrency import concurrently
from amlevents.arm.session import Session
from amlevents.arm.subscriptions import Found, WorkspaceSubscriptions
from amlevents.cli.wiring import DEFAULT_EMULATOR_WORKSPACE
from amlevents.core.errors import AccessDeniedError, NotFoundError
from amlevents.emulator import EmulatorCredential


def _session(emulator, principal: str = "owner") -> Session:
    return Session(emulator.url, emulator.ca_cert_path,
                   lambda: EmulatorCredential(principal, emulator.principals, emulator.tenant_id))


def _lists(session, emulator, times: int) -> list:
    api = WorkspaceSubscriptions(session, DEFAULT_EMULATOR_WORKSPACE)
    return concurrently([api.list for _ in range(times)], workers=4)


def _counting(monkeypatch, modules: tuple, name: str) -> list:
    """The calls of ``name`` through any of ``modules`` (requests imports its helpers by name)."""
    calls: list = []
    for module in modules:
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _original=original, **k: calls.append(a) or _original(*a, **k))
    return calls


@pytest.mark.parametrize("name", ["get_environ_proxies", "get_netrc_auth"])
def test_the_environment_is_read_once_per_host_not_per_request(emulator, monkeypatch, name):
    import requests.sessions
    import requests.utils

    calls = _counting(monkeypatch, (requests.sessions, requests.utils), name)
    session = _session(emulator)
    try:
        assert _lists(session, emulator, 6) == [[]] * 6
    finally:
        session.close()
    assert len(calls) == 1


@pytest.mark.parametrize(("no_proxy", "reaches"), [("", False), ("127.0.0.1", True)])
def test_a_proxy_in_the_environment_still_applies(emulator, monkeypatch, no_proxy, reaches):
    from amlevents.core.errors import ServiceError

    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", no_proxy)
    session = _session(emulator)
    try:
        if reaches:
            assert _lists(session, emulator, 2) == [[]] * 2
        else:
            with pytest.raises(ServiceError, match="Unable to connect to proxy"):
                WorkspaceSubscriptions(session, DEFAULT_EMULATOR_WORKSPACE).list()
    finally:
        session.close()


def test_explicit_proxies_are_merged_by_requests_every_time():
    from amlevents.arm.transport import EnvironmentOnceSession

    session = EnvironmentOnceSession()
    url = "https://management.azure.com/subscriptions"
    first = session.merge_environment_settings(url, {"https": "http://proxy-a:1"}, None, True, None)
    second = session.merge_environment_settings(url, {"https": "http://proxy-b:1"}, None, True, None)
    assert (first["proxies"]["https"], second["proxies"]["https"]) == ("http://proxy-a:1", "http://proxy-b:1")


@pytest.fixture
def hook(cli_emulator, run):
    run.ok("subscription", "create", "-n", "hook", "--endpoint", "https://example.com/h?code=abc")
    cli_emulator.app.clear_requests()
    return Found({"name": "hook"}, None)


def test_the_full_url_is_read_as_the_service_sent_it(emulator, hook):
    session = _session(emulator)
    try:
        assert WorkspaceSubscriptions(session, DEFAULT_EMULATOR_WORKSPACE).full_url(hook) == \
            "https://example.com/h?code=abc"
    finally:
        session.close()
    assert [r["path"].rsplit("/", 2)[-2:] for r in emulator.app.requests() if r["method"] == "POST"] == [
        ["hook", "getFullUrl"]]


@pytest.mark.parametrize(("principal", "name", "error"), [
    ("owner", "missing", NotFoundError),
    ("reader", "hook", AccessDeniedError),
])
def test_a_refused_full_url_read_raises_what_the_sdk_raised(emulator, hook, principal, name, error):
    session = _session(emulator, principal)
    try:
        with pytest.raises(error, match="read the full endpoint URL of"):
            WorkspaceSubscriptions(session, DEFAULT_EMULATOR_WORKSPACE).full_url(Found({"name": name}, None))
    finally:
        session.close()


def test_a_session_with_user_info_in_the_url_keeps_requests_own_rules():
    from amlevents.arm.transport import EnvironmentOnceSession

    prepared = EnvironmentOnceSession().prepare_request(requests.Request("GET", "https://u:p@example.com/x"))
    assert prepared.headers["Authorization"].startswith("Basic ")
