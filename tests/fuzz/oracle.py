"""The fuzz suite's settings (the quick and long profiles) and its one oracle, `check`.

``AMLEVENTS_FUZZ=long`` selects the long profile (10,000 examples per target, run by hand:
``AMLEVENTS_FUZZ=long python -m pytest tests/fuzz -p no:cacheprovider``); the default quick profile keeps the
suite to a few seconds of the normal test run and is derandomized, so that run is reproducible; the full campaign
(``--full`` or ``CI=true``, see ``tests/campaigns.py``) draws 200 per target; the long one explores with fresh
random seeds. ``AMLEVENTS_FUZZ=N`` (a number) runs N examples per target, like the long one.
"""

from __future__ import annotations

import json
import os
from typing import Any

import campaigns
from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("AMLEVENTS_FUZZ", "").lower()
LONG = PROFILE == "long" or PROFILE.isdigit()
# The full campaign (--full, CI=true; tests/campaigns.py) draws more than the default run, but stays in minutes:
# the 10,000-example profile is a separate, deliberate run.
EXAMPLES = int(PROFILE) if PROFILE.isdigit() else 10_000 if LONG else 200 if campaigns.FULL else 15

# `run` and `tmp_path` are reused by every example: the CLI keeps no state between calls, and each example
# rewrites the files it uses.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)

ALLOWED_EXIT_CODES = {0, 2}  # data printed, or the user's input refused; never 1 ("unexpected ... report it")


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def check(result: Any, *, json_output: bool = True) -> Any:
    """The oracle: no traceback, exit 0 or 2, a message on every refusal, valid (strict) JSON on stdout after
    exit 0 with ``-o json``. Returns the parsed JSON (or None)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.exit_code in ALLOWED_EXIT_CODES, (result.exit_code, result.stderr[-2000:])
    if result.exit_code == 2:
        # warnings may come first; the refusal itself is an "Error:" line (Click's own: after "Usage:"), or the
        # help of a group called without a command (no_args_is_help)
        lines = result.stderr.splitlines() or [""]
        help_shown = lines[0].startswith("Usage: ") and "COMMAND [ARGS]" in lines[0]
        assert help_shown or any(line.startswith("Error: ") for line in lines), result.stderr[-2000:]
        assert "report it if it persists" not in result.stderr
        return None
    if json_output:
        return json.loads(result.stdout, parse_constant=_refuse_constant)
    return None
