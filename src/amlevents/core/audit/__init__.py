"""Audit rules: what about a fleet's event subscriptions needs attention (pure; the reads are in ``arm.audit``)."""

from __future__ import annotations

from amlevents.core.audit.policy import PolicyEntry, missing_required
from amlevents.core.audit.rules import (
    KINDS,
    Finding,
    audit_subscription,
    identity_findings,
)

__all__ = ["KINDS", "Finding", "PolicyEntry", "audit_subscription", "identity_findings", "missing_required"]
