"""How long the long campaigns run: short in a developer's default run, in full under CI.

The full run (``CI=true``, as CI sets it, or ``python -m pytest --full``) runs the tests marked ``slow`` and draws
each property test's full number of examples. The default run leaves the ``slow`` tests out (they prove nothing the
quick variant beside them does not, only at a larger scale) and draws a quarter of the examples.
tests/conftest.py sets ``FULL`` for ``--full`` before any test module is imported.
"""

from __future__ import annotations

from shared_data import in_ci

FULL = in_ci()
QUICK_SHARE = 4  # the default run draws 1/QUICK_SHARE of a property test's full examples
QUICK_FLOOR = 10  # but never fewer than this: a handful of examples finds little


def examples(full: int, quick: int | None = None) -> int:
    """The number of examples to draw: ``full`` in the full run; by default ``quick``, or a quarter of ``full`` (at
    least 10)."""
    if FULL:
        return full
    return quick if quick is not None else min(full, max(QUICK_FLOOR, full // QUICK_SHARE))
