"""Every `amlevents ...` command of the shell blocks of the README and of docs/*.md runs verbatim and exits as the
page says.

Every ```bash block is runnable unless the line before it is a ``<!-- not run: why -->`` comment (or the README's
``<!-- test-command -->``, which CI runs); a block that runs no `amlevents` command must say why it is not run.
Each page is played in its own working directory (holding a copy of ``examples/``, as a checkout does) and its own
local state, blocks in page order, as a reader of that page would: files one example writes (`> event.json`) and
subscriptions one creates are there for the next. Commands run in-process (the `run` fixture) with
``AMLEVENTS_LOCAL=1``, the documented equivalent of `--local`, so examples written for a workspace run against the
embedded emulator unchanged; the shell variables they use (`$SUB`, `$HOOK_KEY`, `$API_KEY`) are set as the reader
would set them. A leading ``NAME=value`` sets a variable for that command, `export NAME=value` for the rest of the
page. Pipes feed stdout to the next command's stdin, `>` writes a file, `&&` and `;` chain, other programs (`pip`,
`az`) are not run. The exit code is 0 unless the line's comment says otherwise (`# exit 4: ...`, `# 0: nothing to
do`).
"""

from __future__ import annotations

import pathlib
import re
import shlex
import shutil
from dataclasses import dataclass, field

import pytest
from ids import SUBSCRIPTION_ID

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ENV = {"SUB": SUBSCRIPTION_ID, "HOOK_KEY": "hook-key-1", "API_KEY": "api-key-1"}
NOT_RUN = re.compile(r"<!-- not run: (.+?) -->|<!-- (test-command) -->")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def page_name(path: pathlib.Path) -> str:
    """A page as the tests name it: ``README.md``, ``docs/filters.md``."""
    return path.relative_to(ROOT).as_posix()


@dataclass
class Example:
    """One shell line of a block: its `amlevents` commands as pipelines, and the exit code expected."""

    block: int
    heading: str
    line: str
    pipelines: list[list[list[str]]] = field(default_factory=list)  # [[command words, ...] per `&&` part]
    envs: list[list[dict[str, str]]] = field(default_factory=list)  # NAME=value before each command
    redirects: list[str | None] = field(default_factory=list)
    exports: dict[str, str] = field(default_factory=dict)  # `export NAME=value ...`: for the rest of the page
    exit_code: int = 0


def _blocks(text: str) -> list[tuple[str, str, str | None]]:
    """(heading, text, why it is not run or None) of every ```bash/```sh block of a page."""
    heading, blocks = "", []
    for match in re.finditer(r"^(#{1,4} [^\n]+)$|^```(?:bash|sh)\n(.*?)^```", text, re.M | re.S):
        if match.group(1):
            heading = match.group(1).lstrip("# ")
            continue
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = NOT_RUN.fullmatch(before.strip())
        why = (marker.group(1) or "the README's test command: .ci/run runs it") if marker else None
        blocks.append((heading, match.group(2), why))
    return blocks


