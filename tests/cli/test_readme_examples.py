"""Every `amlevents ...` command of the README's shell blocks runs verbatim and exits as the README says.

The blocks run in README order, in one working directory and one local state, as a reader following the README
would: files one example writes (`> event.json`) and subscriptions one creates are there for the next. Commands
run in-process (the `run` fixture) with ``AMLEVENTS_LOCAL=1``, the README's documented equivalent of `--local`,
so the examples written for a workspace run against the embedded emulator unchanged; the shell variables they
use (`$SUB`, `$HOOK_KEY`, `$API_KEY`) are set as the reader would set them. Pipes feed stdout to the next
command's stdin, `>` writes a file, `&&` chains, other programs (`pip`, `az`) are not run. The exit code is 0
unless the line's comment says otherwise (`# exit 4: ...`, `# 0: nothing to do`).

Blocks not run, and why (the ``SKIPPED`` table): they need Azure itself, a server process or other programs.
"""

from __future__ import annotations

import pathlib
import re
import shlex
from dataclasses import dataclass, field

import pytest
from ids import SUBSCRIPTION_ID

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"
ENV = {"SUB": SUBSCRIPTION_ID, "HOOK_KEY": "hook-key-1", "API_KEY": "api-key-1"}

# A block is skipped when it contains one of these texts: (text, why).
SKIPPED = [
    ("az login   # or a service principal", "Quick start against Azure: a real az login and workspace"),
    ("amlevents export -g ml-prod --all", "export/plan/apply CI example: resource group ml-prod of a real Azure "
                                          "subscription"),
    ("amlevents emulator serve --port 8443 --state", "starts a server that runs until it is stopped"),
    ("until [ -s ready.json ]", "signs in at a running emulator server (needs jq and a background process)"),
    ("az cloud register", "needs the Azure CLI"),
    ("amlevents listen --https", "a receiver that runs until stopped: tests/cli/test_handler_recipe.py runs this "
                                 "block end to end"),
]


@dataclass
class Example:
    """One shell line of a README block: its `amlevents` commands as pipelines, and the exit code expected."""

    block: int
    heading: str
    line: str
    pipelines: list[list[list[str]]] = field(default_factory=list)  # [[command words, ...] per `&&` part]
    redirects: list[str | None] = field(default_factory=list)
    exit_code: int = 0


def _blocks() -> list[tuple[str, str]]:
    """(heading, text) of every ```bash block of the README."""
    heading, blocks, text = "", [], README.read_text(encoding="utf-8")
    for match in re.finditer(r"^(#{2,3} [^\n]+)$|^```(bash|sh)\n(.*?)^```", text, re.M | re.S):
        if match.group(1):
            heading = match.group(1).lstrip("# ")
        else:
            blocks.append((heading, match.group(3)))
    return blocks


def _parse(block: int, heading: str, line: str) -> Example | None:
    """The example on ``line``, or None when it runs no `amlevents` command."""
    expected = re.search(r"\s#\s*(?:exit\s+)?(\d+)\s*:", line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split, lexer.commenters = True, "#"
    words = [re.sub(r"\$\{?(\w+)\}?", lambda m: ENV.get(m.group(1), m.group(0)), w) for w in lexer]
    example = Example(block, heading, line, exit_code=int(expected.group(1)) if expected else 0)
    for part in _split(words, ("&&", ";")):
        redirect = None
        if ">" in part:
            part, redirect = part[:part.index(">")], part[part.index(">") + 1]
        commands = _split(part, ("|",))
        if commands[0][:1] == ["amlevents"]:
            example.pipelines.append(commands)
            example.redirects.append(redirect)
    return example if example.pipelines else None


def _split(words: list[str], separators: tuple[str, ...]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for word in words:
        out.append([]) if word in separators else out[-1].append(word)
    return out


def _examples() -> list[tuple[int, str, list[Example]] | tuple[int, str, str]]:
    """Per README block: (index, heading, its examples) or (index, heading, why it is skipped)."""
    out = []
    for index, (heading, text) in enumerate(_blocks()):
        why = next((reason for marker, reason in SKIPPED if marker in text), None)
        lines = [line for line in text.replace("\\\n", " ").splitlines() if line.strip()]
        examples = [e for e in (_parse(index, heading, line) for line in lines) if e is not None]
        if why:
            out.append((index, heading, why))
        elif examples:
            out.append((index, heading, examples))
    return out


BLOCKS = _examples()


class Reader:
    """The reader's shell: one working directory and local state; blocks played once, in README order."""

    def __init__(self, root: pathlib.Path) -> None:
        self.workdir, self.data = root / "work", root / "data"
        self.workdir.mkdir()
        self.played: dict[int, list[tuple[Example, int, str]]] = {}

    def play(self, run, upto: int) -> list[tuple[Example, int, str]]:
        """Play every runnable block up to ``upto`` not played yet (earlier ones set the scene); its outcomes."""
        for index, _heading, examples in BLOCKS:
            if index <= upto and index not in self.played and not isinstance(examples, str):
                self.played[index] = [self._run(run, e) for e in examples]
        return self.played[upto]

    def _run(self, run, example: Example) -> tuple[Example, int, str]:
        code, stderr = 0, ""
        for commands, redirect in zip(example.pipelines, example.redirects):
            stdin, codes = None, []
            for words in commands:  # as `set -o pipefail`: a failing command anywhere in a pipe counts
                result = run(*words[1:], input=stdin)
                stdin, stderr = result.stdout, stderr + result.stderr
                codes.append(result.exit_code)
            code = next((c for c in codes if c), 0)
            if redirect:
                (self.workdir / redirect).write_text(stdin or "", encoding="utf-8")
            if code != 0:
                break
        return example, code, stderr


@pytest.fixture(scope="module")
def reader(tmp_path_factory) -> Reader:
    return Reader(tmp_path_factory.mktemp("readme-reader"))


@pytest.fixture
def shell(reader, monkeypatch) -> Reader:
    """The reader's environment for this test: its directory, its local state, ``AMLEVENTS_LOCAL=1``."""
    monkeypatch.chdir(reader.workdir)
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", str(reader.data))
    monkeypatch.setenv("AMLEVENTS_LOCAL", "1")
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return reader


def test_the_readme_has_runnable_examples_and_few_skipped_blocks():
    runnable = [b for b in BLOCKS if not isinstance(b[2], str)]
    skipped = [b for b in BLOCKS if isinstance(b[2], str)]
    assert sum(len(b[2]) for b in runnable) >= 20
    assert len(skipped) == len(SKIPPED)  # every skip marker still names a block: a stale entry fails here


@pytest.mark.parametrize("index, heading, examples", BLOCKS, ids=[f"{b[0]:02d} {b[1]}" for b in BLOCKS])
def test_readme_block_runs_verbatim(run, shell, index, heading, examples):
    if isinstance(examples, str):
        pytest.skip(examples)
    failures = [f"{example.line.strip()}\n  exit {code}, expected {example.exit_code}: {stderr.strip()[:400]}"
                for example, code, stderr in shell.play(run, index) if code != example.exit_code]
    assert failures == []
