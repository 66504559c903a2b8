"""The ARM ids the tests share: the emulator's seeded world and the resource ids built from it.

Import what a test needs (``from ids import WORKSPACE_ID``) instead of restating the strings; the seeded names are
the ones ``src/amlevents/emulator/runtime/seed.py`` creates and the CLI's local defaults use.
"""

from __future__ import annotations

# The emulator's seeded subscription, resource group and workspaces (also the CLI's --local/--emulator defaults).
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "amlevents-local"
WORKSPACE = "local-workspace"
WORKSPACE_2 = "local-workspace-2"

SUBSCRIPTION_SCOPE = f"/subscriptions/{SUBSCRIPTION_ID}"
RESOURCE_GROUP_ID = f"{SUBSCRIPTION_SCOPE}/resourceGroups/{RESOURCE_GROUP}"
WORKSPACE_ID = f"{RESOURCE_GROUP_ID}/providers/Microsoft.MachineLearningServices/workspaces/{WORKSPACE}"
WORKSPACE_2_ID = f"{RESOURCE_GROUP_ID}/providers/Microsoft.MachineLearningServices/workspaces/{WORKSPACE_2}"
SYSTEM_TOPICS = f"{RESOURCE_GROUP_ID}/providers/Microsoft.EventGrid/systemTopics/"
"""The prefix of a system topic's id in the seeded resource group: ``SYSTEM_TOPICS + "ml-events"``."""

# A webhook whose query string holds a secret (``SECRET`` must never appear in output).
HOOK = "https://hooks.example.com/api/events?code=SECRET"


def providers(resource_group: str = RESOURCE_GROUP) -> str:
    """``/subscriptions/<seeded>/resourceGroups/<resource_group>/providers/``: the prefix of a destination's id."""
    return f"{SUBSCRIPTION_SCOPE}/resourceGroups/{resource_group}/providers/"
