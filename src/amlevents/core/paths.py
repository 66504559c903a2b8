"""Where amlevents keeps files of its own (local emulator state and certificates)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The user data directory (``$XDG_DATA_HOME/amlevents`` on Linux; ``AMLEVENTS_DATA_DIR`` overrides it)."""
    override = os.environ.get("AMLEVENTS_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("amlevents", appauthor=False))
