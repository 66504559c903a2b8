"""`amlevents listen`: a local webhook receiver that shows each delivered event (amlevents.receiver does the HTTP)."""

from __future__ import annotations

import json
import queue
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from amlevents.cli.options import OutputOpt, sub_app

if TYPE_CHECKING:
    from amlevents.receiver import Delivery

app = sub_app("A local webhook receiver for Event Grid deliveries.")

# 8765, not 7071: 7071 is where Azure Functions Core Tools serve a local handler, so a user running `func start`
# next to `listen` would collide; 8080/8000 are every web framework's default. 8765 is free on a typical machine.
DEFAULT_PORT = 8765
ENDPOINT_PATH = "api/events"


class SchemaChoice(str, Enum):
    """Values of ``listen --schema``."""

    auto = "auto"
    eventgrid = "eventgrid"
    cloudevents = "cloudevents"


@app.command("listen")
def listen(
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="TCP port; 0 picks a free one (the default 8765 stays clear of the "
                                      "Azure Functions host's 7071).")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option("--host", help="Address to bind; keep 127.0.0.1 unless you mean to take "
                                      "deliveries from other machines.")] = "127.0.0.1",
    https: Annotated[bool, typer.Option("--https", help="Serve TLS with a certificate signed by the local "
                                        "emulator's CA (the emulator trusts it; Azure would not).")] = False,
    cert_dir: Annotated[Optional[str], typer.Option(
        "--cert-dir", help="With --https: the CA directory (default: the --local emulator's; give an `emulator "
        "serve --cert-dir` to be trusted by that emulator).", show_default=False)] = None,
    schema: Annotated[SchemaChoice, typer.Option(
        "--schema", help="Accept Event Grid schema, CloudEvents 1.0, or both (auto); the other is answered 400.",
        case_sensitive=False)] = SchemaChoice.auto,
    respond: Annotated[Optional[int], typer.Option(
        "--respond", min=100, max=599, metavar="STATUS", show_default=False,
        help="Answer every delivery with this HTTP status, to rehearse retries (e.g. 503) or dead-lettering "
        "(400). The handshake is still completed.")] = None,
    fail_handshake: Annotated[bool, typer.Option(
        "--fail-handshake", help="Also refuse the validation handshake (with --respond's status, else 400 / "
        "405 for OPTIONS), to see a subscription fail.")] = False,
    jsonl: Annotated[Optional[str], typer.Option(
        "--jsonl", metavar="FILE", show_default=False, help="Also append each event as a JSON line to FILE.")] = None,
    topic: Annotated[Optional[str], typer.Option(
        "--topic", show_default=False, help="The topic (workspace resource id) events must come from; an event "
        "from another topic is answered 400 and reported.")] = None,
    count: Annotated[Optional[int], typer.Option(
        "--count", min=1, show_default=False, help="Exit 0 once N events have arrived (redeliveries count).")] = None,
    timeout: Annotated[Optional[float], typer.Option(
        "--timeout", min=0, metavar="SECONDS", show_default=False,
        help="Stop after SECONDS: exit 1 if no event (or fewer than --count) arrived, else 0.")] = None,
    output: OutputOpt = None,
) -> None:
    """Receive Event Grid deliveries on this machine and print each event; stop with Ctrl-C (exit 0).

    Completes both validation handshakes (Event Grid schema: echoes validationCode; CloudEvents: answers OPTIONS
    with WebHook-Allowed-Origin), accepts arrays in either schema, reports duplicates (same id), unknown event
    types and other topics (--topic). On a terminal each event is a readable line; piped (or -o json) each is a
    JSON line on stdout. Where it listens and the command to point a subscription at it go to stderr.

    Example: amlevents listen --https --count 1 --timeout 120
    """
    serve(port=port, host=host, https=https, cert_dir=cert_dir, schema=schema.value, respond=respond,
          fail_handshake=fail_handshake, jsonl=jsonl, topic=topic, count=count, timeout=timeout, output=output)


def delivery_lines(delivery: Delivery) -> list[str]:
    """The readable lines (one per event) of ``delivery``: time, type, subject, key data fields, attempt."""
    from amlevents.receiver import interesting_fields, short_type

    lines = []
    for record, event in zip(delivery.records(), delivery.events):
        fields = " ".join(f"{k}={_short(v)}" for k, v in interesting_fields(event.type, event.data).items())
        flags = [f"delivery-count {delivery.delivery_count}" if delivery.delivery_count is not None else None,
                 event.schema, str(delivery.status), "duplicate" if event.duplicate else None,
                 None if event.known_type else "unknown type"]
        clock = (record["receivedAt"] or "")[11:23]
        lines.append("  ".join(p for p in (clock, short_type(event.type), event.subject or "(no subject)", fields,
                                           "[" + ", ".join(f for f in flags if f) + "]") if p))
    return lines


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def take(deliveries: queue.Queue[Any], wait: float | None) -> Any:
    """The next item of ``deliveries`` within ``wait`` seconds (None: up to half a second), or None."""
    try:
        return deliveries.get(timeout=0.5 if wait is None else max(0.0, min(wait, 0.5)))
    except queue.Empty:
        return None


