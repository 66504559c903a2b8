"""`subscription create/update --check-endpoint`: the handshake sent from this machine before Azure is asked, over
real HTTP(S) to the receiver `listen` uses and to deliberately wrong test servers; each failure exits 1 with its fix
and sends nothing to Azure."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from amlevents.arm.endpoint_check import MAX_BODY, check_endpoint
from amlevents.cli.check_endpoint import EndpointCheckError
from amlevents.cli.wiring import listener_certificates
from amlevents.receiver import Receiver, ReceiverApp, ReceiverOptions

NAME = "checked"
SUB = "00000000-0000-0000-0000-000000000000"
AZURE = ("-w", "ws", "-g", "rg", "--subscription", SUB)  # Azure mode: the check fails before any sign-in


@pytest.fixture
def serve():
    """Factory: serve(app, tls=None) -> base URL of a running server; stopped after the test."""
    running = []

    def start(app, tls=None):
        running.append(Receiver(app, tls=tls).start())
        return running[-1].url

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def trusted_tls(cli_emulator):
    """(cert, key) signed by the emulator's CA, which --check-endpoint trusts for loopback in emulator mode."""
    _ca, cert, key = listener_certificates(Path(cli_emulator.ca_cert_path).parent)
    return cert, key


def receiver(serve, tls=None, **options):
    deliveries = []
    return serve(ReceiverApp(ReceiverOptions(**options), deliveries.append), tls), deliveries


def answering(status, body=b"", headers=()):
    """A WSGI app answering every request with ``status``, ``body`` and ``headers``."""
    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(f"{status} Test", [("Content-Length", str(len(body))), *headers])
        return [body]
    return app


def create(run, url, *args):
    return run("subscription", "create", NAME, "--endpoint", url, "--check-endpoint", *args)


@pytest.mark.parametrize(("schema", "kind"), [((), "validation"),
                                              (("--event-delivery-schema", "cloudeventschemav1_0"), "options")])
def test_a_correct_endpoint_passes_then_the_dry_run_prints(run, cli_emulator, serve, trusted_tls, schema, kind):
    url, deliveries = receiver(serve, trusted_tls)
    result = create(run, url, *schema, "--dry-run", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert '"method": "PUT"' in result.stdout
    assert "passed the validation handshake" in result.stderr and "its own network" in result.stderr
    assert [(d.kind, d.status) for d in deliveries] == [(kind, 200)]


def test_the_handshake_names_the_subscription_and_the_create_goes_on(run, cli_emulator, serve, trusted_tls,
                                                                     sent_requests):
    url, deliveries = receiver(serve, trusted_tls)
    assert create(run, url, "-o", "none").exit_code == 0
    assert deliveries[0].headers["aeg-subscription-name"] == NAME
    assert [r["method"] for r in sent_requests()] == ["PUT"]


FAILURES = {
    "wrong body": (answering(200, b"OK"), "answered 200 without the validation code: OK", '{"validationResponse"'),
    "202": (answering(202), "202 Accepted is not recognized", "HTTP 200"),
    "404": (answering(404), "answered 404", "check the URL's path"),
    "403": (answering(403), "answered 403", "firewall"),
    "redirect": (answering(307, headers=[("Location", "https://elsewhere.example/hook?sig=S3CRET")]),
                 "a redirect to https://elsewhere.example/hook?sig=REDACTED", "does not follow redirects"),
    "huge answer": (answering(200, b"x" * (MAX_BODY + 10)), f"more than {MAX_BODY} bytes", "HTTP 200"),
}


@pytest.mark.parametrize(("app", "problem", "hint"), FAILURES.values(), ids=FAILURES)
def test_a_wrong_answer_exits_1_with_the_fix(run, cli_emulator, serve, sent_requests, app, problem, hint):
    result = create(run, serve(app) + "?code=S3CRET")
    assert result.exit_code == EndpointCheckError.exit_code == 1
    assert "Error: the endpoint failed the validation handshake" in result.stderr
    assert problem in result.stderr and "Hint: " in result.stderr and hint.lower() in result.stderr.lower()
    assert "S3CRET" not in result.stderr + result.stdout
    assert sent_requests() == []  # nothing was asked of Azure


def test_a_refused_handshake_fails(run, cli_emulator, serve):
    url, _ = receiver(serve, fail_handshake=True)
    result = create(run, url, "--event-delivery-schema", "cloudeventschemav1_0")
    assert result.exit_code == 1
    assert "answered OPTIONS with 405" in result.stderr and "WebHook-Allowed-Origin" in result.stderr


def test_an_options_answer_without_the_allowed_origin_fails(run, cli_emulator, serve):
    result = create(run, serve(answering(200)), "--event-delivery-schema", "cloudeventschemav1_0")
    assert result.exit_code == 1
    assert "without WebHook-Allowed-Origin" in result.stderr


def test_a_self_signed_certificate_fails_as_azure_would(run, serve, tmp_path):
    _ca, cert, key = listener_certificates(tmp_path / "private-ca")
    url, _ = receiver(serve, (cert, key))
    result = create(run, url, *AZURE)
    assert result.exit_code == 1
    assert "TLS certificate is not trusted" in result.stderr and "Azure refuses self-signed" in result.stderr


def test_nothing_listening_fails_with_connection_refused(run):
    import socket

    with socket.socket() as probe:  # a port nothing listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        result = create(run, f"https://127.0.0.1:{probe.getsockname()[1]}/api", *AZURE)
    assert result.exit_code == 1
    assert "connection refused" in result.stderr and "Start the handler" in result.stderr


def test_plain_http_on_a_tls_port_is_a_tls_failure(run, serve):
    result = create(run, serve(answering(200)).replace("http://", "https://"), *AZURE)
    assert result.exit_code == 1 and "TLS handshake with the endpoint failed" in result.stderr


def test_a_handler_that_hangs_is_bounded_by_the_timeout(serve):
    release = threading.Event()

    def hang(environ, start_response):
        release.wait(30)
        return answering(200)(environ, start_response)

    url = serve(hang)
    try:
        outcome = check_endpoint(url, timeout=0.3)
    finally:
        release.set()
    assert not outcome.ok and outcome.problem == "the endpoint did not answer within 0.3 s"
    assert "Event Grid waits 30 s" in outcome.hint


@pytest.mark.parametrize(("args", "message"), [
    ((), "--check-endpoint checks the URL given with --endpoint"),
    (("--endpoint-type", "eventhub", "--endpoint", "/subscriptions/x/eh"), "checks webhook URLs only"),
])
def test_update_needs_a_webhook_endpoint(run, args, message):
    result = run("subscription", "update", NAME, "--check-endpoint", *args, *AZURE)
    assert result.exit_code == 2 and message in result.stderr


def test_update_sends_the_handshake_of_the_subscriptions_schema(run, cli_emulator, serve, trusted_tls):
    run.ok("subscription", "create", NAME, "--endpoint", "https://example.com/hook",
           "--event-delivery-schema", "cloudeventschemav1_0", "-o", "none")
    url, deliveries = receiver(serve, trusted_tls)
    result = run("subscription", "update", NAME, "--endpoint", url, "--check-endpoint", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert [d.kind for d in deliveries] == ["options"]
