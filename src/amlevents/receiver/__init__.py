"""A local webhook receiver for Event Grid deliveries (``amlevents listen``): both handshakes, both schemas.

Imports ``core`` and cheroot only (no azure, no CLI, no emulator), so it can stand in for a user's handler in tests
and on a developer's machine. ``ReceiverApp`` is the WSGI app (``app.py``), ``Receiver`` serves it (``server.py``),
``events.py`` reads request bodies.
"""

from amlevents.receiver.app import Delivery, ReceiverApp, ReceiverOptions
from amlevents.receiver.events import (
           CLOUDEVENTS,
           EVENTGRID,
           ReceivedEvent,
           interesting_fields,
           short_type,
)
from amlevents.receiver.server import Receiver

__all__ = ["CLOUDEVENTS", "EVENTGRID", "Delivery", "ReceivedEvent", "Receiver", "ReceiverApp", "ReceiverOptions",
           "interesting_fields", "short_type"]
