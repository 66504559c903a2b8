"""Hypothesis strategies for hostile input: structured documents in the shapes the CLI reads, mixed with the raw
texts that broke it once (deep nesting, alias bombs, huge or non-finite numbers, broken quoting)."""

from __future__ import annotations

import json

import yaml
from hypothesis import strategies as st

from amlevents.core.filters.model import Operator

OPERATORS = [op.value for op in Operator]
KEYS = ["data.x", "data.ModelName", "data.ModelTags.area", "subject", "eventType", "data.runStatus", "id", "data"]

# Numbers and words at the edges of what JSON and Python agree on.
EDGE_NUMBERS = st.sampled_from(["1e999", "-1e999", "1" * 4301, "1" * 5001, "0x" + "f" * 50, "NaN", "Infinity",
                                "-0", "1e-999", "2", "-1.5", ".5", "1e3", "01", "+1", "0o17", ".inf", ".nan"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=20))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                           max_leaves=20)


def nested(opening: str, closing: str) -> st.SearchStrategy[str]:
    """Brackets nested around the depth limit and far beyond it."""
    return st.integers(0, 3000).map(lambda n: opening * n + closing * n)


DEEP = st.one_of(nested("[", "]"), nested("{\"a\":", "}").map(lambda t: t.replace("{\"a\":}", "{\"a\":1}")))
RAW_JSON = st.text(alphabet='[]{}",:0123456789.eE-+ NaInfity\\u\n', max_size=60)


def json_text(documents: st.SearchStrategy) -> st.SearchStrategy[str]:
    """JSON text of ``documents``, sometimes with an edge number spliced in, or raw and deep texts."""
    spliced = st.tuples(documents, EDGE_NUMBERS).map(lambda p: json.dumps(p[0]).replace("1", p[1], 1))
    return st.one_of(documents.map(json.dumps), spliced, DEEP, RAW_JSON)


EVENT_FIELDS = ["topic", "subject", "eventType", "eventTime", "id", "data", "dataVersion", "metadataVersion",
                "source", "type", "specversion"]
DATA_FIELDS = ["x", "ModelName", "ModelTags", "runStatus", "modelName", "ModelVersion"]
EVENTS = st.one_of(
    st.dictionaries(st.sampled_from(EVENT_FIELDS), JSON_VALUES, max_size=8)
    .flatmap(lambda e: st.dictionaries(st.sampled_from(DATA_FIELDS), JSON_VALUES, max_size=5)
             .map(lambda d: {**e, "data": d} if "data" not in e else e)),
    JSON_VALUES,
)
EVENT_TEXTS = json_text(st.one_of(EVENTS, st.lists(EVENTS, max_size=3)))

ADVANCED = st.fixed_dictionaries(
    {"operatorType": st.one_of(st.sampled_from(OPERATORS), st.text(max_size=10)), "key": st.sampled_from(KEYS)},
    optional={"value": JSON_VALUES, "values": st.one_of(st.lists(JSON_VALUES, max_size=4), JSON_VALUES)},
)
FILTERS = st.fixed_dictionaries({}, optional={
    "includedEventTypes": st.one_of(st.lists(st.sampled_from(
        ["Microsoft.MachineLearningServices.ModelRegistered", "All", "x"]), max_size=3), JSON_VALUES),
    "subjectBeginsWith": st.one_of(st.text(max_size=10), JSON_VALUES),
    "subjectEndsWith": st.text(max_size=10),
    "isSubjectCaseSensitive": st.one_of(st.booleans(), JSON_VALUES),
    "enableAdvancedFilteringOnArrays": st.booleans(),
    "advancedFilters": st.one_of(st.lists(ADVANCED, max_size=4), JSON_VALUES),
})
FILTER_TEXTS = json_text(st.one_of(FILTERS.map(lambda f: {"filter": f}),
                                   FILTERS.map(lambda f: {"properties": {"filter": f}}), FILTERS, JSON_VALUES))

# --- the advanced-filter grammar -------------------------------------------------------------------------------

GRAMMAR_WORDS = st.one_of(st.sampled_from(OPERATORS + KEYS), EDGE_NUMBERS,
                          st.text(alphabet=" ()',\"0123456789.-eEabcxNnIiFfTtrue\t", max_size=16))
