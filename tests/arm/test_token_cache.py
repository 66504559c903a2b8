"""The persistent token cache: on unless AMLEVENTS_TOKEN_CACHE says off, its directory private, never a reason to fail.

The end-to-end behaviour (the next process makes no token request; the file is 0600) is driven through the CLI in
tests/cli/test_emulator_sign_in.py.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from amlevents.arm.credentials import TOKEN_CACHE_NAME, persistent_token_cache
from amlevents.arm.settings import ConnectionSettings


@pytest.mark.parametrize(("value", "on"), [
    (None, True), ("", True), ("1", True), ("yes", True),
    ("0", False), ("false", False), ("OFF", False), ("no", False),
])
def test_amlevents_token_cache_turns_the_cache_off(value, on):
    env = {} if value is None else {"AMLEVENTS_TOKEN_CACHE": value}
    assert ConnectionSettings.from_env(env=env).token_cache is on


def test_the_cache_is_named_for_amlevents_and_may_fall_back_to_a_private_file():
    options = persistent_token_cache()
    assert (options.name, options.allow_unencrypted_storage) == (TOKEN_CACHE_NAME, True)
    assert stat.S_IMODE((Path.home() / ".IdentityService").stat().st_mode) == 0o700


def test_a_home_that_cannot_hold_the_cache_signs_in_without_one(tmp_path, monkeypatch):
    home = tmp_path / "a-file-not-a-directory"
    home.write_text("")
    monkeypatch.setenv("HOME", str(home))
    assert persistent_token_cache() is None