def serve(*, port: int, host: str, https: bool, cert_dir: str | None, schema: str, respond: int | None,
          fail_handshake: bool, jsonl: str | None, topic: str | None, count: int | None, timeout: float | None,
          output: Any) -> None:
    """Run the receiver until Ctrl-C/SIGTERM, ``count`` events or ``timeout``; print what arrives."""
    import time

    from amlevents.cli.output import OutputFormat, note, resolve_format
    from amlevents.core.errors import AmlEventsError, InvalidInputError
    from amlevents.receiver import Receiver, ReceiverApp, ReceiverOptions

    fmt = resolve_format(output)
    if fmt not in (OutputFormat.table, OutputFormat.json, OutputFormat.none):
        raise InvalidInputError(f"listen prints table or json lines, not {fmt.value}", hint="use -o table or -o json")
    deliveries: queue.Queue[Any] = queue.Queue()
    options = ReceiverOptions(schema=schema, respond=respond, fail_handshake=fail_handshake, topic=topic)
    tls = ca = None
    if https:
        from amlevents.cli.wiring import listener_certificates

        ca, cert, key = listener_certificates(cert_dir)
        tls = (cert, key)
    receiver = Receiver(ReceiverApp(options, deliveries.put), host=host, port=port, tls=tls)
    try:
        receiver.start()
    except OSError as exc:
        raise InvalidInputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                                hint="pick another --port (0 picks a free one), or stop what uses it") from None
    stop_requested: list[int] = []  # a signal's number, once one arrived
    restore = _stop_on_signals(stop_requested)
    sink = open(jsonl, "a", encoding="utf-8") if jsonl else None  # noqa: SIM115 - closed in finally
    received = 0
    deadline = time.monotonic() + timeout if timeout is not None else None
    try:
        _announce(note, receiver.url + ENDPOINT_PATH, schema, ca, host)
        while count is None or received < count:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            # returns within half a second, so a signal is seen that soon; what arrived before it is shown first
            item = take(deliveries, 0 if stop_requested else left)
            if item is None and stop_requested:
                break
            if item is not None:
                received += _show(item, fmt, sink, note)
    finally:
        restore()
        receiver.stop()
        if sink is not None:
            sink.close()
    note(f"Stopped: {received} event(s) received.")
    if deadline is not None and (received == 0 or (count is not None and received < count)):
        wanted = f"{count} event(s)" if count is not None else "an event"
        raise AmlEventsError(f"{wanted} did not arrive within {timeout:g} s (got {received})",
                             hint="check that a subscription points here and that its filter matches "
                             "(`amlevents events test`), then publish one (`amlevents events publish`)")


def _stop_on_signals(stop_requested: list[int]) -> Any:
    """Make SIGINT and SIGTERM end the wait cleanly (main thread only); returns the function that restores.

    The handler only appends to a list: it runs in the main thread between two bytecodes, possibly while that
    thread holds the delivery queue's lock inside ``get()``, so putting into the queue from it could deadlock
    (it did, rarely, under load)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, lambda number, _frame: stop_requested.append(number))

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return restore


def _announce(note: Any, url: str, schema: str, ca: str | None, host: str) -> None:
    """Where the receiver listens and the command that points a subscription at it, on stderr."""
    kinds = {"auto": "Event Grid schema and CloudEvents", "eventgrid": "Event Grid schema",
             "cloudevents": "CloudEvents 1.0"}[schema]
    note(f"Listening on {url} ({kinds}); Ctrl-C to stop.")
    schema_flag = " --event-delivery-schema cloudeventschemav1_0" if schema == "cloudevents" else ""
    note(f"Point a subscription at it:\n  amlevents --local subscription create listen-demo --endpoint {url}"
         f"{schema_flag} --check-endpoint")
    if ca:
        note(f"TLS certificate signed by the local emulator's CA {ca}: the emulator trusts it; Azure does not "
             "(it refuses self-signed and private CAs). For curl: --cacert " + ca)
    else:
        note("Azure and the emulator accept only https:// endpoints: add --https to be a subscription's endpoint.")
    if host not in ("127.0.0.1", "localhost", "::1"):
        note(f"Warning: bound to {host}: other machines can post events here.")


def _show(delivery: Delivery, fmt: Any, sink: Any, note: Any) -> int:
    """Print ``delivery`` (events on stdout, handshakes and problems on stderr); the number of events in it."""
    from amlevents.cli.output import OutputFormat, emit_line, emit_raw, warn

    if delivery.kind == "validation":
        name = delivery.headers.get("aeg-subscription-name") or "?"
        done = "Completed" if delivery.status == 200 else f"Refused ({delivery.status})"
        note(f"{done} the Event Grid validation handshake of subscription {name}.")
    elif delivery.kind == "options":
        done = "Completed" if delivery.status == 200 else f"Refused ({delivery.status})"
        note(f"{done} the CloudEvents validation handshake (OPTIONS).")
    for problem in delivery.problems:
        warn(f"{problem} (answered {delivery.status}).")
    for record in delivery.records():
        if sink is not None:
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            sink.flush()
        if fmt == OutputFormat.json:
            emit_line(record)
    if fmt == OutputFormat.table:
        for line in delivery_lines(delivery):
            emit_raw(line)
    return len(delivery.events)
