"""Layering rules (STYLE.md): who may import what, no cycles inside core, and which commands stay off the Azure SDK.

The rules read the source with ``ast`` (imports inside functions and under ``TYPE_CHECKING`` count) rather than
importing it, so a forbidden import on a rarely taken path is caught as surely as one at the top of a module.
"""

from __future__ import annotations

import ast
import itertools
import pathlib
import subprocess
import sys
from dataclasses import dataclass

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "amlevents"

# The service's rules the emulator shares with the client (STYLE.md); never subscription/plan/manifest, so a client
# mistake in building or updating a subscription is caught by the fake instead of mirrored by it.
EMULATOR_MAY_USE_FROM_CORE = ("filters", "catalog", "samples", "workspace", "roles", "access", "names", "errors",
                              "redact", "documents", "values", "delivery")


@dataclass(frozen=True)
class Module:
    """One source module: dotted name, path shown in messages, source text, and whether it is a package face."""

    name: str
    label: str
    source: str
    is_package: bool = False


@dataclass(frozen=True)
class Import:
    """``importer`` imports ``target`` (a dotted module name, relative imports resolved) at ``label:line``;
    ``face`` marks the package face that ``from package import submodule`` runs before the submodule."""

    importer: str
    target: str
    label: str
    line: int
    face: bool = False

    def __str__(self) -> str:
        return f"{self.label}:{self.line} imports {self.target}"


def source_modules() -> dict[str, Module]:
    """Every module of the amlevents package, by dotted name."""
    modules = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = ["amlevents", *path.relative_to(SRC).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        label = str(path.relative_to(SRC.parent))
        modules[name] = Module(name, label, path.read_text(encoding="utf-8"), is_package)
    return modules


def _base(module: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports(modules: dict[str, Module]) -> list[Import]:
    """Every import in ``modules``. ``from a.b import c`` is an import of ``a.b`` (a package's face), and also of
    ``a.b.c`` when that is a module of ours; ``importlib.import_module("x")`` with a literal name counts too."""
    found = []
    for module in modules.values():
        for node in ast.walk(ast.parse(module.source, module.label)):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _base(module, node)
                submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
                if submodules and len(submodules) == len(node.names):
                    found.append(Import(module.name, base, module.label, node.lineno, face=True))
                    targets = submodules
                else:
                    targets = [base, *submodules]
            elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                  and isinstance(node.args[0].value, str)
                  and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) in
                  ("import_module", "__import__")):
                targets = [node.args[0].value]
            found += [Import(module.name, t, module.label, node.lineno) for t in dict.fromkeys(targets)]
    return found


def within(name: str, *packages: str) -> bool:
    """Whether the dotted ``name`` is one of ``packages`` or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in packages)


def forbidden(modules: dict[str, Module], package: str, *banned: str) -> list[str]:
    """Imports by modules in ``package`` of anything in ``banned``, as messages naming the module and import."""
    return [str(i) for i in imports(modules)
            if not i.face and within(i.importer, package) and within(i.target, *banned)]


def core_reaching_outside(modules: dict[str, Module]) -> list[str]:
    """Imports by core of amlevents modules outside core."""
    return [str(i) for i in imports(modules) if not i.face and within(i.importer, "amlevents.core")
            and within(i.target, "amlevents") and not within(i.target, "amlevents.core")]


def emulator_using_client_logic(modules: dict[str, Module]) -> list[str]:
    """Imports by the emulator of amlevents modules other than its own and the service's rules in core."""
    allowed = ("amlevents.emulator", *(f"amlevents.core.{m}" for m in EMULATOR_MAY_USE_FROM_CORE))
    return [f"{i} (the emulator may use only the service's rules from core: {', '.join(EMULATOR_MAY_USE_FROM_CORE)})"
            for i in imports(modules) if not i.face and within(i.importer, "amlevents.emulator")
            and within(i.target, "amlevents") and not within(i.target, *allowed) and i.target != "amlevents.core"]


def own_face_imports(modules: dict[str, Module]) -> list[str]:
    """Imports by a module inside a core sub-package of that package's own face (its ``__init__``)."""
    return [f"{i} (its own package's face; import the sibling module instead)" for i in imports(modules)
            if within(i.importer, "amlevents.core") and not modules[i.importer].is_package
            and i.target == i.importer.rpartition(".")[0] and i.target != "amlevents.core"]