# A whole expression as one string, or the words a shell would pass.
FILTER_EXPRESSIONS = st.one_of(
    st.lists(GRAMMAR_WORDS, min_size=1, max_size=6).map(lambda words: [" ".join(words)]),
    st.lists(GRAMMAR_WORDS, min_size=1, max_size=6),
    nested("(", ")").map(lambda parens: ["data.x", "NumberInRange", parens]),
)

# --- manifests ----------------------------------------------------------------------------------------------------

ENDPOINTS = st.sampled_from(["https://h.example.com/api", "http://x", "", "https://h.example.com/?code=${K}",
                             "not a url"])
SUBSCRIPTION = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(["sub-one", "sub-two", "ab"]), st.text(max_size=12))},
    optional={
        "destination": st.one_of(st.fixed_dictionaries({"endpoint": ENDPOINTS}), JSON_VALUES),
        "eventTypes": st.lists(st.sampled_from(["ModelRegistered", "RunCompleted", "Nope"]), max_size=3),
        "advancedFilters": st.lists(st.one_of(GRAMMAR_WORDS, ADVANCED), max_size=3),
        "labels": JSON_VALUES,
        "retry": st.dictionaries(st.sampled_from(["maxDeliveryAttempts", "eventTimeToLive"]), JSON_VALUES),
    },
)
MANIFESTS = st.fixed_dictionaries({
    "version": st.sampled_from([1, 2, "1"]),
    "workspaces": st.lists(st.fixed_dictionaries(
        {"name": st.sampled_from(["ws", "WS", ""]), "resourceGroup": st.sampled_from(["rg", ""])},
        optional={"subscriptions": st.lists(SUBSCRIPTION, max_size=3)}), max_size=2),
}, optional={"defaults": JSON_VALUES})
YAML_FRAGMENTS = st.sampled_from(["&a ", "*a ", "&b [*a, *a, *a] ", "*b ", "[", "]", "{", "}", "- ", ": ", ", ",
                                  "!!str ", "!!python/object ", "<<: ", "\n", "  ", "version: 1\n", "workspaces:\n",
                                  "'", '"', "1e999", ".inf", "0x" + "f" * 40, "1" * 5001, "${X}", "#", "? ", "|\n",
                                  "\t", "\ufeff", "---\n", "..."])
MANIFEST_TEXTS = st.one_of(
    MANIFESTS.map(lambda m: yaml.safe_dump(m, sort_keys=False)),
    MANIFESTS.map(json.dumps),  # YAML reads JSON too
    st.lists(YAML_FRAGMENTS, max_size=30).map("".join),
    st.tuples(MANIFESTS.map(lambda m: yaml.safe_dump(m, sort_keys=False)), YAML_FRAGMENTS, st.integers(0, 400))
    .map(lambda t: t[0][:t[2]] + t[1] + t[0][t[2]:]),
    nested("[", "]").map(lambda t: "version: 1\nworkspaces: " + t + "\n"),
    st.integers(1, 3000).map(lambda n: "version: 1\nworkspaces:\n  " + "- " * n + "x\n"),
)

# --- --set and option values ----------------------------------------------------------------------------------

SET_KEYS = st.one_of(st.sampled_from(["data.x", "subject", "data.ModelTags.stage", "data", "id", "data.x.y", ""]),
                     st.text(alphabet="abcdXY.", max_size=12), st.integers(0, 300).map(lambda n: ".".join("a" * n)))
SET_VALUES = st.one_of(JSON_VALUES.map(json.dumps), EDGE_NUMBERS, DEEP, RAW_JSON, st.text(max_size=20))
ASSIGNMENTS = st.one_of(st.tuples(SET_KEYS, SET_VALUES).map("=".join), st.text(max_size=20))
OPTION_VALUES = st.one_of(st.text(max_size=30), st.sampled_from(
    ["-", "--", "-o", "json", "ModelRegistered", "true", "false", "[].name", "[", "`", "a" * 600, "*", "\x00",
     "!" * 900 + "a", "a || " * 300 + "b", "(" * 500 + "a" + ")" * 500, "[0]" * 2000, "a" * 5000]))

# --- argv bytes -----------------------------------------------------------------------------------------------

ARGV_WORDS = st.one_of(st.binary(max_size=16).map(lambda b: b.decode("utf-8", "surrogateescape")),
                       st.sampled_from(["-o", "json", "--set", "--schema", "--casing", "--query", "-e", "-"]))
