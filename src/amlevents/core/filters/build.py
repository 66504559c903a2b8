"""Build an ``EventFilter`` from flags and files: one path shared by the CLI, the manifest and tests.

Flags override the fields they name and leave the others as the base filter has them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from amlevents.core.catalog import normalize_event_type
from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.limits import check_limits
from amlevents.core.filters.model import AdvancedFilter, EventFilter
from amlevents.core.filters.parse import parse_advanced_filter

# An advanced filter as the flags give it: an --advanced-filter expression (a string or its tokens) or a ready one.
FilterSpec = str | Sequence[str] | AdvancedFilter


def to_filter(spec: FilterSpec) -> AdvancedFilter:
    """``spec`` itself when it is an ``AdvancedFilter``, else the expression parsed."""
    return spec if isinstance(spec, AdvancedFilter) else parse_advanced_filter(spec)


def filter_from_document(doc: Any) -> EventFilter:
    """The filter in a document: a wire ``filter`` object, ``{"filter": ...}`` or a whole event-subscription resource."""
    if isinstance(doc, dict):
        props = doc.get("properties")
        if isinstance(props, dict) and "filter" in props:
            doc = props["filter"] or {}
        elif "filter" in doc and isinstance(doc["filter"], dict):
            doc = doc["filter"]
    if not isinstance(doc, dict):
        raise InvalidInputError(
            "the filter file must hold a JSON object: a filter, or an event subscription with properties.filter"
        )
    return EventFilter.from_wire(doc)


def build_filter(
    base: EventFilter | None = None,
    *,
    event_types: Sequence[str] | None = None,
    subject_begins_with: str | None = None,
    subject_ends_with: str | None = None,
    subject_case_sensitive: bool | None = None,
    advanced_filters: Sequence[FilterSpec] | None = None,
    enable_arrays: bool | None = None,
) -> EventFilter:
    """Apply the given flags to ``base`` (an empty filter when None), check the service limits, return it.

    ``event_types`` accept short or full AML names (normalised to full names); ``advanced_filters`` are
    ``--advanced-filter`` expressions (strings or token lists) or ready ``AdvancedFilter`` objects and replace
    the base's list.
    """
    result = base or EventFilter()
    changes: dict[str, Any] = {}
    if event_types:
        changes["included_event_types"] = tuple(dict.fromkeys(normalize_event_type(t) for t in event_types))
    if subject_begins_with is not None:
        changes["subject_begins_with"] = subject_begins_with
    if subject_ends_with is not None:
        changes["subject_ends_with"] = subject_ends_with
    if subject_case_sensitive is not None:
        changes["is_subject_case_sensitive"] = subject_case_sensitive
    if enable_arrays is not None:
        changes["enable_advanced_filtering_on_arrays"] = enable_arrays
    if advanced_filters:
        changes["advanced_filters"] = tuple(to_filter(f) for f in advanced_filters)
    result = dataclasses.replace(result, **changes)
    check_limits(result)
    return result
