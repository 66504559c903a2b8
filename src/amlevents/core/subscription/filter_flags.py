"""The filter options of `subscription create`/`update` (and a manifest entry) turned into an ``EventFilter``.

One dataclass holds every filter-related option: the plain ones (event types, subjects, advanced filters,
arrays), the Azure ML shortcuts, and the update-only edits. ``new_filter`` builds a filter for a new
subscription; ``edited_filter`` applies the options to the current filter of an existing one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters import (
    AdvancedFilter,
    AmlShortcuts,
    EventFilter,
    FilterSpec,
    apply_shortcuts,
    build_filter,
)
from amlevents.core.subscription.update import edit_filter


@dataclass(frozen=True)
class FilterFlags:
    """Filter options as given (None/empty = not given)."""

    event_types: Sequence[str] | None = None
    subject_begins_with: str | None = None
    subject_ends_with: str | None = None
    subject_case_sensitive: bool | None = None
    advanced_filters: Sequence[FilterSpec] | None = None
    enable_arrays: bool | None = None
    shortcuts: AmlShortcuts = field(default_factory=AmlShortcuts)
    add: Sequence[FilterSpec] = ()
    remove_keys: Sequence[str] = ()
    clear_advanced: bool = False
    clear_subject: bool = False

    def given(self) -> bool:
        """True when any filter option was given (an update without one keeps the filter untouched)."""
        plain = (self.event_types, self.subject_begins_with, self.subject_ends_with, self.subject_case_sensitive,
                 self.advanced_filters, self.enable_arrays)
        return (any(v is not None for v in plain) or self.shortcuts != AmlShortcuts() or bool(self.add)
                or bool(self.remove_keys) or self.clear_advanced or self.clear_subject)

    def _merged(self) -> tuple[Any, Any, Any, Any]:
        return apply_shortcuts(
            self.shortcuts,
            event_types=self.event_types,
            subject_begins_with=self.subject_begins_with,
            subject_ends_with=self.subject_ends_with,
            advanced_filters=self.advanced_filters,
        )


def new_filter(flags: FilterFlags) -> EventFilter:
    """The filter of a new subscription (update-only edits are refused)."""
    if flags.add or flags.remove_keys or flags.clear_advanced or flags.clear_subject:
        raise InvalidInputError(
            "--add-advanced-filter, --remove-advanced-filter and the --clear-* filter options apply to update only",
            hint="on create, give the whole filter with --advanced-filter",
        )
    types, begins, ends, filters = flags._merged()
    return build_filter(
        None,
        event_types=types,
        subject_begins_with=begins,
        subject_ends_with=ends,
        subject_case_sensitive=flags.subject_case_sensitive,
        advanced_filters=filters,
        enable_arrays=flags.enable_arrays,
    )


def edited_filter(current: EventFilter, flags: FilterFlags) -> EventFilter | None:
    """``current`` with the options applied, or None when no filter option was given."""
    if not flags.given():
        return None
    types, begins, ends, filters = flags._merged()
    if flags.advanced_filters:  # the whole list is replaced: explicit filters plus the shortcuts' own
        replace, add = filters, list(flags.add)
    else:
        # A shortcut says what its key must be: it replaces the current filters on that key (re-running the
        # same update must not stack duplicates) and keeps the others.
        shortcut = [f for f in filters or () if isinstance(f, AdvancedFilter)]
        # (keys the user removes explicitly are left to --remove-advanced-filter, which insists they exist)
        keys = {f.key.lower() for f in shortcut} - {k.lower() for k in flags.remove_keys}
        kept = tuple(f for f in current.filters if f.key.lower() not in keys)
        if len(kept) != len(current.filters):
            current = dataclasses.replace(current, advanced_filters=kept or None)
        replace, add = None, [*flags.add, *shortcut]
    return edit_filter(
        current,
        event_types=types,
        subject_begins_with=begins,
        subject_ends_with=ends,
        subject_case_sensitive=flags.subject_case_sensitive,
        enable_arrays=flags.enable_arrays,
        advanced_filters=replace,
        add=add,
        remove_keys=flags.remove_keys,
        clear_advanced=flags.clear_advanced,
        clear_subject=flags.clear_subject,
    )