def _parse(block: int, heading: str, line: str) -> Example | None:
    """The example on ``line``, or None when it runs no `amlevents` command."""
    expected = re.search(r"\s#\s*(?:exit\s+)?(\d+)\s*:", line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split, lexer.commenters = True, "#"
    words = [re.sub(r"\$\{?(\w+)\}?", lambda m: ENV.get(m.group(1), m.group(0)), w) for w in lexer]
    example = Example(block, heading, line, exit_code=int(expected.group(1)) if expected else 0)
    for part in _split(words, ("&&", ";")):
        if part[:1] == ["export"]:
            example.exports.update(word.split("=", 1) for word in part[1:] if "=" in word)
            continue
        redirect = None
        if ">" in part:
            part, redirect = part[:part.index(">")], part[part.index(">") + 1]
        commands, envs = [], []
        for command in _split(part, ("|",)):
            env = {}
            while command and ASSIGNMENT.match(command[0]):
                name, _, value = command.pop(0).partition("=")
                env[name] = value
            commands.append(command)
            envs.append(env)
        if commands[0][:1] == ["amlevents"]:
            example.pipelines.append(commands)
            example.envs.append(envs)
            example.redirects.append(redirect)
    return example if example.pipelines or example.exports else None


def _split(words: list[str], separators: tuple[str, ...]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for word in words:
        out.append([]) if word in separators else out[-1].append(word)
    return out


def page_blocks(path: pathlib.Path) -> list[tuple[int, str, list[Example] | str]]:
    """Per block of a page: (index, heading, its examples), or (index, heading, why it is not run)."""
    out = []
    for index, (heading, text, why) in enumerate(_blocks(path.read_text(encoding="utf-8"))):
        lines = [line for line in text.replace("\\\n", " ").splitlines() if line.strip()]
        examples = [e for e in (_parse(index, heading, line) for line in lines) if e is not None]
        out.append((index, heading, why if why else examples))
    return out


BLOCKS = [(page_name(path), *block) for path in PAGES for block in page_blocks(path)]


def play(run, example: Example, workdir: pathlib.Path, exported: dict[str, str]) -> tuple[int, str, str]:
    """Run one shell line (its `&&` parts, pipes, ``>``, ``NAME=value`` prefixes) in ``workdir`` with the page's
    ``exported`` variables (which an `export` line adds to); (exit code, stdout of each part's last command,
    stderr of every command)."""
    exported.update(example.exports)
    code, stdout, stderr = 0, "", ""
    for commands, envs, redirect in zip(example.pipelines, example.envs, example.redirects):
        stdin, codes = None, []
        for words, env in zip(commands, envs):  # as `set -o pipefail`: a failing command anywhere in a pipe counts
            with pytest.MonkeyPatch.context() as patch:
                for name, value in {**exported, **env}.items():
                    patch.setenv(name, value)
                result = run(*words[1:], input=stdin)
            stdin, stderr = result.stdout, stderr + result.stderr
            codes.append(result.exit_code)
        code = next((c for c in codes if c), 0)
        if redirect:
            (workdir / redirect).write_text(stdin or "", encoding="utf-8")
        stdout += stdin or ""
        if code != 0:
            break
    return code, stdout, stderr


def reader_home(root: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """A reader's working directory (with a copy of ``examples/``, as in a checkout) and local-state folder."""
    workdir = root / "work"
    shutil.copytree(ROOT / "examples", workdir / "examples",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return workdir, root / "data"


class Reader:
    """One page's reader: one working directory and local state; blocks played once, in page order."""

    def __init__(self, page: str, root: pathlib.Path) -> None:
        self.page = page
        self.workdir, self.data = reader_home(root)
        self.played: dict[int, list[tuple[Example, int, str]]] = {}
        self.exported: dict[str, str] = {}

    def play(self, run, upto: int) -> list[tuple[Example, int, str]]:
        """Play every runnable block of the page up to ``upto`` not played yet (earlier ones set the scene)."""
        for page, index, _heading, examples in BLOCKS:
            if page == self.page and index <= upto and index not in self.played and not isinstance(examples, str):
                self.played[index] = [(e, *play(run, e, self.workdir, self.exported)[::2]) for e in examples]
        return self.played[upto]


@pytest.fixture(scope="module")
def readers(tmp_path_factory) -> dict[str, Reader]:
    return {}


@pytest.fixture
def shell(readers, tmp_path_factory, monkeypatch, request) -> Reader:
    """The reader of this test's page in its environment: its directory, its local state, ``AMLEVENTS_LOCAL=1``."""
    page = request.node.callspec.params["page"]
    if page not in readers:
        readers[page] = Reader(page, tmp_path_factory.mktemp("reader"))
    reader = readers[page]
    monkeypatch.chdir(reader.workdir)
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", str(reader.data))
    monkeypatch.setenv("AMLEVENTS_LOCAL", "1")
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return reader


def test_the_docs_have_many_runnable_examples_and_few_blocks_not_run():
    runnable = [b for b in BLOCKS if not isinstance(b[3], str)]
    not_run = [b for b in BLOCKS if isinstance(b[3], str)]
    assert sum(len(b[3]) for b in runnable) >= 40
    assert len(not_run) <= 12, [f"{b[0]}: {b[3]}" for b in not_run]  # they need Azure, a server, other programs


@pytest.mark.parametrize("page, index, heading, examples", BLOCKS,
                         ids=[f"{b[0]} {b[1]:02d} {b[2]}" for b in BLOCKS])
def test_every_shell_block_runs_or_says_why_not(page, index, heading, examples):
    assert examples, f"{page}: the block under {heading!r} runs no amlevents command: mark it <!-- not run: why -->"


@pytest.mark.parametrize("page, index, heading, examples", BLOCKS,
                         ids=[f"{b[0]} {b[1]:02d} {b[2]}" for b in BLOCKS])
def test_doc_block_runs_verbatim(run, shell, page, index, heading, examples):
    if isinstance(examples, str):
        pytest.skip(examples)
    failures = [f"{example.line.strip()}\n  exit {code}, expected {example.exit_code}: {stderr.strip()[:400]}"
                for example, code, stderr in shell.play(run, index) if code != example.exit_code]
    assert failures == []
