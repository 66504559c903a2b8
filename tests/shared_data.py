"""Where tests find the project's shared data, and what they do when it is not there.

The swagger specs (``shared/specs``) and the Azure CLI recordings (``shared/reference/recordings``) are not in this
repository: they live in the project's ``shared/`` folder, which the team's checkouts and CI have beside the clone
(``<repo>/../shared``). A plain ``git clone`` lacks it, so the tests that read it skip, and their reason says
where the data comes from. Under CI (``CI=true``) a missing folder fails those tests instead: CI must not go green
without running them.

``AMLEVENTS_TEST_SHARED_DIR`` points the tests at another copy of ``shared/``. It is read once, at import: the
autouse ``isolated_env`` fixture clears ``AMLEVENTS_*`` variables before each test.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

ENV = "AMLEVENTS_TEST_SHARED_DIR"
SHARED = Path(os.environ.get(ENV) or Path(__file__).resolve().parents[2] / "shared")
WHERE = ("it comes from the project's shared/ folder, which must sit beside the clone (<repo>/../shared; CI copies "
         f"it there) or be named by {ENV}")


def in_ci(env: dict[str, str] | None = None) -> bool:
    """True under a CI runner (``CI=true``, as GitHub Actions, Azure Pipelines and this project's CI set it)."""
    return (os.environ if env is None else env).get("CI", "").strip().lower() in ("true", "1", "yes")


def shared_path(*parts: str) -> Path:
    """A path inside the shared folder (which may not exist)."""
    return SHARED.joinpath(*parts)


def missing_reason(what: str, looked_for: Path) -> str:
    """The skip/fail message: what is missing, where it was looked for, and where it comes from."""
    return f"{what} not found (looked for {looked_for}): {WHERE}"


def require(what: str, path: Path, present: Callable[[Path], bool] = Path.exists, *,
            env: dict[str, str] | None = None) -> None:
    """Skip the calling test when ``present(path)`` is false; fail it instead under CI (``CI=true``)."""
    if present(path):
        return
    reason = missing_reason(what, path)
    if in_ci(env):
        pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
    pytest.skip(reason)
