"""Golden outputs: the README examples and a fixed set of representative commands print exactly what they printed.

A refactoring that means to change no behaviour (moving modules, splitting files) must leave every byte a user sees
unchanged. Each *sequence* below is a list of commands run in order in one working directory and one local state
(``AMLEVENTS_LOCAL=1``, the embedded emulator, in-process like the ``run`` fixture); for every command we record the
argv, the exit code, stdout and stderr, and compare them with ``tests/cli/golden/readme_outputs.json``:

* one sequence per page, named for it (``README.md``, ``docs/filters.md`` ...): every `amlevents` example of the
  page's runnable shell blocks, in page order, parsed and played as ``test_readme_examples`` plays them (pipes feed
  stdin, ``>`` writes a file, ``&&`` chains), in a working directory of its own as that test gives each page;
* the others: each command group with each output format (json, yaml, tsv, table, none) and a few error cases.

One test per sequence, so xdist never splits a sequence that builds on its own state. Output formats are given
explicitly where it matters; without ``-o`` the runner is not a terminal, so the default is json, as when piped.

Only what varies from run to run is normalized (``normalize``): the test's temporary directory (``<TMP>``), instants
within two days of the run (``systemData`` timestamps: ``<NOW>``), apply's durations (``<SECONDS>``) and random
version-4 UUIDs (a system topic's name suffix: ``<UUID-1>``, ``<UUID-2>`` ... by first appearance in the sequence).
Fixed UUIDs and timestamps (the seeded ids, the sample events' ids and times) are compared verbatim.

Regenerate the golden file after an intended change of output (then review its diff like code):

    AMLEVENTS_UPDATE_GOLDEN=1 python -m pytest tests/cli/test_readme_outputs.py -n 0
"""

from __future__ import annotations

import difflib
import json
import os
import pathlib
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cli.test_readme_examples import BLOCKS, ENV, Example, _parse, play, reader_home

GOLDEN = pathlib.Path(__file__).parent / "golden" / "readme_outputs.json"
UPDATE = os.environ.get("AMLEVENTS_UPDATE_GOLDEN") == "1"

# --- what varies from run to run ---
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
NEAR_NOW = timedelta(days=2)  # an instant this close to the run's clock was made by the run; others are fixed data
# A random (version 4) UUID, such as a system topic's name suffix; the seeded ids (00000000-..., 11111111-1111-4111-
# 8111-111111111111) repeat one digit per group and stay, as do the sample events' fixed ids (not version 4).
RANDOM_UUID = re.compile(r"\b(?!(\w)\1{7}-\1{4}-)[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b")
SECONDS = re.compile(r"(\bseconds[\"']?: )\d+(?:\.\d+)?|\(\d+\.\d+ s\)")  # apply's "seconds": 0.06, "(0.1 s)"


def normalize(text: str, tmp: pathlib.Path, uuids: dict[str, str]) -> str:
    """``text`` with what varies from run to run replaced: the test's temporary directory (``<TMP>``), instants
    near now (``<NOW>``), durations (``<SECONDS>``) and random UUIDs (``<UUID-n>``, numbered by first appearance in
    ``uuids``, so that one id seen twice still reads the same twice)."""
    now = datetime.now(timezone.utc)

    def instant(match: re.Match[str]) -> str:
        stamp = re.sub(r"(\.\d{6})\d+", r"\1", match.group(0).replace("Z", "+00:00"))  # Python takes 6 digits
        parsed = datetime.fromisoformat(stamp)
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        return "<NOW>" if abs(parsed - now) < NEAR_NOW else match.group(0)

    text = ISO_INSTANT.sub(instant, text.replace(str(tmp), "<TMP>"))
    text = SECONDS.sub(lambda m: f"{m.group(1)}<SECONDS>" if m.group(1) else "(<SECONDS> s)", text)
    return RANDOM_UUID.sub(lambda m: uuids.setdefault(m.group(0), f"<UUID-{len(uuids) + 1}>"), text)


