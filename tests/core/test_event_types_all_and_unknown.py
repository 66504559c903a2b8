"""Core rules behind `--event-type all`, `--allow-unknown-event-type` and the literal-subject lint warnings."""

from __future__ import annotations

import pytest

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters import AmlShortcuts, EventFilter, lint
from amlevents.core.subscription import FilterFlags, edited_filter, new_filter

AML = "Microsoft.MachineLearningServices."
NEW_TYPE = AML + "ModelArchived"


@pytest.mark.parametrize("word", ["all", "ALL", " All "])
def test_all_means_no_list(word):
    assert new_filter(FilterFlags(event_types=[word])).included_event_types is None


def test_all_on_update_drops_the_current_list():
    current = EventFilter(included_event_types=(AML + "ModelRegistered",))
    assert edited_filter(current, FilterFlags(event_types=["all"])).included_event_types is None


def test_all_with_a_shortcut_keeps_the_shortcut_types():
    flags = FilterFlags(event_types=["all"], shortcuts=AmlShortcuts(model_name="churn"))
    assert new_filter(flags).included_event_types == (AML + "ModelRegistered",)


def test_unknown_type_is_refused_unless_allowed():
    with pytest.raises(InvalidInputError) as caught:
        new_filter(FilterFlags(event_types=[NEW_TYPE]))
    assert "--allow-unknown-event-type" in caught.value.hint


def test_allowed_unknown_type_is_sent_as_given_after_the_known_ones():
    flags = FilterFlags(event_types=[NEW_TYPE, "ModelRegistered"], allow_unknown_event_types=True)
    assert new_filter(flags).included_event_types == (AML + "ModelRegistered", NEW_TYPE)


def test_allowed_unknown_type_on_update_replaces_the_list():
    current = EventFilter(included_event_types=(AML + "RunCompleted",))
    flags = FilterFlags(event_types=[NEW_TYPE], allow_unknown_event_types=True)
    assert edited_filter(current, flags).included_event_types == (NEW_TYPE,)


def test_lint_says_an_unknown_full_name_is_sent_as_given():
    [warning] = lint(EventFilter(included_event_types=(NEW_TYPE,)))
    assert "not in amlevents' catalog" in warning and "sent as given" in warning


@pytest.mark.parametrize(("field", "value", "says"), [
    ("subject_begins_with", "models/*", "'*', but subject filters are literal"),
    ("subject_begins_with", "models/churn?", "'?', but subject filters are literal"),
    ("subject_ends_with", "*:1", "a suffix already accepts anything before it"),
    ("subject_begins_with", "models/ ", "leading or trailing spaces"),
    ("subject_ends_with", " :1", "leading or trailing spaces"),
])
def test_literal_subject_warnings(field, value, says):
    assert any(says in w for w in lint(EventFilter(**{field: value})))


@pytest.mark.parametrize("value", ["models/churn:", ":1", "experiments/"])
def test_plain_subjects_do_not_warn_as_literal(value):
    assert not [w for w in lint(EventFilter(subject_begins_with=value)) if "literal" in w or "spaces" in w]
