"""The service's delivery rules, shared by the emulator (sending) and local receivers (answering); pure, no I/O.

``handshake`` (validation, both schemas), ``schema`` (Event Grid -> CloudEvents 1.0), ``batching``
(``maxEventsPerBatch``/``preferredBatchSizeInKilobytes``), ``retry`` (success, retry schedule, dead-letter
decisions), ``headers`` (``aeg-*`` and delivery attributes), ``deadletter`` (the dead-letter record).
"""

from amlevents.core.delivery.batching import batches
from amlevents.core.delivery.deadletter import (
           dead_letter_path,
           dead_letter_record,
           dead_letter_target,
)
from amlevents.core.delivery.headers import DeliveryHeaders, delivery_headers
from amlevents.core.delivery.retry import (
           Decision,
           RetryPolicy,
           decide,
           is_success,
           outcome_name,
)
from amlevents.core.delivery.schema import content_type, to_schema

__all__ = ["Decision", "DeliveryHeaders", "RetryPolicy", "batches", "content_type", "dead_letter_path",
           "dead_letter_record", "dead_letter_target", "decide", "delivery_headers", "is_success", "outcome_name",
           "to_schema"]
