"""Shell completion of option values (``amlevents --install-completion`` sets it up; Typer/Click run it).

These run only when the shell asks for completions (Click's ``_AMLEVENTS_COMPLETE`` variable is set): the
catalogs they read are imported inside, so declaring them costs a command's start-up nothing.
"""

from __future__ import annotations


def event_types(incomplete: str) -> list[str]:
    """Event type names for ``--event-type``: the short names (and ``all``), or the full ones once the word
    starts with ``Microsoft.``."""
    from amlevents.core.catalog import EVENT_PREFIX, EVENT_TYPES

    if incomplete.lower().startswith("microsoft."):
        names = [info.event_type for info in EVENT_TYPES]
    else:
        names = [info.name for info in EVENT_TYPES] + ["all"]
    return [name for name in names if name.lower().startswith(incomplete.lower())] or (
        [EVENT_PREFIX] if EVENT_PREFIX.lower().startswith(incomplete.lower()) else [])


def endpoint_types(incomplete: str) -> list[str]:
    """The ``--endpoint-type`` values (webhook, azurefunction, eventhub ...)."""
    from amlevents.core.subscription.destination import ENDPOINT_TYPES

    return [name for name in ENDPOINT_TYPES if name.startswith(incomplete.lower())]
