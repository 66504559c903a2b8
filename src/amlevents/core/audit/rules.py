"""The findings about one event subscription: provisioning failed, expired or expiring, no dead-letter
destination, filters that can never match (``core.filters.lint``), and (``identity_findings``, which needs the
workspace's system topic) a delivery identity the topic does not hold.

A ``Finding`` is keyed by workspace and subscription; ``to_dict`` is the JSON an audit prints (stable keys:
workspace, subscription, kind, severity, message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

ERROR = "error"
WARNING = "warning"

# kind -> what it means (docs and `audit --help` list these)
KINDS: dict[str, str] = {
    "provisioning-failed": "provisioning state Failed or AwaitingManualAction: events are not delivered",
    "expired": "the expiration time has passed: Event Grid deleted or will delete it",
    "expiring": "expires within the --expiring-within window",
    "no-dead-letter": "no dead-letter destination: events that cannot be delivered are dropped",
    "filter-lint": "a filter that can never match an Azure ML event",
    "identity-missing": "delivery or dead-lettering with a resource identity the system topic does not hold",
    "policy-missing": "a subscription the policy manifest requires is absent",
}
_SEVERITY = {"provisioning-failed": ERROR, "expired": ERROR, "identity-missing": ERROR, "policy-missing": ERROR,
             "expiring": WARNING, "no-dead-letter": WARNING, "filter-lint": WARNING}


@dataclass(frozen=True)
class Finding:
    """One thing that needs attention: ``workspace`` is the workspace's resource id, ``subscription`` the event
    subscription's name (None for a finding about the workspace itself)."""

    workspace: str
    subscription: str | None
    kind: str
    message: str

    @property
    def severity(self) -> str:
        """``error`` (broken now) or ``warning`` (will break, or loses events when something else breaks)."""
        return _SEVERITY[self.kind]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (stable keys)."""
        return {"workspace": self.workspace, "subscription": self.subscription, "kind": self.kind,
                "severity": self.severity, "message": self.message}


def _expiry(value: Any) -> datetime | None:
    """``expirationTimeUtc`` as an aware datetime (Azure's seven fraction digits too); None when absent or
    unreadable."""
    from amlevents.core.values import as_utc, parse_instant

    if not value:
        return None
    try:
        return as_utc(parse_instant(str(value)))
    except ValueError:
        return None


def _uses_identity(wrapper: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The identity a ``...WithResourceIdentity`` object delivers with (None when it is not set)."""
    return (wrapper or {}).get("identity") or None


def _topic_lacks(identity: Mapping[str, Any], topic: Mapping[str, Any] | None) -> str | None:
    """Why the system topic cannot lend ``identity`` (None when it can): Event Grid delivers with the topic's
    identity, so a system-assigned one must be enabled on the topic and a user-assigned one attached to it."""
    if topic is None:
        return "the workspace has no system topic to lend it"
    held = topic.get("identity") or {}
    kind = str(identity.get("type") or "")
    if kind == "SystemAssigned" and "SystemAssigned" not in str(held.get("type") or ""):
        return f"system topic '{topic.get('name')}' has no system-assigned identity"
    if kind == "UserAssigned":
        wanted = str(identity.get("userAssignedIdentity") or "").lower()
        if wanted not in {k.lower() for k in (held.get("userAssignedIdentities") or {})}:
            short = wanted.rsplit("/", 1)[-1]
            return f"system topic '{topic.get('name')}' does not hold user-assigned identity '{short}'"
    return None


def identity_findings(workspace: str, resource: Mapping[str, Any], topic: Mapping[str, Any] | None) -> list[Finding]:
    """An ``identity-missing`` finding when the subscription delivers or dead-letters with a resource identity
    that the workspace's system topic ``topic`` (None: it has none) does not hold."""
    props = resource.get("properties") or {}
    found = []
    for key, what in (("deliveryWithResourceIdentity", "delivers"), ("deadLetterWithResourceIdentity", "dead-letters")):
        identity = _uses_identity(props.get(key))
        reason = _topic_lacks(identity, topic) if identity else None
        if reason:
            found.append(Finding(workspace, str(resource.get("name") or "?"), "identity-missing",
                                 f"{what} with a {identity.get('type')} identity, but {reason}"))
    return found


def audit_subscription(workspace: str, resource: Mapping[str, Any], *, now: datetime,
                       expiring_within: timedelta) -> list[Finding]:
    """Every finding about one event subscription resource (the ARM JSON) of the workspace whose id is
    ``workspace``."""
    from amlevents.core.filters import EventFilter, lint
    from amlevents.core.subscription import dead_letter_of

    name = str(resource.get("name") or "?")
    props = resource.get("properties") or {}
    found: list[Finding] = []

    def add(kind: str, message: str) -> None:
        found.append(Finding(workspace, name, kind, message))

    state = props.get("provisioningState")
    if state in ("Failed", "AwaitingManualAction"):
        add("provisioning-failed", f"provisioning state is {state}")
    expires = _expiry(props.get("expirationTimeUtc"))
    if expires is not None and expires <= now:
        add("expired", f"expired at {expires:%Y-%m-%d %H:%M} UTC")
    elif expires is not None and expires - now <= expiring_within:
        days = (expires - now).total_seconds() / 86400
        add("expiring", f"expires at {expires:%Y-%m-%d %H:%M} UTC (in {days:.1f} days)")
    if not dead_letter_of(props):
        add("no-dead-letter", "no dead-letter destination: undeliverable events are dropped")
    try:
        warnings = lint(EventFilter.from_wire(props.get("filter") or {}, strict=False))
    except ValueError as exc:  # a filter the service holds but our model cannot read is itself worth a look
        warnings = [f"filter cannot be read: {exc}"]
    for warning in warnings:
        add("filter-lint", warning)
    return found
