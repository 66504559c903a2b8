"""An Azure ML event handler for Event Grid webhooks: copy it, keep the checks, replace `act`.

    python handler.py --port 7071 --topic /subscriptions/.../workspaces/WS --out events.txt [--cert F --key F]

It follows the consumer practices of Event Grid and the Azure ML docs (see README.md next to this file):
it answers both validation handshakes, accepts arrays in the Event Grid and CloudEvents 1.0 schemas, checks
the topic and the subscription name, ignores event types and fields it does not know, processes each event id
once (at-least-once delivery means retries), and answers at once. Only werkzeug is needed.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading

from werkzeug.serving import make_server as _werkzeug_server
from werkzeug.wrappers import Request, Response

VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"
AML = "Microsoft.MachineLearningServices."
MAX_BODY = 1024 * 1024  # Event Grid batches are at most 1 MB; refuse anything larger unread


def get(data: dict, name: str):
    """``data[name]`` whatever its casing: the docs write ``ModelName``, live events ``modelName``."""
    return next((v for k, v in data.items() if k.lower() == name.lower()), None)


def act(event_type: str, subject: str, data: dict) -> str | None:
    """The one thing this example does per Azure ML event type: a line of text (None: not ours, ignored)."""
    if event_type == AML + "ModelRegistered":
        return f"model {get(data, 'modelName')}:{get(data, 'modelVersion')} registered"
    if event_type == AML + "ModelDeployed":
        return f"service {get(data, 'serviceName')} deployed with {get(data, 'modelIds')}"
    if event_type == AML + "RunCompleted":
        return f"run {get(data, 'runId')} of {get(data, 'experimentName')} completed"
    if event_type == AML + "RunStatusChanged":
        return f"run {get(data, 'runId')} is {get(data, 'runStatus')}"
    if event_type == AML + "DatasetDriftDetected":
        return f"drift {get(data, 'dataDriftName')} coefficient {get(data, 'driftCoefficient')}"
    return None  # a type added later, or one we did not subscribe to: acknowledge it and move on


class Handler:
    """The WSGI app. ``topic``: the workspace ARM id events must come from; ``subscriptions``: the allowed
    ``aeg-subscription-name`` values (empty: any); ``out``: the file lines are appended to; ``db``: the SQLite
    file of processed ids."""

    def __init__(self, topic: str, out: str, db: str, subscriptions: tuple[str, ...] = ()) -> None:
        self.topic, self.out = topic.rstrip("/").lower(), out
        self.subscriptions = {s.lower() for s in subscriptions}
        self.lock = threading.Lock()  # one writer at a time: the server answers on several threads
        self.db = sqlite3.connect(db, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS processed (id TEXT PRIMARY KEY)")

    def __call__(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.method == "OPTIONS":  # CloudEvents handshake: consent to deliveries from that origin
            origin = request.headers.get("WebHook-Request-Origin", "*")
            return Response(status=200, headers={"WebHook-Allowed-Origin": origin, "Allow": "POST, OPTIONS"})
        if request.method != "POST":
            return Response("POST events here\n", status=405, headers={"Allow": "POST, OPTIONS"})
        name = request.headers.get("aeg-subscription-name", "").lower()
        if self.subscriptions and name not in self.subscriptions:
            # not a subscription we created: refusing the handshake stops it being created at all
            return Response("unknown subscription\n", status=403)
        if (request.content_length or 0) > MAX_BODY:
            return Response("too large\n", status=413)
        try:
            events = json.loads(request.get_data(cache=False))
            events = events if isinstance(events, list) else [events]
            parsed = [parse(e) for e in events]
        except (ValueError, TypeError, KeyError) as exc:  # not JSON, or not events: 400 is never retried
            return Response(f"malformed body: {exc}\n", status=400)
        if len(parsed) == 1 and parsed[0][1] == VALIDATION:  # Event Grid handshake: echo the code, synchronously
            return Response(json.dumps({"validationResponse": parsed[0][4]["validationCode"]}), status=200,
                            content_type="application/json")
        if any(topic.rstrip("/").lower() != self.topic for _, _, topic, _, _ in parsed):
            # someone else's events (or a forged request): refuse the whole batch, process none of it
            return Response("unexpected topic\n", status=400)
        for event_id, event_type, _, subject, data in parsed:
            self.once(event_id, act(event_type, subject, data))
        return Response(status=200)  # quickly: slow work belongs on a queue, after this answer

    def once(self, event_id: str, line: str | None) -> None:
        """Append ``line`` unless ``event_id`` was processed before; the line and the id are kept together."""
        with self.lock, self.db:  # one transaction: if appending fails, the id is not kept and a retry redoes it
            if self.db.execute("INSERT OR IGNORE INTO processed VALUES (?)", (event_id,)).rowcount == 0:
                return  # a retried (or duplicated) delivery of an event already handled
            if line is not None:
                with open(self.out, "a", encoding="utf-8") as out:
                    out.write(line + "\n")


def parse(event: dict) -> tuple[str, str, str, str, dict]:
    """``(id, type, topic, subject, data)`` of one event in either schema; unknown fields are ignored."""
    if not isinstance(event, dict):
        raise TypeError("an event is not a JSON object")
    if "specversion" in event:  # CloudEvents 1.0: type/source instead of eventType/topic
        kind, topic = event["type"], event["source"]
    else:
        kind, topic = event["eventType"], event.get("topic", "")
    data = event.get("data") or {}
    if not isinstance(event["id"], str) or not isinstance(kind, str) or not isinstance(data, dict):
        raise TypeError("id and type must be strings, data an object")
    return event["id"], kind, topic, event.get("subject") or "", data


def make_server(handler: Handler, host: str = "127.0.0.1", port: int = 7071, cert: str | None = None,
                key: str | None = None):
    """A threaded werkzeug server for ``handler`` (HTTPS with ``cert``/``key``); call ``serve_forever()``."""
    return _werkzeug_server(host, port, handler, threaded=True, ssl_context=(cert, key) if cert else None)


def main() -> None:
    parser = argparse.ArgumentParser(description="An Azure ML event handler for Event Grid webhooks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7071)
    parser.add_argument("--cert", help="PEM certificate: serve HTTPS (Azure delivers only to https)")
    parser.add_argument("--key", help="PEM private key of --cert")
    parser.add_argument("--topic", required=True, help="the workspace ARM id events must come from")
    parser.add_argument("--subscription", action="append", default=[], help="allowed subscription name (repeat)")
    parser.add_argument("--out", default="handled-events.txt", help="file each handled event appends a line to")
    parser.add_argument("--db", default="handled-ids.sqlite3", help="SQLite file of processed event ids")
    args = parser.parse_args()
    handler = Handler(args.topic, args.out, args.db, tuple(args.subscription))
    server = make_server(handler, args.host, args.port, args.cert, args.key)
    print(f"listening on {'https' if args.cert else 'http'}://{args.host}:{server.port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