# --- the fixed sequences: files every sequence's working directory starts with, then its commands ---
DEST = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dest/providers"
MANIFEST = f"""\
version: 1
defaults:
  labels: [managed]
workspaces:
  - name: local-workspace
    subscriptions:
      - name: hook
        eventTypes: [ModelRegistered]
        destination: {{endpoint: "https://hooks.example.com/api/aml?code=${{HOOK_KEY}}"}}
        retry: {{maxDeliveryAttempts: 10}}
      - name: queue
        advancedFilters: ["data.ModelTags.stage StringIn production staging"]
        destination:
          endpointType: servicebusqueue
          endpoint: {DEST}/Microsoft.ServiceBus/namespaces/ns/queues/q
"""
FILES = {
    "manifest.yaml": MANIFEST,
    "changed.yaml": MANIFEST.replace("maxDeliveryAttempts: 10", "maxDeliveryAttempts: 20"),
    "bad-manifest.yaml": ("version: 1\nworkspaces:\n  - name: local-workspace\n    subscriptions:\n"
                          "      - name: bad-filter\n        advancedFilters: ['data.a StringIn']\n"
                          "        destination: {}\n"),
}
EVENT = "amlevents events sample ModelRegistered --set data.ModelTags.stage=production > event.json"
FORMATS = ("json", "yaml", "tsv", "table", "none")
CREATE = ("amlevents subscription create churn --endpoint 'https://example.com/hook?code=s3cret' --model-name churn "
          "--advanced-filter data.ModelTags.stage StringIn production --labels team-a")

SEQUENCES: dict[str, list[str]] = {
    "events": [
        *[f"amlevents events list -o {f}" for f in FORMATS],
        "amlevents events list -o json --query '[].eventType'",
        *[f"amlevents events sample ModelRegistered -o {f}" for f in FORMATS],
        "amlevents events sample RunStatusChanged --set data.runStatus=Failed",
        "amlevents events sample ModelDeployed --schema cloudevents --casing live",
        "amlevents events sample NoSuchEvent",
        EVENT,
        *[f"amlevents events test -e event.json --event-type ModelRegistered "
          f"--advanced-filter data.ModelTags.stage StringIn production -o {f}" for f in FORMATS],
        "amlevents events test -e event.json --event-type ModelDeployed --check -o json",
        "amlevents events test -e event.json --subject-begins-with models/ --subject-ends-with :20 -o table",
        "amlevents events test -e event.json --advanced-filter 'data.ModelTags.stage StringIn (production' -o json",
        "amlevents events test -e event.json --advanced-filter data.x NoSuchOperator 1",
        "amlevents events test -e missing.json --event-type ModelRegistered",
    ],
    "subscription": [
        CREATE + " -o json",
        CREATE,  # exists already
        *[f"amlevents subscription show churn -o {f}" for f in FORMATS],
        *[f"amlevents subscription list -o {f}" for f in FORMATS],
        "amlevents subscription list --query \"[].name\" -o tsv",
        "amlevents subscription update churn --max-delivery-attempts 10 --event-ttl 120 -o yaml",
        "amlevents subscription update churn --max-delivery-attempts 10 --event-ttl 120 -o table",  # no change
        ("amlevents subscription update churn --add-advanced-filter data.ModelTags.team StringIn risk --clear-labels "
         "-o tsv"),
        EVENT,
        "amlevents events test -e event.json --subscription churn -o json",
        ("amlevents subscription create to-hub --system-topic --delivery-identity systemassigned "
         f"--endpoint-type eventhub --endpoint {DEST}/Microsoft.EventHub/namespaces/ns/eventhubs/h -o none"),
        "amlevents subscription list -o table",
        "amlevents subscription show to-hub --system-topic -o json",
        "amlevents subscription delete churn --yes",
        "amlevents subscription show churn -o json",
        "amlevents subscription delete churn --yes",
        "amlevents subscription delete churn --yes --if-exists",
        "amlevents subscription update nope --max-delivery-attempts 3",
    ],
    "desired-state": [
        "amlevents manifest validate -f manifest.yaml",
        *[f"amlevents manifest validate -f manifest.yaml -o {f}" for f in FORMATS],
        "amlevents manifest validate -f bad-manifest.yaml",
        "amlevents manifest validate -f missing.yaml",
        "amlevents manifest schema -o yaml",
        *[f"amlevents plan -f manifest.yaml -o {f}" for f in FORMATS],
        "amlevents apply -f manifest.yaml --yes -o json",
        "amlevents plan -f manifest.yaml --detailed-exitcode -o table",
        "amlevents plan -f changed.yaml --detailed-exitcode -o json",
        "amlevents apply -f changed.yaml --yes -o table",
        "amlevents export -w local-workspace",
        "amlevents export -w local-workspace --out exported.yaml",
        "amlevents plan -f exported.yaml --detailed-exitcode -o yaml",
        "amlevents plan -f bad-manifest.yaml",
        "amlevents apply -f manifest.yaml --prune --yes -o tsv",
        "amlevents export -w no-such-workspace",
    ],
    "access": [
        *[f"amlevents access check -o {f}" for f in FORMATS],
        "amlevents access check --operation delete -o json",
        "amlevents access check --operation nonsense",
    ],
    "errors": [  # refused before any request: options, names, filters
        "amlevents subscription create bad-value --endpoint --model-name churn",
        "amlevents subscription create insecure --endpoint http://insecure.example.com/hook",
        "amlevents subscription create bad-number --endpoint https://example.com/h --advanced-filter data.a NumberIn x",
        "amlevents subscription show",
        "amlevents subscription create x --endpoint https://example.com/h",
        "amlevents",
        "amlevents no-such-command",
        "amlevents events list -o xml",
        "amlevents events",
    ],
}


