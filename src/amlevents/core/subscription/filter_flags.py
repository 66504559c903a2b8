"""The filter options of `subscription create`/`update` (and a manifest entry) turned into an ``EventFilter``.

One dataclass holds every filter-related option: the plain ones (event types, subjects, advanced filters,
arrays), the Azure ML shortcuts, and the update-only edits. ``new_filter`` builds a filter for a new
subscription; ``edited_filter`` applies the options to the current filter of an existing one.

Two event-type words are not catalog names: ``all`` (every type: ``includedEventTypes`` left out, Event Grid's
default; on update it resets the list), and, with ``allow_unknown_event_types``, a name the catalog does not know
yet (Azure ML may add a type before amlevents knows it), sent as given; ``lint`` warns about it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from amlevents.core.catalog import is_aml_event_type, unknown_event_type
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

ALL_TYPES = "all"  # --event-type all: every event type, as when includedEventTypes is left out


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
    allow_unknown_event_types: bool = False

    def given(self) -> bool:
        """True when any filter option was given (an update without one keeps the filter untouched)."""
        plain = (self.event_types, self.subject_begins_with, self.subject_ends_with, self.subject_case_sensitive,
                 self.advanced_filters, self.enable_arrays)
        return (any(v is not None for v in plain) or self.shortcuts != AmlShortcuts() or bool(self.add)
                or bool(self.remove_keys) or self.clear_advanced or self.clear_subject)

    def every_event_type(self) -> bool:
        """True for ``--event-type all``: every event type (``includedEventTypes`` left out)."""
        names = list(self.event_types or ())
        every = any(n.strip().lower() == ALL_TYPES for n in names)
        if every and len(names) > 1:
            raise InvalidInputError(
                f"--event-type {' '.join(names)}: 'all' means every event type and cannot be combined with others",
                hint="give --event-type all alone, or list the types you want",
            )
        return every

    def unknown_event_types(self) -> tuple[str, ...]:
        """The ``--event-type`` names the catalog does not know, passed as given; refused (with the catalog's
        suggestion) unless ``allow_unknown_event_types``."""
        unknown = tuple(n for n in self.event_types or () if n.strip().lower() != ALL_TYPES
                        and not is_aml_event_type(n))
        if unknown and not self.allow_unknown_event_types:
            error = unknown_event_type(unknown[0])
            error.hint = (f"{error.hint}; or, for a type Azure ML added after this version of amlevents, "
                          "add --allow-unknown-event-type to send it as given")
            raise error
        return unknown

    def _merged(self) -> tuple[Any, Any, Any, Any]:
        known = [n for n in self.event_types or () if is_aml_event_type(n)]
        return apply_shortcuts(
            self.shortcuts,
            event_types=known or None,
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
    every, unknown = flags.every_event_type(), flags.unknown_event_types()
    types, begins, ends, filters = flags._merged()
    built = build_filter(
        None,
        event_types=types,
        subject_begins_with=begins,
        subject_ends_with=ends,
        subject_case_sensitive=flags.subject_case_sensitive,
        advanced_filters=filters,
        enable_arrays=flags.enable_arrays,
    )
    return _with_types(built, types, every=every, unknown=unknown)


def _with_types(result: EventFilter, types: Sequence[str] | None, *, every: bool,
                unknown: tuple[str, ...]) -> EventFilter:
    """``result`` with ``all`` (no list, unless a shortcut chose the types) and the unknown names applied."""
    if unknown:
        return dataclasses.replace(result, included_event_types=(*(types or ()), *unknown))
    if every and not types:
        return dataclasses.replace(result, included_event_types=None)
    return result


def edited_filter(current: EventFilter, flags: FilterFlags) -> EventFilter | None:
    """``current`` with the options applied, or None when no filter option was given."""
    if not flags.given():
        return None
    every, unknown = flags.every_event_type(), flags.unknown_event_types()
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
    edited = edit_filter(
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
    return _with_types(edited, types, every=every, unknown=unknown)
