"""The reads of an audit: the selected workspaces (one Resource Graph query), their event subscriptions (the lists
by topic type, ``arm.fleet``), judged by ``core.audit``'s rules; the system topics (one list per Azure
subscription) only when a subscription delivers with a resource identity; a policy manifest's required names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from amlevents.arm.concurrency import concurrently, unwrap
from amlevents.arm.discovery import WorkspaceSelector
from amlevents.arm.errors import translate_errors
from amlevents.arm.fleet import FleetSubscriptions, workspace_id_of
from amlevents.arm.session import Session
from amlevents.arm.subscriptions import list_json
from amlevents.core.audit import (
    Finding,
    PolicyEntry,
    audit_subscription,
    identity_findings,
    missing_required,
)

_IDENTITY_KEYS = ("deliveryWithResourceIdentity", "deadLetterWithResourceIdentity")


def audit(session: Session, selector: WorkspaceSelector, *, expiring_within: timedelta,
          policy: Iterable[PolicyEntry] = (), now: datetime | None = None) -> list[Finding]:
    """Every finding about the selected workspaces, sorted by workspace, subscription and kind."""
    now = now or datetime.now(timezone.utc)
    fleet = FleetSubscriptions(session)
    workspaces = fleet.workspaces(selector)
    present: dict[str, set[str]] = {w["id"].lower(): set() for w in workspaces}
    findings: list[Finding] = []
    with_identity: list[tuple[str, dict[str, Any]]] = []
    for item in fleet.items(selector, workspaces):
        owner = workspace_id_of(item) or ""
        present.setdefault(owner.lower(), set()).add(str(item.get("name") or "").lower())
        findings += audit_subscription(owner, item, now=now, expiring_within=expiring_within)
        if any((item.get("properties") or {}).get(key) for key in _IDENTITY_KEYS):
            with_identity.append((owner, item))
    if with_identity:
        topics = system_topics(session, sorted({owner.split("/")[2] for owner, _ in with_identity}))
        for owner, item in with_identity:
            findings += identity_findings(owner, item, topics.get(owner.lower()))
    findings += missing_required(policy, workspaces, present)
    return sorted(findings, key=lambda f: (f.workspace.lower(), (f.subscription or "").lower(), f.kind))


def system_topics(session: Session, subscription_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The system topics of the Azure subscriptions (one paged list each, at once), by lower-case source id."""
    def one(sub: str) -> list[dict[str, Any]]:
        client = session.eventgrid(sub)
        version = client._config.api_version  # noqa: SLF001 - the version the SDK sends
        url = f"/subscriptions/{sub}/providers/Microsoft.EventGrid/systemTopics?api-version={version}"
        with translate_errors(f"list the system topics of Azure subscription '{sub}'"):
            return list(list_json(client, url))

    by_source: dict[str, dict[str, Any]] = {}
    for result in concurrently([lambda s=s: one(s) for s in subscription_ids], workers=8):
        for topic in unwrap(result):
            by_source[str((topic.get("properties") or {}).get("source") or "").lower()] = topic
    return by_source
