"""The docs are part of the product: the reference pages are generated from the code and current, every command,
option, exit code and environment variable is documented, and the README stays a front page."""

from __future__ import annotations

import pathlib
import re

import pytest
import typer

from amlevents.cli import docgen
from amlevents.cli.app import app
from amlevents.core.environment import VARIABLES
from amlevents.core.errors import ExitCode

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = docgen.pages()


def leaf_commands():
    """(path, click command) for every runnable command of the tree."""
    root = typer.main.get_command(app)
    found = []

    def walk(cmd, path):
        if hasattr(cmd, "list_commands"):  # a group (the root loads its sub-apps lazily)
            ctx = typer.Context(cmd)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*path, name])
        else:
            found.append((" ".join(path), cmd))

    walk(root, [])
    return found


COMMANDS = leaf_commands()
REFERENCE = PAGES["reference.md"]


def test_the_tree_has_commands():
    assert len(COMMANDS) >= 3


@pytest.mark.parametrize("name", list(PAGES))
def test_generated_page_is_current(name):
    committed = DOCS / name
    current = committed.read_text(encoding="utf-8") if committed.exists() else None
    assert current == PAGES[name], f"docs/{name} is stale: regenerate it with `{docgen.COMMAND}`"


def test_the_generator_is_deterministic():
    assert docgen.pages() == PAGES


@pytest.mark.parametrize("path, cmd", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, cmd):
    assert cmd.help and len(cmd.help.strip()) > 20, path
    assert "Example" in cmd.help, f"{path}: the docstring should carry an example"


@pytest.mark.parametrize("path, cmd", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_and_long_option_is_in_the_reference(path, cmd):
    assert f"`amlevents {path}`" in REFERENCE
    missing = [opt for param in cmd.params for opt in [*getattr(param, "opts", []), *param.secondary_opts]
               if opt.startswith("--") and opt != "--help" and f"`{opt}`" not in REFERENCE]
    assert missing == [], f"{path}: {missing}"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_every_command_has_a_line_in_the_readme_overview(path):
    assert re.search(rf"^\| `amlevents {path}` \| \w", README, re.M)


def test_the_readme_is_a_front_page():
    assert len(README.splitlines()) <= 200
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)", README))
    assert {p.name for p in DOCS.glob("*.md")} <= linked


def _anchors(page: pathlib.Path) -> set[str]:
    """The heading anchors of a page, as GitHub makes them."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_docs_link_points_at_a_file_and_heading():
    broken = []
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target, anchor in re.findall(r"\]\(([^)#:]*)(?:#([^)]*))?\)", page.read_text(encoding="utf-8")):
            linked = page.parent / target if target else page
            if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in _anchors(linked)):
                broken.append(f"{page.name}: {target}#{anchor}")
    assert broken == []


@pytest.mark.parametrize("code", list(ExitCode), ids=[c.name for c in ExitCode])
def test_every_exit_code_is_described_and_documented(code):
    assert code.description.endswith(".") and len(code.description) > 20
    assert re.search(rf"^\| `{int(code)}` \| `{code.name}` \|", PAGES["exit-codes.md"], re.M)


def test_every_amlevents_variable_the_code_reads_is_in_the_registry():
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        if path.name == "environment.py" and path.parent.name == "core":
            continue  # the registry itself
        used.update(re.findall(r"\bAMLEVENTS_[A-Z_]+[A-Z]\b", path.read_text(encoding="utf-8")))
    registered = {v.name for v in VARIABLES}
    assert sorted(used - registered) == []


def test_every_registered_variable_is_read_somewhere_and_documented():
    sources = "".join(p.read_text(encoding="utf-8") for folder in ("src", "tests")
                      for p in (ROOT / folder).rglob("*.py") if p.name != "environment.py")
    stale = [v.name for v in VARIABLES if v.name.startswith("AMLEVENTS_") and v.name not in sources]
    assert stale == []
    assert all(f"`{v.name}`" in PAGES["environment.md"] for v in VARIABLES)


def readme_command(marker: str) -> str:
    """The shell line after a `<!-- marker -->` comment in the README."""
    match = re.search(rf"<!-- {marker} -->\s*```(?:bash|sh)?\n(.+?)\n```", README, re.S)
    assert match, f"README lacks the {marker} block"
    return match.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_command("test-command") in ci.splitlines()


def test_readme_quick_start_installs_and_runs():
    line = readme_command("quick-start")
    assert "pip install" in line and "amlevents" in line
