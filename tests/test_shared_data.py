"""Tests that need the project's shared/ folder skip on a plain clone, and fail under CI when it is missing."""

from __future__ import annotations

import pytest
from shared_data import in_ci, require


def test_present_data_neither_skips_nor_fails(tmp_path):
    require("the data", tmp_path, env={"CI": "true"})


def test_missing_data_skips_with_where_it_comes_from(tmp_path):
    with pytest.raises(pytest.skip.Exception) as skipped:
        require("the Azure CLI recordings", tmp_path / "absent", env={})
    reason = str(skipped.value)
    assert "the Azure CLI recordings not found" in reason
    assert str(tmp_path / "absent") in reason
    assert "shared/ folder" in reason and "<repo>/../shared" in reason


@pytest.mark.parametrize("value", ["true", "True", "1", "yes"])
def test_missing_data_fails_under_ci(tmp_path, value):
    with pytest.raises(pytest.fail.Exception, match="CI=true requires it"):
        require("the swagger", tmp_path / "absent", env={"CI": value})


@pytest.mark.parametrize("env, expected", [({}, False), ({"CI": ""}, False), ({"CI": "false"}, False),
                                           ({"CI": "0"}, False), ({"CI": "true"}, True)])
def test_ci_is_recognised_by_its_usual_values(env, expected):
    assert in_ci(env) is expected
