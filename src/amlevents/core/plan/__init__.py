"""Stage 3: desired state against what Azure holds — normalizing both sides, the field diff, and the plan's
steps (create, update, delete, no change) with the bodies to send.
"""

from __future__ import annotations

from amlevents.core.plan.diff import diff
from amlevents.core.plan.steps import (
    Action,
    PlannedChange,
    hidden_values,
    plan,
    put_body,
    reprovisions,
    summarize,
    to_json,
    topic_name_of,
    update_body,
)

__all__ = [
    "Action",
    "diff",
    "hidden_values",
    "plan",
    "PlannedChange",
    "put_body",
    "reprovisions",
    "summarize",
    "to_json",
    "topic_name_of",
    "update_body",
]
