"""Azure RBAC action matching, pure: wildcard action patterns and notActions.

Shared by the client-side access check (``amlevents.arm.access``) and the emulator's authorization
(``amlevents.emulator.authorization.rbac``), so both decide the same way:

- A permission block grants an action when one of its ``actions`` patterns matches and none of the same block's
  ``notActions`` does. ``notActions`` only subtract from that block; they are not deny rules, so another
  assignment can still grant the action.
- Patterns use ``*`` as a wildcard for any run of characters, ``/`` included (``*/read``,
  ``Microsoft.Authorization/*/read``), and compare case-insensitively (the docs spell the same action both as
  ``EventSubscriptions/Write`` and ``eventSubscriptions/write``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from amlevents.core.roles import BUILTIN_ROLES


@lru_cache(maxsize=512)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.IGNORECASE)


def action_matches(pattern: str, action: str) -> bool:
    """True when the RBAC action ``pattern`` (with ``*`` wildcards) covers ``action``, ignoring case."""
    return _pattern(pattern).fullmatch(action) is not None


@dataclass(frozen=True)
class Permission:
    """One permission block of a role definition."""

    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()

    def allows(self, action: str) -> bool:
        """True when an action pattern matches ``action`` and no notAction of this block does."""
        return any(action_matches(p, action) for p in self.actions) and not any(
            action_matches(p, action) for p in self.not_actions
        )

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Permission:
        """From the ARM ``Permission`` JSON object (actions, notActions, dataActions, notDataActions)."""
        return cls(
            tuple(data.get("actions") or ()),
            tuple(data.get("notActions") or ()),
            tuple(data.get("dataActions") or ()),
            tuple(data.get("notDataActions") or ()),
        )

    def to_wire(self) -> dict[str, list[str]]:
        """The ARM ``Permission`` JSON object."""
        return {
            "actions": list(self.actions),
            "notActions": list(self.not_actions),
            "dataActions": list(self.data_actions),
            "notDataActions": list(self.not_data_actions),
        }


def is_allowed(permissions: Iterable[Permission], action: str) -> bool:
    """True when any of the caller's permission blocks allows ``action``."""
    return any(p.allows(action) for p in permissions)


# Roles worth suggesting, most specific first; only those whose actions grant what is missing are named.
SUGGESTED_ROLES = ("EventGrid EventSubscription Contributor", "EventGrid Contributor", "Contributor", "Owner")
# For a refused read, the reader roles come first.
SUGGESTED_READ_ROLES = ("EventGrid EventSubscription Reader", "Reader", *SUGGESTED_ROLES)


def roles_granting(actions: Iterable[str], candidates: Iterable[str] = SUGGESTED_ROLES) -> list[str]:
    """The built-in roles among ``candidates`` whose permissions grant every one of ``actions``."""
    wanted = list(actions)
    by_name = {r["roleName"]: r for r in BUILTIN_ROLES}
    out = []
    for name in candidates:
        role = by_name.get(name)
        if role is None:
            continue
        blocks = [Permission.from_wire(p) for p in role["permissions"]]
        if all(is_allowed(blocks, a) for a in wanted):
            out.append(name)
    return out
