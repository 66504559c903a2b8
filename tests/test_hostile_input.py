"""Hostile input: every oversized, over-deep or unrepresentable document or argument exits 2 with a message
naming it (never exit 1 "unexpected ... report it"), and every JSON the CLI prints is valid JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from amlevents.core.documents import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_JSON_BYTES,
    MAX_MANIFEST_BYTES,
)

HEAD = "version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n      - name: abc\n"


def alias_bomb(levels: int = 9) -> str:
    """A few hundred bytes of YAML whose aliases expand to 9**levels values."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def strict_json(text: str):
    """``json.loads`` that also refuses NaN/Infinity, which Python alone would accept."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def refused(result, *words: str) -> str:
    """Assert the run exited 2 with an ``Error:`` message holding ``words`` and no traceback; the message."""
    assert result.exit_code == 2, (result.exit_code, result.stderr[-500:])
    assert result.stderr.startswith("Error: ") and "unexpected" not in result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr
    return result.stderr


@pytest.fixture
def event_file(run, tmp_path):
    path = tmp_path / "event.json"
    path.write_text(run.ok("events", "sample", "ModelRegistered", "-o", "json").stdout, encoding="utf-8")
    return str(path)


# --- manifests -------------------------------------------------------------------------------------------------


def test_an_alias_bomb_is_refused_at_the_expansion_limit(run, tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    assert path.stat().st_size < 700
    refused(run("manifest", "validate", "-f", str(path)), "expands to more than 100,000 values", "aliases")


def test_a_few_aliases_still_work(run, tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("version: 1\nworkspaces:\n  - name: ws\n    resourceGroup: rg\n    subscriptions:\n"
                    "      - name: sub-a\n        labels: &shared [x, y]\n"
                    "        destination: {endpoint: https://h.example.com}\n"
                    "      - name: sub-b\n        labels: *shared\n"
                    "        destination: {endpoint: https://h.example.com}\n", encoding="utf-8")
    assert [row["name"] for row in run.json("manifest", "validate", "-f", str(path))] == ["sub-a", "sub-b"]


@pytest.mark.parametrize("text, words", [
    ("version: 1\nworkspaces: " + "[" * 5000 + "]" * 5000 + "\n", ["m.yaml:2:", f"more than {MAX_DEPTH} levels"]),
    ("version: 1\nworkspaces:\n  " + "- " * 5000 + "x\n", ["m.yaml:3:", "more than 100 levels"]),
    (HEAD + "        labels: [" + "1" * 5001 + "]\n", ["m.yaml:6:18", f"more than {MAX_INT_DIGITS} digits"]),
    (HEAD + "        labels: [0x" + "f" * 4000 + "]\n", [f"more than {MAX_INT_DIGITS} digits"]),
    (HEAD + "        labels: [1e999]\n", ["'1e999' is not a finite number"]),
    (HEAD + "        labels: [.nan]\n", ["'.nan' is not a finite number"]),
], ids=["5000-deep flow lists", "5000-deep block lists", "5001-digit int", "huge hex int", "1e999", "nan"])
def test_a_manifest_beyond_a_limit_is_a_located_error(run, tmp_path, text, words):
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    refused(run("manifest", "validate", "-f", str(path)), *words)


def test_a_manifest_over_the_size_limit_is_refused_unread(run, tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("# " + "x" * MAX_MANIFEST_BYTES + "\n", encoding="utf-8")
    refused(run("manifest", "validate", "-f", str(path)), "larger than 1024 KiB")


# --- event and filter JSON -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, ["event", f"more than {MAX_DEPTH} levels"]),
    ('{"data": {"x": ' + "1" * 5001 + "}}", ["5001 digits", f"the limit is {MAX_INT_DIGITS}"]),
    ('{"data": {"x": 1e999}}', ["1e999 is too large"]),
    ('{"data": {"x": NaN}}', ["not valid JSON: NaN is not a JSON value at line 1, column 16"]),
    ('{"data": {"x": "\xff"}}'.encode("latin-1"), ["not UTF-8 text (byte 17)"]),
], ids=["100k-deep", "5001-digit int", "1e999", "NaN", "latin-1 byte"])
def test_an_event_file_beyond_a_limit_exits_2(run, tmp_path, text, words):
    path = tmp_path / "e.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    refused(run("events", "test", "-e", str(path)), *words)


def test_a_deep_event_on_stdin_exits_2(run):
    refused(run("events", "test", "-e", "-", input="[" * 100_000 + "]" * 100_000), "event stdin", "levels deep")


def test_a_deep_filter_file_exits_2(run, tmp_path, event_file):
    path = tmp_path / "f.json"
    path.write_text('{"filter": ' + "{\"a\": " * 100_000 + "1" + "}" * 100_001, encoding="utf-8")
    refused(run("events", "test", "-e", event_file, "--filter", str(path)), "filter", "levels deep")


def test_an_event_file_over_the_size_limit_exits_2(run, tmp_path):
    path = tmp_path / "e.json"
    with open(path, "wb") as handle:
        handle.truncate(MAX_JSON_BYTES + 1)  # sparse: no 16 MiB written
    refused(run("events", "test", "-e", str(path)), "larger than 16 MiB")


def test_brackets_inside_strings_do_not_count_as_depth(run, tmp_path, event_file):
    event = json.loads(open(event_file, encoding="utf-8").read())
    event["data"]["ModelName"] = "[{" * 200
    path = tmp_path / "e.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    assert run.json("events", "test", "-e", str(path))["delivered"] is True


# --- --set values ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment, words", [
    ("data.x=" + "[" * 100_000 + "]" * 100_000, ["--set 'data.x=[[[", f"more than {MAX_DEPTH} levels"]),
    ("data.x=" + "1" * 5001, ["5001 digits"]),
    ("data.x=1e999", ["--set 'data.x=1e999': the number 1e999 is too large"]),
    ("data.x=-1e999", ["-1e999 is too large"]),
    ("." * 200 + "=1", ["levels deep"]),
    ("a" + ".a" * 98 + "=[[1]]", ["levels deep"]),
], ids=["100k-deep", "5001-digit int", "1e999", "-1e999", "200 segments", "path and value too deep"])
def test_a_set_value_beyond_a_limit_exits_2(run, assignment, words):
    refused(run("events", "sample", "ModelRegistered", "--set", assignment, "-o", "json"), *words)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_set_takes_nan_and_infinity_as_strings(run, value):
    data = strict_json(run.ok("events", "sample", "ModelRegistered", "--set", f"data.x={value}", "-o", "json").stdout)
    assert data["data"]["x"] == value


def test_set_at_the_depth_limit_is_accepted(run):
    value = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)  # the event (1) and data (2) hold it
    data = run.json("events", "sample", "ModelRegistered", "--set", f"data.x={value}")
    assert isinstance(data["data"]["x"], list)


# --- the advanced-filter grammar -------------------------------------------------------------------------------


def test_a_huge_advanced_filter_exits_2_without_echoing_it(run, event_file):
    result = run("events", "test", "-e", event_file, "--advanced-filter", "data.x", "StringIn", "a" * 1_000_000)
    assert len(refused(result, "characters long; the limit is 32,768")) < 1000


# --- --query ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query, words", [
    ("!" * 900 + "name", ["--query nests its operators too deeply"]),
    ("a||" * 900 + "a", ["--query nests its operators too deeply"]),
    ("a" * 5000, ["--query is 5,000 characters long; the limit is 4,096"]),
], ids=["900 nots", "900 ors", "5000 characters"])
def test_a_query_beyond_a_limit_exits_2(run, query, words):
    refused(run("events", "list", "--query", query, "-o", "json"), *words)


# --- output: valid JSON, and no crash on text stdout cannot encode --------------------------------------------


def _cli(*args: str, env: dict[str, str] | None = None, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "AMLEVENTS_DEBUG": "", **(env or {})}
    argv = [sys.executable, "-m", "amlevents", *args]
    return subprocess.run(argv, env=env, input=stdin, capture_output=True, timeout=60, check=False)


@pytest.mark.skipif(os.name == "nt", reason="Windows argv is UTF-16, never undecodable bytes")
def test_non_utf8_argv_bytes_exit_2_under_a_strict_utf8_stdout():
    # a real process: argv bytes reach Python as surrogate escapes only through sys.argv
    done = _cli("events", "sample", "ModelRegistered", "--set", b"subject=caf\xe9 \xff", "-o", "json")
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode() == (
        "Error: argument 5 (after --set) is not valid UTF-8 text.\n"
        "Hint: Pass UTF-8 text; check the encoding of the script or terminal that sent it.\n")
    assert done.stdout == b""


def test_a_lone_surrogate_in_a_filter_file_prints_valid_json_under_a_strict_utf8_stdout(tmp_path, event_file):
    path = tmp_path / "f.json"
    path.write_text('{"subjectBeginsWith": "\\udcff"}', encoding="utf-8")  # a JSON escape, not a UTF-8 byte
    done = _cli("events", "test", "-e", event_file, "--filter", str(path), "-o", "json")
    assert done.returncode == 0, done.stderr
    assert strict_json(done.stdout.decode("utf-8"))["filter"] == {"subjectBeginsWith": "\udcff"}


def test_a_lone_surrogate_escape_prints_valid_json_under_a_strict_utf8_stdout():
    done = _cli("events", "sample", "ModelRegistered", "--set", 'subject="\\udcff"', "-o", "json")
    assert done.returncode == 0, done.stderr
    assert strict_json(done.stdout.decode("utf-8"))["subject"] == "\udcff"
