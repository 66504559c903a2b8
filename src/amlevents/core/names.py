"""Event Grid's rules for resource names: event subscriptions and system topics (the service's rules, shared by
the client's checks and the emulator)."""

from __future__ import annotations

import re

from amlevents.core.errors import InvalidInputError

_NAME = re.compile(r"[A-Za-z0-9-]{3,64}")


def check_name(name: str) -> None:
    """Event Grid's rule for subscription names: 3-64 letters, digits and hyphens."""
    if not _NAME.fullmatch(name):  # not match(): "$" would also accept a trailing newline
        raise InvalidInputError(
            f"'{name}' is not a valid event subscription name",
            hint="use 3-64 characters: letters, digits and hyphens (e.g. churn-model-registered)",
        )


_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{3,128}")


def check_topic_name(name: str) -> None:
    """Event Grid's rule for system topic names: 3-128 letters, digits, underscores and hyphens."""
    if not _TOPIC_NAME.fullmatch(name):
        raise InvalidInputError(
            f"'{name}' is not a valid system topic name",
            hint="use 3-128 characters: letters, digits, underscores and hyphens (e.g. ml-workspace-events)",
        )
