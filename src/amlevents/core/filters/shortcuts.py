"""Azure ML shortcuts: ``--model-name churn`` instead of ``--subject-begins-with models/churn:`` and friends.

Each shortcut turns into the filter pieces Event Grid needs (subjects, event types, advanced filters; the
subject formats and data fields are those of ``core.catalog``) and into the event types whose events can match
it. ``apply_shortcuts`` merges them with the explicit filter flags and refuses combinations that could never
deliver an event: two different subjects, a shortcut and an explicit flag that disagree, or event types none of
whose events carry the field a shortcut filters on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from amlevents.core.catalog import EVENT_TYPES, get_event_type, normalize_event_type
from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.build import FilterSpec, to_filter
from amlevents.core.filters.model import AdvancedFilter, Operator

__all__ = ["RUN_STATUSES", "AmlShortcuts", "apply_shortcuts", "parse_tag"]

# The statuses of an AML run (azureml-core RunStatus), as RunStatusChanged events spell them.
RUN_STATUSES = (
    "NotStarted",
    "Starting",
    "Provisioning",
    "Preparing",
    "Queued",
    "Running",
    "Finalizing",
    "CancelRequested",
    "Completed",
    "Failed",
    "Canceled",
    "NotResponding",
)
_RUNS = frozenset({"RunCompleted", "RunStatusChanged"})


@dataclass(frozen=True)
class AmlShortcuts:
    """The AML shortcut options; None or empty means "not given". Tags are ``(key, value)`` pairs."""

    model_name: str | None = None
    model_version: str | None = None
    experiment_id: str | None = None
    experiment_name: str | None = None
    service_name: str | None = None
    model_tags: tuple[tuple[str, str], ...] = ()
    run_tags: tuple[tuple[str, str], ...] = ()
    run_statuses: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Piece:
    """What one shortcut asks of the filter."""

    flag: str  # the option as the user wrote it, for messages: "--model-name churn"
    types: frozenset[str]  # short names of the event types whose events can match
    begins: str | None = None
    ends: str | None = None
    key: str | None = None  # a StringIn advanced filter on key ...
    values: tuple[str, ...] = ()  # ... with these values


def parse_tag(text: str, *, option: str = "--model-tag") -> tuple[str, str]:
    """``KEY=VALUE`` -> ``(KEY, VALUE)`` for ``--model-tag``/``--run-tag`` (the value may contain ``=``)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value:
        raise InvalidInputError(f"{option} '{text}' is not KEY=VALUE", hint=f"Write e.g. {option} stage=production.")
    return key.strip(), value


def _segment(value: str, flag: str, forbidden: str = "/") -> str:
    if not value or any(c in value for c in forbidden):
        shown = " or ".join(repr(c) for c in forbidden)
        raise InvalidInputError(
            f"{flag} '{value}' must be non-empty and contain no {shown}", hint="It is one segment of the event subject."
        )
    return value


def _pieces(s: AmlShortcuts) -> list[_Piece]:
    pieces: list[_Piece] = []
    if s.model_version is not None and s.model_name is None:
        raise InvalidInputError("--model-version needs --model-name", hint="Subjects are models/NAME:VERSION.")
    if s.model_name is not None:
        name = _segment(s.model_name, "--model-name", "/:")
        ends = None if s.model_version is None else ":" + _segment(s.model_version, "--model-version", "/:")
        flag = f"--model-name {name}" + ("" if s.model_version is None else f" --model-version {s.model_version}")
        # subjects are models/NAME:VERSION, so the ":" stops "churn" from matching "churn2"
        pieces.append(_Piece(flag, frozenset({"ModelRegistered"}), begins=f"models/{name}:", ends=ends))
    if s.experiment_id is not None:
        exp = _segment(s.experiment_id, "--experiment-id")
        pieces.append(_Piece(f"--experiment-id {exp}", _RUNS, begins=f"experiments/{exp}/"))
    if s.experiment_name is not None:
        if not s.experiment_name:
            raise InvalidInputError("--experiment-name must not be empty")
        pieces.append(
            _Piece(
                f"--experiment-name {s.experiment_name}", _RUNS, key="data.experimentName", values=(s.experiment_name,)
            )
        )
    if s.service_name is not None:
        svc = _segment(s.service_name, "--service-name")
        # subjects are endpoints/NAME: the prefix and the "/NAME" suffix together match exactly that service
        pieces.append(
            _Piece(f"--service-name {svc}", frozenset({"ModelDeployed"}), begins=f"endpoints/{svc}", ends=f"/{svc}")
        )
    pieces += _tag_pieces(s.model_tags, "--model-tag", "data.ModelTags", frozenset({"ModelRegistered"}))
    pieces += _tag_pieces(s.run_tags, "--run-tag", "data.runTags", _RUNS)
    if s.run_statuses:
        statuses = tuple(dict.fromkeys(_run_status(x) for x in s.run_statuses))
        flag = " ".join(f"--run-status {x}" for x in statuses)
        pieces.append(_Piece(flag, frozenset({"RunStatusChanged"}), key="data.runStatus", values=statuses))
    return pieces


