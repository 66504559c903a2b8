"""`amlevents events list|sample|test` end to end, in-process."""

from __future__ import annotations

import json

import pytest

FULL = "Microsoft.MachineLearningServices."


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_list_json_has_the_five_event_types(run):
    data = run.json("events", "list")
    assert [d["eventType"] for d in data] == [
        FULL + n for n in ("ModelRegistered", "ModelDeployed", "RunCompleted", "DatasetDriftDetected", "RunStatusChanged")
    ]
    assert {"eventType", "name", "subjectFormat"} <= set(data[0])
    assert data[0]["subjectFormat"] == "models/{modelName}:{modelVersion}"


def test_list_table_names_every_type(run):
    result = run("events", "list", "-o", "table")
    assert result.exit_code == 0
    for name in ("ModelRegistered", "ModelDeployed", "RunCompleted", "DatasetDriftDetected", "RunStatusChanged"):
        assert name in result.stdout


def test_list_yaml_and_query(run):
    result = run("events", "list", "-o", "yaml", "--query", "[].name")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "- ModelRegistered"


def test_list_tsv_is_one_line_per_type(run):
    result = run("events", "list", "-o", "tsv")
    assert len(result.stdout.splitlines()) == 5
    assert result.stdout.splitlines()[0].split("\t")[0] == "ModelRegistered"


def test_bad_query_exits_2(run):
    result = run("events", "list", "-o", "json", "--query", "[?")
    assert result.exit_code == 2
    assert "not a valid JMESPath expression" in result.stderr


def test_sample_overrides_fields(run):
    result = run("events", "sample", "ModelRegistered", "--set", "data.ModelName=churn", "--set", "subject=models/churn:3")
    event = json.loads(result.stdout)
    assert event["data"]["ModelName"] == "churn"
    assert event["subject"] == "models/churn:3"
    assert event["eventType"] == FULL + "ModelRegistered"


def test_sample_cloudevents_schema(run):
    event = json.loads(run("events", "sample", "runcompleted", "--schema", "cloudevents").stdout)
    assert event["specversion"] == "1.0"
    assert event["type"] == FULL + "RunCompleted"


def test_sample_unknown_type_exits_2(run):
    result = run("events", "sample", "ModelRegistred")
    assert result.exit_code == 2
    assert "ModelRegistered" in result.stderr  # suggestion
    assert "Traceback" not in result.stderr


def sample_file(run, tmp_path, *sets, type_="ModelRegistered"):
    args = ["events", "sample", type_]
    for s in sets:
        args += ["--set", s]
    return write(tmp_path, "event.json", run(*args).stdout)


def test_test_delivered_json_shape(run, tmp_path):
    event = sample_file(run, tmp_path)
    data = run.json("events", "test", "--event", event, "--event-type", "ModelRegistered",
                    "--subject-begins-with", "models/sklearn_regression_model:",
                    "--advanced-filter", "data.ModelTags.area", "StringIn", "diabetes", "cancer")
    assert data["delivered"] is True
    assert data["filter"] == {
        "includedEventTypes": [FULL + "ModelRegistered"],
        "subjectBeginsWith": "models/sklearn_regression_model:",
        "advancedFilters": [{"operatorType": "StringIn", "key": "data.ModelTags.area", "values": ["diabetes", "cancer"]}],
    }
    assert [c["passed"] for c in data["checks"]] == [True, True, True]
    assert {"check", "passed", "reason"} == set(data["checks"][0])


def test_test_not_delivered_exits_0_without_check_and_1_with_check(run, tmp_path):
    event = sample_file(run, tmp_path)
    args = ["events", "test", "-e", event, "--advanced-filter", "data.ModelTags.area StringIn ('oncology')"]
    assert run(*args, "-o", "json").exit_code == 0
    assert json.loads(run(*args, "-o", "json").stdout)["delivered"] is False
    assert run(*args, "-o", "json", "--check").exit_code == 1


def test_test_reads_event_from_stdin(run, tmp_path):
    event = run("events", "sample", "RunStatusChanged", "--set", "data.runStatus=Completed").stdout
    data = run.json("events", "test", "-e", "-", "--advanced-filter", "data.runStatus", "StringIn", "completed", input=event)
    assert data["delivered"] is True


def test_test_array_of_events_gives_array_of_verdicts(run, tmp_path):
    one = json.loads(run("events", "sample", "ModelRegistered").stdout)
    two = json.loads(run("events", "sample", "ModelDeployed").stdout)
    path = write(tmp_path, "events.json", [one, two])
    data = run.json("events", "test", "-e", path, "--event-type", "ModelDeployed")
    assert [d["delivered"] for d in data] == [False, True]


def test_test_filter_file_with_subscription_resource(run, tmp_path):
    event = sample_file(run, tmp_path, "data.ModelVersion=3")
    sub = {"name": "s", "properties": {"filter": {"advancedFilters": [
        {"operatorType": "NumberGreaterThanOrEquals", "key": "data.ModelVersion", "value": 3}]}}}
    data = run.json("events", "test", "-e", event, "--filter", write(tmp_path, "sub.json", sub))
    assert data["delivered"] is True
    assert data["filter"]["advancedFilters"][0]["value"] == 3


