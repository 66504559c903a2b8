"""Stage 1 of the pipeline: Event Grid's filters — the model, the advanced-filter grammar, Event Grid's
evaluation semantics, the service's limits, lint, building a filter from options or documents, and the Azure ML
shortcuts (``--model-name`` ...). The service's rules: the emulator evaluates with the same code.
"""

from __future__ import annotations

from amlevents.core.filters.build import (
    FilterSpec,
    build_filter,
    filter_from_document,
    to_filter,
)
from amlevents.core.filters.evaluate import evaluate
from amlevents.core.filters.limits import limit_violations
from amlevents.core.filters.lint import lint
from amlevents.core.filters.model import (
    AdvancedFilter,
    EventFilter,
    Operator,
    WireFormatError,
)
from amlevents.core.filters.parse import format_advanced_filter, parse_advanced_filter
from amlevents.core.filters.shortcuts import (
    RUN_STATUSES,
    AmlShortcuts,
    apply_shortcuts,
    parse_tag,
)

__all__ = [
    "AdvancedFilter",
    "AmlShortcuts",
    "apply_shortcuts",
    "build_filter",
    "evaluate",
    "EventFilter",
    "filter_from_document",
    "FilterSpec",
    "format_advanced_filter",
    "limit_violations",
    "lint",
    "Operator",
    "parse_advanced_filter",
    "parse_tag",
    "RUN_STATUSES",
    "to_filter",
    "WireFormatError",
]