def _tag_pieces(tags: Sequence[tuple[str, str]], option: str, prefix: str, types: frozenset[str]) -> list[_Piece]:
    by_key: dict[str, tuple[str, list[str]]] = {}  # lower-case key -> (first spelling, values)
    for key, value in tags:
        if not key or "." in key or any(c.isspace() for c in key):
            raise InvalidInputError(
                f"{option} key '{key}' cannot be filtered on",
                hint="Advanced-filter keys have no escaping: a tag key must be non-empty, without dots or spaces.",
            )
        if not value:
            raise InvalidInputError(f"{option} {key}= needs a value")
        spelling, values = by_key.setdefault(key.lower(), (key, []))
        if value not in values:
            values.append(value)
    return [
        _Piece(" ".join(f"{option} {key}={v}" for v in values), types, key=f"{prefix}.{key}", values=tuple(values))
        for key, values in by_key.values()
    ]


def _run_status(text: str) -> str:
    status = next((s for s in RUN_STATUSES if s.lower() == text.strip().lower()), None)
    if status is None:
        raise InvalidInputError(
            f"--run-status '{text}' is not an AML run status", hint="Use one of: " + ", ".join(RUN_STATUSES) + "."
        )
    return status


def _subject(pieces: list[_Piece], attr: str, explicit: str | None, explicit_flag: str) -> str | None:
    """The one subject value the pieces and the explicit flag agree on; refuses two different ones."""
    chosen, chosen_flag = explicit, explicit_flag
    for piece in pieces:
        value = getattr(piece, attr)
        if value is None:
            continue
        if chosen is None:
            chosen, chosen_flag = value, piece.flag
        elif value != chosen:
            raise InvalidInputError(
                f"{piece.flag} needs the subject filter '{value}' but {chosen_flag} sets '{chosen}'",
                hint="Drop one of the two; a subscription has one subject filter.",
            )
    return chosen


def apply_shortcuts(
    shortcuts: AmlShortcuts,
    *,
    event_types: Sequence[str] | None = None,
    subject_begins_with: str | None = None,
    subject_ends_with: str | None = None,
    advanced_filters: Sequence[FilterSpec] | None = None,
) -> tuple[tuple[str, ...] | None, str | None, str | None, tuple[FilterSpec, ...] | None]:
    """The filter flags with the shortcuts merged in: ``(event_types, begins_with, ends_with, advanced_filters)``.

    Event types come back as full names. When none are given, the shortcuts' types are used (the types every
    shortcut can match, in catalog order), e.g. ModelRegistered for ``--model-name``; given ones must all be
    types the shortcuts can match. Shortcut filters are appended to the explicit ones as ``StringIn`` filters;
    an explicit filter on the same key is refused, as both would have to hold.
    """
    explicit_types = tuple(dict.fromkeys(normalize_event_type(t) for t in event_types)) if event_types else None
    pieces = _pieces(shortcuts)
    if not pieces:
        given = tuple(advanced_filters) if advanced_filters else None
        return explicit_types, subject_begins_with, subject_ends_with, given
    begins = _subject(pieces, "begins", subject_begins_with, "--subject-begins-with")
    ends = _subject(pieces, "ends", subject_ends_with, "--subject-ends-with")
    allowed = _common_types(pieces)
    if explicit_types is None:
        types = tuple(info.event_type for info in EVENT_TYPES if info.name in allowed)
    else:
        for full in explicit_types:
            short = get_event_type(full).name
            blocker = next((p for p in pieces if short not in p.types), None)
            if blocker is not None:
                raise InvalidInputError(
                    f"--event-type {short} cannot match {blocker.flag}",
                    hint=f"{blocker.flag} matches only {_names(blocker.types)} events; drop one of the two.",
                )
        types = explicit_types
    filters = list(advanced_filters or ())
    keyed = [p for p in pieces if p.key is not None]
    if keyed:
        # Each given filter is parsed once. The first shortcut is checked as they are parsed, so that of a parse
        # error and a clash with it, the one in the earlier filter is reported.
        parsed: list[AdvancedFilter] = []
        for given in filters:
            parsed.append(to_filter(given))
            _refuse_same_key(keyed[0], parsed[-1])
        for piece in keyed[1:]:
            for f in parsed:
                _refuse_same_key(piece, f)
    filters += [AdvancedFilter(Operator.StringIn, p.key, values=p.values) for p in keyed]
    return types, begins, ends, tuple(filters) or None


def _refuse_same_key(piece: _Piece, given: AdvancedFilter) -> None:
    if given.key.lower() == str(piece.key).lower():
        raise InvalidInputError(
            f"{piece.flag} filters on {piece.key}, and so does --advanced-filter '{given.key}'",
            hint="Both would have to hold; keep one of them.",
        )


def _common_types(pieces: list[_Piece]) -> frozenset[str]:
    allowed = pieces[0].types
    for i, piece in enumerate(pieces):
        for other in pieces[:i]:
            if not piece.types & other.types:
                raise InvalidInputError(
                    f"{other.flag} and {piece.flag} cannot match the same event",
                    hint=f"{other.flag} matches {_names(other.types)} events, "
                    f"{piece.flag} {_names(piece.types)} events.",
                )
        allowed &= piece.types
    if not allowed:  # three shortcuts, pairwise compatible but with no type in common
        raise InvalidInputError(
            " and ".join(p.flag for p in pieces) + " cannot match the same event", hint="Drop one of the shortcuts."
        )
    return allowed


def _names(types: frozenset[str]) -> str:
    return " or ".join(info.name for info in EVENT_TYPES if info.name in types)