def test_test_flags_override_filter_file_fields(run, tmp_path):
    event = sample_file(run, tmp_path)
    flt = write(tmp_path, "f.json", {"subjectBeginsWith": "models/other:", "subjectEndsWith": ":20"})
    data = run.json("events", "test", "-e", event, "--filter", flt, "--subject-begins-with", "models/")
    assert data["filter"] == {"subjectBeginsWith": "models/", "subjectEndsWith": ":20"}
    assert data["delivered"] is True


def test_test_shortcut_replaces_the_filter_file_filter_on_its_key(run, tmp_path):
    event = sample_file(run, tmp_path)  # ModelTags.area is diabetes, version 20
    version = {"operatorType": "NumberGreaterThanOrEquals", "key": "data.ModelVersion", "value": 3}
    flt = write(tmp_path, "f.json", {"advancedFilters": [
        {"operatorType": "StringIn", "key": "data.ModelTags.area", "values": ["oncology"]}, version]})
    data = run.json("events", "test", "-e", event, "--filter", flt, "--model-tag", "area=diabetes")
    assert data["filter"]["advancedFilters"] == [
        version, {"operatorType": "StringIn", "key": "data.ModelTags.area", "values": ["diabetes"]}]
    assert data["delivered"] is True


def test_test_event_type_takes_several_words(run, tmp_path):
    data = run.json("events", "test", "-e", sample_file(run, tmp_path), "--event-type", "ModelDeployed",
                    "ModelRegistered")
    assert data["filter"]["includedEventTypes"] == [FULL + "ModelDeployed", FULL + "ModelRegistered"]
    assert data["delivered"] is True


def test_test_table_explains_each_check(run, tmp_path):
    event = sample_file(run, tmp_path)
    result = run("events", "test", "-e", event, "-o", "table", "--event-type", "ModelDeployed")
    assert result.exit_code == 0
    assert "NOT DELIVERED" in result.stdout
    assert "FAIL" in result.stdout


def test_lint_warnings_go_to_stderr_and_do_not_block(run, tmp_path):
    event = sample_file(run, tmp_path)
    result = run("events", "test", "-e", event, "-o", "json", "--subject-begins-with", "/models/")
    assert result.exit_code == 0
    assert "Warning:" in result.stderr and "/" in result.stderr
    assert json.loads(result.stdout)["delivered"] is False


BAD_FILTERS = [
    (["data.x", "NumberEq", "5"], "unknown operator"),
    (["data.x", "BoolEquals", "maybe"], "maybe"),
    (["data.x", "NumberIn", "abc"], "abc"),
    (["data.x", "NumberInRange", "5"], "5"),
    (["data.x", "NumberInRange", "10,1"], "10,1"),
    (["data.x", "IsNotNull", "1"], "IsNotNull"),
]


@pytest.mark.parametrize("tokens, needle", BAD_FILTERS)
def test_bad_advanced_filter_exits_2_with_caret(run, tmp_path, tokens, needle):
    event = sample_file(run, tmp_path)
    result = run("events", "test", "-e", event, "--advanced-filter", *tokens)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "^" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_26_filters_exit_2_naming_the_limit(run, tmp_path):
    event = sample_file(run, tmp_path)
    args = []
    for i in range(26):
        args += ["--advanced-filter", f"data.k{i} IsNotNull"]
    result = run("events", "test", "-e", event, *args)
    assert result.exit_code == 2
    assert "25" in result.stderr and "advanced filters" in result.stderr


def test_26_values_exit_2_naming_the_limit(run, tmp_path):
    event = sample_file(run, tmp_path)
    result = run("events", "test", "-e", event, "--advanced-filter", "data.k", "StringIn", *[f"v{i}" for i in range(26)])
    assert result.exit_code == 2
    assert "25" in result.stderr and "values" in result.stderr


def test_513_character_value_exits_2(run, tmp_path):
    event = sample_file(run, tmp_path)
    result = run("events", "test", "-e", event, "--advanced-filter", "data.k", "StringIn", "x" * 513)
    assert result.exit_code == 2
    assert "512" in result.stderr


def test_malformed_event_json_exits_2_with_location(run, tmp_path):
    path = write(tmp_path, "bad.json", '{"eventType": "x",\n  "subject": }')
    result = run("events", "test", "-e", path)
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_event_file_exits_2(run):
    result = run("events", "test", "-e", "nope.json")
    assert result.exit_code == 2
    assert "nope.json" in result.stderr and "not found" in result.stderr


def test_object_that_is_not_an_event_exits_2(run, tmp_path):
    result = run("events", "test", "-e", write(tmp_path, "e.json", {"hello": 1}))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_unknown_event_type_flag_exits_2(run, tmp_path):
    event = sample_file(run, tmp_path)
    result = run("events", "test", "-e", event, "--event-type", "BlobCreated")
    assert result.exit_code == 2
    assert "BlobCreated" in result.stderr


def test_bad_filter_file_field_exits_2(run, tmp_path):
    event = sample_file(run, tmp_path)
    result = run("events", "test", "-e", event, "--filter", write(tmp_path, "f.json", {"subjectBeginWith": "x"}))
    assert result.exit_code == 2
    assert "subjectBeginWith" in result.stderr
