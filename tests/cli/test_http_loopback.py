"""http:// webhooks on a loopback host: Azure refuses them, so the client does in Azure mode; against the emulator
the client lets them through and the emulator decides (refused unless it allows http loopback)."""

from __future__ import annotations

import pytest

from amlevents.receiver import Receiver, ReceiverApp, ReceiverOptions

SUB = "00000000-0000-0000-0000-000000000000"
AZURE = ("-w", "ws", "-g", "rg", "--subscription", SUB)  # Azure mode: refused before any sign-in or request
AZURE_URL_TEXT = "should be a proper HTTPS URL like https://www.example.com"


@pytest.fixture
def plain_handler():
    """A receiver over plain http on 127.0.0.1 that answers both handshakes; yields (url, deliveries)."""
    deliveries: list = []
    receiver = Receiver(ReceiverApp(ReceiverOptions(), deliveries.append)).start()
    yield receiver.url + "api/events", deliveries
    receiver.stop()


@pytest.fixture
def allowing(cli_emulator):
    """The session emulator as `emulator serve --allow-http-loopback` runs it."""
    cli_emulator.backend.allow_http_loopback = True
    yield cli_emulator
    cli_emulator.backend.allow_http_loopback = False


@pytest.mark.parametrize("url", ["http://127.0.0.1:7071/api/events", "http://localhost:7071/api",
                                 "http://[::1]:7071/api"])
def test_azure_mode_refuses_http_loopback_before_any_request(run, url):
    result = run("subscription", "create", "local-hook", "--endpoint", url, *AZURE)
    assert result.exit_code == 2
    assert "Event Grid delivers only over https" in result.stderr
    assert "--allow-http-loopback" in result.stderr  # the hint names the way to a local handler


def test_emulator_mode_still_refuses_http_to_other_hosts(run, cli_emulator, sent_requests):
    result = run("subscription", "create", "remote-hook", "--endpoint", "http://example.com/hook")
    assert result.exit_code == 2 and "only over https" in result.stderr
    assert sent_requests() == []


def test_emulator_refuses_http_loopback_unless_allowed(run, cli_emulator, sent_requests):
    result = run("subscription", "create", "local-hook", "--endpoint", "http://127.0.0.1:7071/api/events")
    assert result.exit_code == 2
    assert AZURE_URL_TEXT in result.stderr  # the emulator's (Azure's) message: the client let it through
    [put] = sent_requests("PUT")
    assert put["status"] == 400


def test_allowed_http_loopback_handler_is_created_and_gets_the_event(run, allowing, plain_handler):
    url, deliveries = plain_handler
    run.ok("subscription", "create", "local-hook", "--endpoint", url, "--event-type", "ModelRegistered")
    result = run.json("events", "publish", "ModelRegistered", "--set", "data.modelName=churn")
    [record] = result["deliveries"]
    assert (record["subscription"], record["outcome"]) == ("local-hook", "delivered")
    [notification] = [d for d in deliveries if d.kind == "notification"]
    assert notification.events[0].data["modelName"] == "churn"


def test_update_to_http_loopback_passes_the_client_on_the_emulator(run, allowing, plain_handler):
    url, deliveries = plain_handler
    run.ok("subscription", "create", "moving-hook", "--endpoint", url.replace("/api/events", "/old"))
    run.ok("subscription", "update", "moving-hook", "--endpoint", url)
    # the emulator validated the new endpoint too: the update reached it, not refused by the client
    assert [d.kind for d in deliveries] == ["validation", "validation"]


def test_local_mode_allows_http_loopback_with_the_environment_variable(run, monkeypatch, plain_handler):
    url, deliveries = plain_handler
    monkeypatch.setenv("AMLEVENTS_LOCAL_ALLOW_HTTP_LOOPBACK", "1")
    run.ok("--local", "subscription", "create", "local-plain", "--endpoint", url)
    run.ok("--local", "events", "publish", "ModelDeployed", "-o", "json")
    assert any(d.kind == "notification" for d in deliveries)


def test_local_mode_refuses_http_loopback_by_default(run, plain_handler):
    url, _ = plain_handler
    result = run("--local", "subscription", "create", "local-plain", "--endpoint", url)
    assert result.exit_code == 2 and AZURE_URL_TEXT in result.stderr


@pytest.mark.parametrize("url, allow, accepted", [
    ("http://127.0.0.1:7071/api", True, True),
    ("http://LOCALHOST:7071/api", True, True),
    ("http://[::1]:7071/api", True, True),
    ("http://127.0.0.1:7071/api", False, False),  # the default is Azure's rule
    ("http://example.com/api", True, False),  # only loopback
    ("http://127.0.0.2/api", True, False),
])
def test_parse_endpoint_lets_http_through_only_for_loopback_when_allowed(url, allow, accepted):
    from amlevents.core.errors import InvalidInputError
    from amlevents.core.subscription.destination import parse_endpoint

    if accepted:
        assert parse_endpoint("WebHook", url, allow_http_loopback=allow) == {"endpointUrl": url}
    else:
        with pytest.raises(InvalidInputError, match="only over https"):
            parse_endpoint("WebHook", url, allow_http_loopback=allow)


MANIFEST = """version: 1
workspaces:
  - name: local-workspace
    resourceGroup: amlevents-local
    subscriptions:
      - name: local-plain
        destination: {endpoint: 'http://127.0.0.1:7071/api/events'}
"""


def test_manifest_plan_on_the_emulator_accepts_http_loopback(run, cli_emulator, tmp_path):
    path = tmp_path / "manifest.yaml"
    path.write_text(MANIFEST)
    [step] = run.json("plan", "-f", str(path))
    assert (step["name"], step["action"]) == ("local-plain", "create")


def test_manifest_validate_keeps_azure_rule(run, tmp_path):
    path = tmp_path / "manifest.yaml"
    path.write_text(MANIFEST)
    result = run("manifest", "validate", "-f", str(path))
    assert result.exit_code == 2 and "only over https" in result.stderr
