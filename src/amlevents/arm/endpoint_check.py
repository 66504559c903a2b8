"""``--check-endpoint``: the validation handshake sent to a webhook from this machine, judged as Event Grid would.

Event Grid schema: a POST of a one-element ``SubscriptionValidationEvent`` array with ``aeg-event-type:
SubscriptionValidation``; it passes on a 200 echoing ``{"validationResponse": code}``. CloudEvents 1.0: an
``OPTIONS`` with ``WebHook-Request-Origin: eventgrid.azure.net``; it passes on a 2xx carrying
``WebHook-Allowed-Origin`` (reference/webhooks.md §1-2). The rules are ``core.delivery.handshake``'s; this module
only does the HTTP, through azure-core's pipeline (the project's client) with no retry and no redirect policy, the
service's 30 s timeout, and at most ``MAX_BODY`` bytes of the answer read. It never sends a real event.

A failure is returned, not raised (``EndpointCheck.ok`` false, with ``problem`` and ``hint``): the caller decides.
Every URL and answer it reports is redacted (``core.redact``): a webhook's query string often holds its key.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from amlevents.core.delivery import handshake
from amlevents.core.redact import redact_text, redact_url

MAX_BODY = 64 * 1024  # bytes of an answer read; a validation answer is a few dozen
SHOWN = 200  # characters of a wrong answer quoted back
CHECK_TOPIC = "/subscriptions/00000000-0000-0000-0000-000000000000"  # the handshake's topic: not a workspace's
ANSWER_HINT = ('answer the SubscriptionValidationEvent (header aeg-event-type: SubscriptionValidation) with HTTP '
               '200 and the body {"validationResponse": "<data.validationCode>"}, or GET data.validationUrl within '
               "10 minutes (manual validation)")
OPTIONS_HINT = (f"answer the OPTIONS request with a 2xx and the header {handshake.ALLOWED_ORIGIN_HEADER}: "
                f"{handshake.EVENTGRID_ORIGIN} (or *), echoing {handshake.ORIGIN_HEADER}")


@dataclass(frozen=True)
class EndpointCheck:
    """How an endpoint answered the handshake. ``url`` and ``answered`` are redacted."""

    ok: bool
    url: str
    method: str
    schema: str  # "EventGridSchema" or "CloudEventSchemaV1_0"
    status: int | None = None
    problem: str | None = None
    hint: str | None = None
    answered: str | None = None


def check_endpoint(url: str, *, cloudevents: bool = False, subscription_name: str = "check-endpoint",
                   verify: bool | str = True, timeout: float = handshake.VALIDATION_TIMEOUT_SECONDS,
                   now: datetime | None = None) -> EndpointCheck:
    """Send ``url`` the handshake Event Grid sends on create (``cloudevents``: the OPTIONS one) and judge the answer.

    ``verify``: True (the public CAs, as Azure), or a CA bundle path (the emulator's, which trusts its own CA).
    """
    from azure.core.rest import HttpRequest

    shown = redact_url(url)
    base = EndpointCheck(ok=False, url=shown, method="OPTIONS" if cloudevents else "POST",
                         schema="CloudEventSchemaV1_0" if cloudevents else "EventGridSchema")
    code = str(uuid.uuid4())
    if cloudevents:
        request = HttpRequest("OPTIONS", url, headers=handshake.options_request_headers())
    else:
        event = handshake.validation_event(code=code, url=None, topic=CHECK_TOPIC, now=now or datetime.now(timezone.utc))
        request = HttpRequest("POST", url, headers=handshake.validation_headers(subscription_name), json=[event])
    client = _client(verify)
    try:
        with client:
            response = client.send_request(request, stream=True, connection_timeout=timeout, read_timeout=timeout)
            try:
                status, headers, body = response.status_code, dict(response.headers), _read(response)
            finally:
                response.close()
    except Exception as exc:  # noqa: BLE001 - every transport failure becomes a reported outcome
        problem, hint = _transport_failure(exc, shown, timeout)
        return _with(base, problem=problem, hint=hint)
    return _judge(base, status, headers, body, code, cloudevents)


def _client(verify: bool | str) -> Any:
    """azure-core's pipeline with no retry and no redirect policy: one attempt, a 3xx is an answer."""
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import HeadersPolicy
    from azure.core.pipeline.transport import RequestsTransport

    transport = RequestsTransport(connection_verify=verify)
    return PipelineClient(base_url="", policies=[HeadersPolicy({"User-Agent": "amlevents-check-endpoint"})],
                          transport=transport)


def _read(response: Any) -> bytes | None:
    """At most ``MAX_BODY`` bytes of the body; None when it is longer."""
    body = b""
    for chunk in response.iter_raw():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return body


def _with(base: EndpointCheck, **changes: Any) -> EndpointCheck:
    from dataclasses import replace

    return replace(base, **changes)


def _quote(body: bytes | None) -> str:
    if body is None:
        return f"(more than {MAX_BODY} bytes)"
    text = body.decode("utf-8", "replace").strip() or "(an empty body)"
    text = redact_text(text)
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


def _judge(base: EndpointCheck, status: int, headers: dict[str, str], body: bytes | None, code: str,
           cloudevents: bool) -> EndpointCheck:
    """The outcome for an HTTP answer (the rules are ``core.delivery.handshake``'s)."""
    base = _with(base, status=status)
    if 300 <= status < 400:
        location = next((v for k, v in headers.items() if k.lower() == "location"), "")
        return _with(base, problem=f"the endpoint answered {status}, a redirect to {redact_url(location) or '?'}",
                     hint="Event Grid does not follow redirects: give the final URL as --endpoint")
    if cloudevents:
        if handshake.options_consent(status, headers):
            return _with(base, ok=True)
        if 200 <= status < 300:
            return _with(base, problem=f"the endpoint answered OPTIONS {status} without {handshake.ALLOWED_ORIGIN_HEADER}"
                         f" {handshake.EVENTGRID_ORIGIN} or *", hint=OPTIONS_HINT)
        return _with(base, problem=f"the endpoint answered OPTIONS with {status}", hint=_status_hint(status, OPTIONS_HINT),
                     answered=_quote(body))
    if body is not None and handshake.read_validation_response(body, status) == code:
        return _with(base, ok=True)
    if status == 200:
        return _with(base, problem="the endpoint answered 200 without the validation code: " + _quote(body),
                     hint=ANSWER_HINT, answered=_quote(body))
    if 200 <= status < 300:
        return _with(base, problem=f"the endpoint answered {status}; Event Grid recognizes only 200 for the handshake "
                     "(202 Accepted is not recognized)", hint=ANSWER_HINT, answered=_quote(body))
    return _with(base, problem=f"the endpoint answered {status}", hint=_status_hint(status, ANSWER_HINT),
                 answered=_quote(body))


def _status_hint(status: int, answer: str) -> str:
    if status in (401, 403):
        return ("the endpoint refused the request: the handshake carries no credentials, so a key must be in the "
                "URL's query string; web application firewall rules (920300, 942430 ...) also cause 403s; then " + answer)
    if status == 404:
        return "check the URL's path; then " + answer
    return answer


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps (azure-core's ``inner_exception``, causes, urllib3's ``reason``)."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [getattr(item, "inner_exception", None), item.__cause__, item.__context__,
                 getattr(item, "reason", None), *[a for a in item.args if isinstance(a, BaseException)]]


