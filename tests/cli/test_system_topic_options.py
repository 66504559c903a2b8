"""`--system-topic` (a flag) and `--system-topic-name NAME` on show, update and delete: where a name is looked up."""

from __future__ import annotations

import pytest
from ids import SYSTEM_TOPICS as TOPICS

HOOK = "https://example.com/api/events"


@pytest.fixture
def both(run, cli_emulator):
    """``under-topic`` under the system topic ``ml-events``; ``on-scope`` on the workspace scope."""
    run.ok("subscription", "create", "under-topic", "--endpoint", HOOK, "--system-topic-name", "ml-events")
    run.ok("subscription", "create", "on-scope", "--endpoint", HOOK)
    cli_emulator.app.clear_requests()
    return cli_emulator


@pytest.mark.parametrize("where", [["--system-topic"], ["--system-topic-name", "ml-events"]],
                         ids=["flag", "name"])
def test_show_reads_through_the_system_topic_path(run, both, where):
    # One collection per source: a scope subscription is there too, in the topic path's view.
    for name in ("under-topic", "on-scope"):
        assert run.json("subscription", "show", name, *where)["id"] == TOPICS + f"ml-events/eventSubscriptions/{name}"


def test_system_topic_flag_on_a_workspace_without_one_exits_5(run, cli_emulator):
    result = run("subscription", "show", "anything", "--system-topic", "-w", "local-workspace-2")
    assert result.exit_code == 5
    assert "workspace 'local-workspace-2' has no system topic" in result.stderr


@pytest.mark.parametrize("where", [["--system-topic"], ["--system-topic-name", "ml-events"]],
                         ids=["flag", "name"])
def test_update_and_delete_write_under_the_system_topic(run, both, sent_requests, where):
    run.ok("subscription", "update", "under-topic", *where, "--event-ttl", "9")
    run.ok("subscription", "delete", "under-topic", "--yes", *where)
    assert [(r["method"], r["path"]) for r in sent_requests()] == [
        ("PATCH", TOPICS + "ml-events/eventSubscriptions/under-topic"),
        ("DELETE", TOPICS + "ml-events/eventSubscriptions/under-topic")]
