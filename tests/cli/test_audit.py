"""`amlevents audit` against the emulator: each kind of finding, the JSON keys, --check's exit code, a policy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.usefixtures("cli_emulator")

HOOK = ("--endpoint", "https://example.com/h")
CONTAINER = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local/providers/"
             "Microsoft.Storage/storageAccounts/sa/blobServices/default/containers/dl")
DEAD_LETTER = ("--deadletter-endpoint", CONTAINER)


def _soon(days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def audit(run, *args: str) -> list[dict]:
    return run.json("audit", "-g", "amlevents-local", *args)


# each: the `subscription create` arguments (name first), and the finding kind they must produce
CASES = {
    "provisioning-failed (handshake)": (("failed", "--endpoint", "https://bad.invalid/hook", *DEAD_LETTER),
                                        "provisioning-failed"),
    "awaiting manual action": (("manual", "--endpoint", "https://x.manual.invalid/hook", "--no-wait",
                                *DEAD_LETTER), "provisioning-failed"),
    "expiring": (("soon", *HOOK, *DEAD_LETTER, "--expiration-date", _soon(2)), "expiring"),
    "no dead letter": (("nodl", *HOOK), "no-dead-letter"),
    "filter lint": (("lint", *HOOK, *DEAD_LETTER, "--event-type", "Microsoft.Storage.BlobCreated",
                     "--allow-unknown-event-type"), "filter-lint"),
}


@pytest.mark.parametrize(("create", "kind"), CASES.values(), ids=CASES.keys())
def test_audit_reports_each_kind_of_finding(run, create, kind):
    run("subscription", "create", *create, "-o", "none")  # a failed handshake exits 1 and leaves it Failed
    assert [(f["subscription"], f["kind"]) for f in audit(run)] == [(create[0], kind)]


def test_a_delivery_identity_the_system_topic_lacks_is_reported(run):
    # the topic exists without an identity (made for a subscription that needed none); amlevents creates a topic
    # with the identity its first subscription needs, but reuses an existing one as it is
    run.ok("subscription", "create", "plain", *HOOK, *DEAD_LETTER, "--system-topic", "-o", "none")
    created = run("subscription", "create", "ident", *HOOK, *DEAD_LETTER, "--delivery-identity", "systemassigned",
                  "--system-topic", "-o", "none")
    assert "has no SystemAssigned managed identity" in created.stderr  # said at create time too
    assert [(f["subscription"], f["kind"]) for f in audit(run)] == [("ident", "identity-missing")]


def test_healthy_subscription_gives_no_finding_and_check_passes(run):
    run.ok("subscription", "create", "fine", *HOOK, *DEAD_LETTER, "-o", "none")
    assert run("audit", "-g", "amlevents-local", "--check", "-o", "json").stdout.strip() == "[]"


def test_expiring_within_sets_the_window(run):
    run.ok("subscription", "create", "later", *HOOK, *DEAD_LETTER, "--expiration-date", _soon(20), "-o", "none")
    assert audit(run) == []
    assert [f["kind"] for f in audit(run, "--expiring-within", "30")] == ["expiring"]


def test_json_findings_have_stable_keys(run):
    run.ok("subscription", "create", "nodl", *HOOK, "-o", "none")
    finding = audit(run)[0]
    assert list(finding) == ["workspace", "subscription", "kind", "severity", "message"]
    assert finding["workspace"].endswith("/workspaces/local-workspace")
    assert finding["severity"] == "warning"


def test_check_exits_1_when_anything_needs_attention(run):
    run.ok("subscription", "create", "nodl", *HOOK, "-o", "none")
    assert run("audit", "-g", "amlevents-local", "-o", "json").exit_code == 0
    assert run("audit", "-g", "amlevents-local", "-o", "json", "--check").exit_code == 1


def test_policy_reports_required_subscriptions_absent(run, tmp_path):
    run.ok("subscription", "create", "present", *HOOK, *DEAD_LETTER, "-o", "none")
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nworkspaces:\n  - name: local-workspace\n    resourceGroup: amlevents-local\n"
                      "    subscriptions:\n      - {name: present, destination: {endpoint: 'https://example.com/h'}}\n"
                      "      - {name: required, destination: {endpoint: 'https://example.com/h'}}\n")
    findings = audit(run, "--policy", str(policy))
    assert [(f["subscription"], f["kind"]) for f in findings] == [("required", "policy-missing")]


def test_table_names_the_workspace_briefly(run):
    run.ok("subscription", "create", "nodl", *HOOK, "-o", "none")
    table = run.ok("audit", "-g", "amlevents-local", "-o", "table").stdout
    assert "amlevents-local/local-workspace" in table and "no-dead-letter" in table