def _transport_failure(exc: BaseException, url: str, timeout: float) -> tuple[str, str]:
    """``(problem, hint)`` for an exception raised before an answer came."""
    causes = list(_causes(exc))
    names = " ".join(type(c).__name__ for c in causes)
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in causes) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        reason = next((c.verify_message for c in causes if isinstance(c, ssl.SSLCertVerificationError)), "")
        return (f"the endpoint's TLS certificate is not trusted ({reason or 'verification failed'})",
                ("Azure refuses self-signed certificates and private CAs: serve a certificate from a public CA "
                 "(the emulator trusts its own CA: `amlevents listen --https` is trusted with --local)"))
    if any(isinstance(c, ssl.SSLError) for c in causes) or "SSLError" in names:
        return ("the TLS handshake with the endpoint failed",
                "serve HTTPS with a certificate from a public CA on that port (is it plain HTTP?)")
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in str(exc).lower():
        return (f"nothing accepts connections at {url} (connection refused)",
                "start the handler (or `amlevents listen`) and check the host and port")
    if any("Timeout" in type(c).__name__ or isinstance(c, TimeoutError) for c in causes):
        return (f"the endpoint did not answer within {timeout:g} s",
                (f"Event Grid waits {handshake.VALIDATION_TIMEOUT_SECONDS} s: answer the handshake at once and do "
                 "slow work asynchronously"))
    if "RemoteDisconnected" in names or "without response" in str(exc):
        return ("the endpoint closed the connection without an answer",
                "check the scheme: an https:// port answers nothing to http://; else the handler crashed")
    if "NameResolution" in names or "gaierror" in names or "Name or service not known" in str(exc):
        return (f"the endpoint's host name does not resolve ({url})", "check the host name in --endpoint")
    return (f"the request to the endpoint failed ({type(exc).__name__}: {redact_text(str(exc))[:SHOWN]})",
            "check that the URL is reachable from this machine")
