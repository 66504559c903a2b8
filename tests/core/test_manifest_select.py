"""Selector entries of a manifest (``select:``), their matching, and the parts of a fleet a run covers."""

from __future__ import annotations

import pytest

from amlevents.core.errors import InvalidInputError
from amlevents.core.manifest.model import ManifestError
from amlevents.core.manifest.read import parse_manifest
from amlevents.core.manifest.select import (
    Selector,
    discovery_subscriptions,
    match_selectors,
    parse_run_filter,
    parse_shard,
    shard_of,
)

SUB = "f1ee7000-0000-4000-8000-000000000001"
ROW = {"id": f"/subscriptions/{SUB}/resourceGroups/ML-Prod/providers/Microsoft.MachineLearningServices/workspaces/"
             "Churn-PROD", "name": "Churn-PROD", "resourceGroup": "ML-Prod", "subscriptionId": SUB,
       "location": "westeurope", "tags": {"Env": "Prod", "team": "data"}}
SUBS = "      - name: hook\n        destination: {endpoint: https://h.example.com/x}\n"


def load(select: str, subs: str = SUBS):
    return parse_manifest(f"version: 1\nworkspaces:\n  - select: {select}\n    subscriptions:\n{subs}",
                          source="fleet.yaml")


@pytest.mark.parametrize(("select", "selected"), [
    ({}, True),
    ({"subscriptions": [SUB.upper()]}, True),
    ({"subscriptions": ["00000000-0000-0000-0000-000000000000"]}, False),
    ({"resourceGroups": ["ml-*"]}, True),
    ({"resourceGroups": ["ops", "ml-?rod"]}, True),
    ({"resourceGroups": ["ml"]}, False),
    ({"names": ["*-prod"]}, True),
    ({"names": ["*-dev"]}, False),
    ({"locations": ["West Europe"]}, True),
    ({"locations": ["eastus"]}, False),
    ({"tags": {"env": "prod"}}, True),
    ({"tags": {"env": "p*", "TEAM": "data"}}, True),
    ({"tags": {"env": "dev"}}, False),
    ({"tags": {"owner": "*"}}, False),
    ({"names": ["*-prod"], "locations": ["eastus"]}, False),
])
def test_selector_matches_each_key_case_insensitively(select, selected):
    assert Selector.from_manifest(select).matches(ROW) is selected


def test_manifest_entry_reads_its_selector():
    manifest = load("{resourceGroups: [ml-*], tags: {env: prod}}")
    (spec,) = manifest.workspaces
    assert spec.selector == Selector(resource_groups=("ml-*",), tags=(("env", "prod"),))
    assert [d.name for d in spec.subscriptions] == ["hook"]


@pytest.mark.parametrize(("select", "where", "text"), [
    ("{subscriptions: [nope]}", "3:30", "is not"),
    ("{names: []}", "3:21", "must not be empty"),
    ("{nmes: [x]}", "3:14", "Did you mean 'names'"),
    ("{subscriptions: all}", "3:29", "\"all\" is not valid for Azure subscriptions"),
])
def test_bad_selector_is_reported_at_its_position(select, where, text):
    with pytest.raises(ManifestError) as caught:
        load(select)
    assert caught.value.message.startswith(f"fleet.yaml:{where}:")
    assert text in caught.value.message + (caught.value.hint or "")


def test_select_and_id_together_is_an_error_at_the_key():
    text = ("version: 1\nworkspaces:\n  - select: {}\n    id: /subscriptions/x\n    subscriptions: []\n")
    with pytest.raises(ManifestError, match=r"fleet.yaml:4:5: workspaces\[0\].id: 'id' cannot be combined"):
        parse_manifest(text, source="fleet.yaml")


def test_named_workspace_is_left_to_its_entry():
    found = match_selectors([(Selector(), "a", (3, 5))], [ROW], [ROW["id"].upper()], source="f.yaml")
    assert found == []


def test_conflicting_selectors_name_both_positions():
    entries = [(Selector(names=("*-prod",)), "a", (3, 5)), (Selector(tags=(("env", "prod"),)), "b", (9, 5))]
    with pytest.raises(InvalidInputError, match=r"f.yaml:3:5 and f.yaml:9:5 both select workspace 'Churn-PROD'"):
        match_selectors(entries, [ROW], [], source="f.yaml")


def test_equal_blocks_may_overlap_and_the_first_entry_governs():
    entries = [(Selector(names=("x",)), "a", (3, 5)), (Selector(), "a", (6, 5)), (Selector(), "a", (9, 5))]
    (found,) = match_selectors(entries, [ROW], [], source="f.yaml")
    assert found.entry == 1


@pytest.mark.parametrize(("selectors", "expected"), [
    ([Selector(subscriptions=("A",)), Selector(subscriptions=("a", "B"))], ("a", "B")),
    ([Selector(subscriptions=("A",)), Selector()], None),
])
def test_discovery_covers_the_union_of_subscriptions(selectors, expected):
    assert discovery_subscriptions(selectors) == expected


IDS = [f"/subscriptions/{SUB}/resourceGroups/rg-{i % 7}/providers/Microsoft.MachineLearningServices/workspaces/"
       f"ws-{i}" for i in range(200)]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_shards_are_disjoint_and_cover(count):
    shards = [{i for i in IDS if parse_run_filter([], f"{n}/{count}").keeps({"id": i})}
              for n in range(1, count + 1)]
    assert set().union(*shards) == set(IDS)
    assert sum(map(len, shards)) == len(IDS)


def test_shard_ignores_case_and_is_stable():
    assert shard_of(IDS[0].upper(), 4) == shard_of(IDS[0], 4) == shard_of(IDS[0], 4)
    assert {shard_of(i, 4) for i in IDS} == {1, 2, 3, 4}


@pytest.mark.parametrize("text", ["0/4", "5/4", "1/0", "a/b", "3", "", "1/2/3", "-1/2"])
def test_bad_shard_is_invalid_input(text):
    with pytest.raises(InvalidInputError, match="--shard"):
        parse_shard(text)


@pytest.mark.parametrize(("terms", "kept"), [
    (["name=churn-*"], True),
    (["resourceGroup=ml-prod", "subscription=" + SUB], True),
    (["location=West Europe"], True),
    (["tag:env=PROD"], True),
    (["tag:env=dev"], False),
    (["tag:owner=*"], False),
    (["name=*-dev"], False),
])
def test_select_terms_all_must_match(terms, kept):
    assert parse_run_filter(terms, None).keeps(ROW) is kept


@pytest.mark.parametrize("value", ["name", "colour=red", "tag:=x", "name="])
def test_bad_select_is_invalid_input(value):
    with pytest.raises(InvalidInputError, match="--select"):
        parse_run_filter([value], None)
