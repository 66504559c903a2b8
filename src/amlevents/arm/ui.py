"""What the flows may ask of the terminal (spinner, confirmation, warnings): the CLI hands one in, so nothing in
``arm`` prints."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ContextManager


@dataclass
class Ui:
    """What the flows may ask of the terminal; the defaults do nothing (non-interactive)."""

    progress: Callable[[str], ContextManager[Any]] = lambda _msg: contextlib.nullcontext()
    confirm: Callable[[str], bool] | None = None  # None: no terminal to ask on
    warn: Callable[[str], None] = lambda _msg: None
    info: Callable[[str], None] = lambda _msg: None  # progress lines (stderr), not warnings