def core_cycles(modules: dict[str, Module]) -> list[str]:
    """Import cycles among core modules, each as ``a -> b -> a`` with where each step's import is."""
    edges: dict[str, dict[str, Import]] = {}
    for i in imports(modules):
        if within(i.importer, "amlevents.core") and i.target in modules and within(i.target, "amlevents.core"):
            edges.setdefault(i.importer, {}).setdefault(i.target, i)
    cycles: list[str] = []
    seen: set[frozenset[str]] = set()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = path[path.index(name):] + [name]
            if frozenset(cycle) not in seen:
                seen.add(frozenset(cycle))
                steps = "; ".join(str(edges[a][b]) for a, b in itertools.pairwise(cycle))
                cycles.append(" -> ".join(cycle) + f" ({steps})")
            return
        if name in done:
            return
        for target in sorted(edges.get(name, {})):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(edges):
        visit(name, [])
    return cycles


MODULES = source_modules()


def assert_clean(violations: list[str]) -> None:
    """Fail listing every violation, one a line (pytest would shorten a list comparison)."""
    assert not violations, "\n".join(["", *violations])


def test_core_imports_nothing_from_azure_typer_or_rich():
    assert_clean(forbidden(MODULES, "amlevents.core", "azure", "msal", "typer", "rich", "click"))


def test_core_imports_nothing_from_amlevents_outside_core():
    assert_clean(core_reaching_outside(MODULES))


def test_core_has_no_import_cycles():
    assert_clean(core_cycles(MODULES))


def test_core_subpackage_modules_do_not_import_their_own_face():
    assert_clean(own_face_imports(MODULES))


@pytest.mark.parametrize("package", ["cli", "core", "emulator", "receiver"])
def test_only_arm_imports_azure(package):
    assert_clean(forbidden(MODULES, f"amlevents.{package}", "azure", "msal"))


def test_arm_never_imports_the_emulator_or_the_cli():
    assert_clean(forbidden(MODULES, "amlevents.arm", "amlevents.emulator", "amlevents.cli"))


def test_emulator_imports_nothing_from_the_cli_arm_typer_or_rich():
    assert_clean(forbidden(MODULES, "amlevents.emulator", "amlevents.cli", "amlevents.arm", "typer", "rich"))


def test_emulator_uses_only_the_services_rules_from_core():
    assert_clean(emulator_using_client_logic(MODULES))


def test_the_receiver_imports_only_core():
    """`amlevents listen`'s webhook receiver is the handler's side: core's rules and its HTTP server only."""
    assert_clean(forbidden(MODULES, "amlevents.receiver", "amlevents.cli", "amlevents.arm", "amlevents.emulator",
                           "typer", "rich"))


# --- the checker itself: each rule catches a violation planted in a synthetic set of modules ---
def synthetic(**sources: str) -> dict[str, Module]:
    """Modules from keyword arguments: ``core__filters__init`` is the face of ``amlevents.core.filters``."""
    modules = {}
    for key, source in sources.items():
        parts = ["amlevents", *key.split("__")]
        is_package = parts[-1] == "init"
        name = ".".join(parts[:-1] if is_package else parts)
        label = "/".join([*parts[:-1], "__init__"] if is_package else parts) + ".py"
        modules[name] = Module(name, label, source, is_package)
    return modules


