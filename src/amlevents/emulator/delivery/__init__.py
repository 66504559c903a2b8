"""The emulator's data plane: publishing Azure ML events and delivering them as Event Grid does.

    dispatcher.py  the Dispatcher (one per emulator app): publish, schedule, attempt, retry, dead-letter;
                   the webhook handshake on create (handshake.py)
    handshake.py   the validation handshake as the service performs it (Event Grid schema, CloudEvents OPTIONS)
    publish.py     event checks and limits, matching with the filter engine, delivery records
    targets.py     the workspace's subscriptions (scope and system topic) with their delivery secrets
    transport.py   one bounded HTTP(S) POST over urllib3
    sinks.py       spool, dead-letter folder, the Entra ID token for webhooks
    files.py       the spool and dead-letter files
    log.py         the bounded delivery log behind GET /_emulator/deliveries
    clock.py       the scaled clock (--time-scale)

The service's rules (schemas, batching, retry, headers, dead-letter records) are in ``amlevents.core.delivery``.
"""

from amlevents.emulator.delivery.dispatcher import Dispatcher

__all__ = ["Dispatcher"]
