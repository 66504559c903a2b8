"""Filter options of create/update -> the subscription's EventFilter (shortcuts, edits, replacements)."""

from __future__ import annotations

import pytest

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.model import AdvancedFilter, EventFilter, Operator
from amlevents.core.filters.shortcuts import AmlShortcuts
from amlevents.core.subscription.filter_flags import (
    FilterFlags,
    edited_filter,
    new_filter,
)

NS = "Microsoft.MachineLearningServices."
STAGE = AdvancedFilter(Operator.StringIn, "data.ModelTags.stage", values=("prod",))
RUN_FAILED = AdvancedFilter(Operator.StringIn, "data.runStatus", values=("Failed",))
CURRENT = EventFilter(
    included_event_types=(NS + "ModelRegistered",),
    subject_begins_with="models/churn:",
    advanced_filters=(STAGE, AdvancedFilter(Operator.StringContains, "data.ModelName", values=("churn",))),
)


def test_new_filter_from_plain_flags():
    flags = FilterFlags(event_types=["ModelRegistered"], subject_begins_with="models/", subject_case_sensitive=True,
                        advanced_filters=["data.ModelTags.stage StringIn prod"], enable_arrays=True)
    assert new_filter(flags) == EventFilter(
        included_event_types=(NS + "ModelRegistered",), subject_begins_with="models/", is_subject_case_sensitive=True,
        enable_advanced_filtering_on_arrays=True, advanced_filters=(STAGE,))


def test_new_filter_without_flags_is_empty():
    assert new_filter(FilterFlags()) == EventFilter()


@pytest.mark.parametrize(
    ("shortcuts", "expected"),
    [
        (AmlShortcuts(model_name="churn"),
         EventFilter(included_event_types=(NS + "ModelRegistered",), subject_begins_with="models/churn:")),
        (AmlShortcuts(run_statuses=("failed",)),
         EventFilter(included_event_types=(NS + "RunStatusChanged",), advanced_filters=(RUN_FAILED,))),
        (AmlShortcuts(model_name="churn", model_tags=(("stage", "prod"),)),
         EventFilter(included_event_types=(NS + "ModelRegistered",), subject_begins_with="models/churn:",
                     advanced_filters=(STAGE,))),
    ],
    ids=["model-name", "run-status", "model-name-and-tag"],
)
def test_new_filter_from_shortcuts(shortcuts, expected):
    assert new_filter(FilterFlags(shortcuts=shortcuts)) == expected


@pytest.mark.parametrize(
    "edit",
    [{"add": ["data.a StringIn b"]}, {"remove_keys": ["data.a"]}, {"clear_advanced": True}, {"clear_subject": True}],
    ids=["add", "remove", "clear-advanced", "clear-subject"],
)
def test_update_only_edits_are_refused_on_create(edit):
    with pytest.raises(InvalidInputError, match="apply to update only"):
        new_filter(FilterFlags(**edit))


def test_edited_filter_is_none_when_no_filter_option_is_given():
    assert edited_filter(CURRENT, FilterFlags()) is None


@pytest.mark.parametrize(
    ("flags", "keys"),
    [
        (FilterFlags(add=["data.ModelVersion StringIn 2"]),
         ["data.ModelTags.stage", "data.ModelName", "data.ModelVersion"]),
        (FilterFlags(remove_keys=["DATA.MODELNAME"]), ["data.ModelTags.stage"]),
        (FilterFlags(remove_keys=["data.ModelName"], add=["data.ModelName StringIn x"]),
         ["data.ModelTags.stage", "data.ModelName"]),
        (FilterFlags(clear_advanced=True, add=["data.x StringIn y"]), ["data.x"]),
        (FilterFlags(advanced_filters=["data.x StringIn y"]), ["data.x"]),
    ],
    ids=["add", "remove-ignores-case", "remove-then-add", "clear-then-add", "replace"],
)
def test_edits_add_remove_clear_and_replace_advanced_filters(flags, keys):
    assert [f.key for f in edited_filter(CURRENT, flags).filters] == keys


def test_clear_advanced_alone_removes_the_field():
    assert edited_filter(CURRENT, FilterFlags(clear_advanced=True)).advanced_filters is None


def test_clear_subject_empties_both_subject_filters_and_keeps_the_rest():
    edited = edited_filter(CURRENT, FilterFlags(clear_subject=True))
    assert (edited.subject_begins_with, edited.subject_ends_with) == ("", "")
    assert (edited.included_event_types, edited.filters) == (CURRENT.included_event_types, CURRENT.filters)


def test_plain_flags_on_update_keep_the_filters():
    edited = edited_filter(CURRENT, FilterFlags(subject_ends_with=".pkl"))
    assert (edited.subject_begins_with, edited.subject_ends_with) == ("models/churn:", ".pkl")
    assert edited.filters == CURRENT.filters


def test_a_shortcut_on_update_adds_its_filter_to_the_current_list():
    edited = edited_filter(CURRENT, FilterFlags(shortcuts=AmlShortcuts(model_tags=(("team", "ml"),))))
    assert [f.key for f in edited.filters] == ["data.ModelTags.stage", "data.ModelName", "data.ModelTags.team"]


def test_a_shortcut_on_update_replaces_the_current_filter_on_its_key():
    current = new_filter(FilterFlags(shortcuts=AmlShortcuts(run_statuses=("Failed",))))
    edited = edited_filter(current, FilterFlags(shortcuts=AmlShortcuts(run_statuses=("Completed",))))
    assert edited.filters == (AdvancedFilter(Operator.StringIn, "data.runStatus", values=("Completed",)),)


def test_removing_the_key_a_shortcut_sets_is_allowed():
    current = new_filter(FilterFlags(shortcuts=AmlShortcuts(run_statuses=("Failed",))))
    flags = FilterFlags(remove_keys=["data.runStatus"], shortcuts=AmlShortcuts(run_statuses=("Completed",)))
    assert edited_filter(current, flags).filters == (
        AdvancedFilter(Operator.StringIn, "data.runStatus", values=("Completed",)),)


def test_a_shortcut_on_update_sets_its_subject_and_types():
    edited = edited_filter(CURRENT, FilterFlags(shortcuts=AmlShortcuts(model_name="fraud")))
    assert (edited.subject_begins_with, edited.included_event_types) == ("models/fraud:", (NS + "ModelRegistered",))


def test_advanced_filter_with_shortcuts_replaces_the_list_including_the_shortcut_filters():
    flags = FilterFlags(advanced_filters=["data.ModelVersion StringIn 3"],
                        shortcuts=AmlShortcuts(model_tags=(("team", "ml"),)))
    edited = edited_filter(CURRENT, flags)
    assert [f.key for f in edited.filters] == ["data.ModelVersion", "data.ModelTags.team"]


def test_advanced_filter_cannot_be_combined_with_add():
    flags = FilterFlags(advanced_filters=["data.x StringIn y"], add=["data.z StringIn w"])
    with pytest.raises(InvalidInputError, match="replaces the whole list"):
        edited_filter(CURRENT, flags)


def test_removing_a_key_that_is_not_there_names_the_present_keys():
    with pytest.raises(InvalidInputError, match="no advanced filter on key 'data.nope'") as caught:
        edited_filter(CURRENT, FilterFlags(remove_keys=["data.nope"]))
    assert "data.ModelTags.stage, data.ModelName" in caught.value.hint