PLANTED = [
    pytest.param(lambda m: forbidden(m, "amlevents.arm", "amlevents.emulator", "amlevents.cli"),
                 dict(arm__clients="def f():\n    from amlevents.emulator.server import EmulatorServer\n",
                      emulator__server=""),
                 "amlevents/arm/clients.py:2 imports amlevents.emulator.server", id="arm-imports-emulator-lazily"),
    pytest.param(lambda m: forbidden(m, "amlevents.arm", "amlevents.emulator", "amlevents.cli"),
                 dict(arm__workflow="import importlib\nimportlib.import_module('amlevents.cli.render')\n"),
                 "amlevents/arm/workflow.py:2 imports amlevents.cli.render", id="arm-imports-cli-by-name"),
    pytest.param(core_reaching_outside,
                 dict(core__init="", core__values="from .. import arm\n", arm__init=""),
                 "amlevents/core/values.py:1 imports amlevents.arm", id="core-imports-arm-relatively"),
    pytest.param(emulator_using_client_logic,
                 dict(emulator__views="from amlevents.core.plan import with_retry_defaults\n"),
                 "amlevents/emulator/views.py:1 imports amlevents.core.plan", id="emulator-imports-plan"),
    pytest.param(emulator_using_client_logic,
                 dict(emulator__validation="from amlevents.core import subscription\n",
                      core__subscription__init=""),
                 "amlevents/emulator/validation.py:1 imports amlevents.core.subscription",
                 id="emulator-imports-subscription-as-a-name"),
    pytest.param(emulator_using_client_logic,
                 dict(emulator__seed="from amlevents.core.manifest.read import read_manifest\n"),
                 "amlevents/emulator/seed.py:1 imports amlevents.core.manifest.read", id="emulator-imports-manifest"),
    pytest.param(own_face_imports,
                 dict(core__filters__init="from amlevents.core.filters.lint import lint\n",
                      core__filters__lint="from amlevents.core.filters import Operator\n"),
                 "amlevents/core/filters/lint.py:1 imports amlevents.core.filters", id="module-imports-own-face"),
    pytest.param(core_cycles,
                 dict(core__a="import amlevents.core.b\n", core__b="def f():\n    from amlevents.core import a\n"),
                 "amlevents.core.a -> amlevents.core.b -> amlevents.core.a (amlevents/core/a.py:1 imports "
                 "amlevents.core.b; amlevents/core/b.py:2 imports amlevents.core.a)", id="cycle-through-a-function"),
    pytest.param(core_cycles,
                 dict(core__plan__init="from amlevents.core.plan.diff import diff\n",
                      core__plan__diff="from amlevents.core.subscription import HIDDEN\n",
                      core__subscription__init="from amlevents.core.plan import with_retry_defaults\n"),
                 "amlevents.core.plan -> amlevents.core.plan.diff -> amlevents.core.subscription -> "
                 "amlevents.core.plan", id="cycle-through-package-faces"),
]


@pytest.mark.parametrize(("rule", "sources", "message"), PLANTED)
def test_each_rule_names_the_module_and_import_it_catches(rule, sources, message):
    violations = rule(synthetic(**sources))
    assert len(violations) == 1 and violations[0].startswith(message), violations


@pytest.mark.parametrize("sources", [
    dict(emulator__validation="from amlevents.core.filters.limits import check_limits\nfrom amlevents.core import "
                              "errors, roles\n", core__errors="", core__roles=""),
    dict(core__filters__init="from amlevents.core.filters.lint import lint\n",
         core__filters__lint="from amlevents.core.filters.model import Operator\nfrom amlevents.core import errors\n",
         core__filters__model="", core__errors=""),
], ids=["emulator-uses-the-services-rules", "siblings-and-leaves"])
def test_rules_accept_what_the_house_allows(sources):
    modules = synthetic(**sources)
    assert (emulator_using_client_logic(modules), own_face_imports(modules), core_cycles(modules),
            core_reaching_outside(modules)) == ([], [], [], [])


PROBE = """
import os, sys
from amlevents.cli.app import main
sys.argv = ["amlevents", *{args!r}]


def report(code=0):  # main() ends the process with os._exit: report what was imported just before
    loaded = sorted(m for m in sys.modules if m == "azure" or m.startswith(("azure.", "msal")))
    sys.stderr.write("AZURE_MODULES=" + ",".join(loaded) + "\\n")
    sys.stderr.flush()
    real_exit(code)


real_exit, os._exit = os._exit, report
main()
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["events", "--help"],
        ["events", "list", "-o", "json"],
        ["events", "sample", "ModelRegistered"],
        ["events", "test", "--help"],
    ],
)
def test_offline_commands_do_not_import_the_azure_sdk(args):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, timeout=60
    )
    line = [l for l in proc.stderr.splitlines() if l.startswith("AZURE_MODULES=")]
    assert line == ["AZURE_MODULES="], proc.stderr