# --- running ---
class Shell:
    """One working directory and one local state; commands run in-process with ``AMLEVENTS_LOCAL=1``."""

    def __init__(self, run: Any, tmp: pathlib.Path) -> None:
        self.run, self.tmp, self.uuids, self.exported = run, tmp, {}, {}

    def play(self, example: Example) -> dict[str, Any]:
        """Run one shell line (its `&&` parts, pipes, ``>``) as ``test_readme_examples`` does; the outcome."""
        code, stdout, stderr = play(self.run, example, pathlib.Path.cwd(), self.exported)
        return {"argv": example.line.strip(), "exit_code": code,
                "stdout": normalize(stdout, self.tmp, self.uuids), "stderr": normalize(stderr, self.tmp, self.uuids)}


@pytest.fixture
def reader(run, tmp_path, monkeypatch) -> Shell:
    """A page's reader as ``test_readme_examples`` makes one: a directory holding ``examples/``, its own state."""
    workdir, data = reader_home(tmp_path)
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", str(data))
    monkeypatch.setenv("AMLEVENTS_LOCAL", "1")
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return Shell(run, tmp_path)


@pytest.fixture
def shell(reader) -> Shell:
    """A reader's shell with the sequences' files."""
    for name, text in FILES.items():
        pathlib.Path(name).write_text(text, encoding="utf-8")
    return reader


def _examples(lines: list[str]) -> list[Example]:
    return [_parse(0, "", line) for line in lines]


DOC_PAGES = list(dict.fromkeys(page for page, *_ in BLOCKS))


def _page_examples(page: str) -> list[Example]:
    return [e for name, _index, _heading, examples in BLOCKS if name == page and not isinstance(examples, str)
            for e in examples]


# --- comparing ---
def _golden() -> dict[str, list[dict[str, Any]]]:
    return json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}


def _write(golden: dict[str, list[dict[str, Any]]]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail("regenerate in one process (-n 0): workers would overwrite each other's outputs")
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _render(case: dict[str, Any] | None) -> list[str]:
    if case is None:
        return ["(no such case)"]
    return [f"$ {case['argv']}", f"exit {case['exit_code']}", "--- stdout", *case["stdout"].splitlines(),
            "--- stderr", *case["stderr"].splitlines()]


def check(name: str, outcomes: list[dict[str, Any]]) -> None:
    """Compare a sequence's outcomes with the golden file (or record them under AMLEVENTS_UPDATE_GOLDEN=1)."""
    golden = _golden()
    if UPDATE:
        _write({**golden, name: outcomes})
        return
    expected = golden.get(name)
    assert expected is not None, f"no golden outputs for {name!r}: regenerate (see the module docstring)"
    diffs = []
    for step in range(max(len(expected), len(outcomes))):
        want = expected[step] if step < len(expected) else None
        got = outcomes[step] if step < len(outcomes) else None
        if want != got:
            diff = "\n".join(difflib.unified_diff(_render(want), _render(got), f"golden {name}[{step}]",
                                                 f"actual {name}[{step}]", lineterm=""))
            diffs.append(diff or f"{name}[{step}] differs only at line ends:\n  golden {want!r}\n  actual {got!r}")
    if diffs:
        pytest.fail(f"{len(diffs)} of {len(outcomes)} outputs of {name!r} changed (golden file: {GOLDEN.name}):\n\n"
                    + "\n\n".join(diffs), pytrace=False)


@pytest.mark.parametrize("page", [p for p in DOC_PAGES if _page_examples(p)])
def test_doc_examples_print_their_golden_outputs(reader, page):
    check(page, [reader.play(example) for example in _page_examples(page)])


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_commands_print_their_golden_outputs(shell, monkeypatch, name):
    monkeypatch.setenv("AMLEVENTS_HOOK_CODE", "hook-key-1")  # the variable `export` names for the webhook's ?code=
    check(name, [shell.play(example) for example in _examples(SEQUENCES[name])])


def test_the_golden_file_names_exactly_the_sequences():
    names = [*(p for p in DOC_PAGES if _page_examples(p)), *SEQUENCES]
    if UPDATE and GOLDEN.exists():  # drop the outputs of sequences that no longer exist
        _write({name: outcomes for name, outcomes in _golden().items() if name in names})
    assert sorted(_golden()) == sorted(names)
