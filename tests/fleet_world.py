"""A small fleet for the client's fleet tests: the default world plus three generated Azure subscriptions
(``fleet`` seed form), each with two resource groups and four workspaces alternating eastus/westeurope and
env=prod/dev tags, three event subscriptions per workspace; the principal ``contributor`` reads one resource group
of the second only."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

SUBS = ("f1ee7000-0000-4000-8000-000000000001", "f1ee7000-0000-4000-8000-000000000002",
        "f1ee7000-0000-4000-8000-000000000003")
PER_WORKSPACE = 3


def fleet_seed() -> dict[str, Any]:
    """The default world with the fleet added."""
    from amlevents.emulator.runtime.seed import DEFAULT_SEED

    seed = copy.deepcopy(DEFAULT_SEED)
    # contributor reads one resource group of the second fleet subscription only (a role below the subscription)
    seed["roleAssignments"].append({"principal": "contributor", "role": "Reader",
                                    "scope": f"/subscriptions/{SUBS[1]}/resourceGroups/fleet-rg-2"})
    seed["fleet"] = {"subscriptions": len(SUBS), "workspacesPerSubscription": 4,
                     "eventSubscriptionsPerWorkspace": PER_WORKSPACE, "resourceGroupsPerSubscription": 2,
                     "locations": ["eastus", "westeurope"], "tags": [{"env": "prod"}, {"env": "dev"}]}
    return seed


def serve(tmp_path_factory: Any) -> Iterator[Any]:
    """An emulator serving ``fleet_seed()`` (for a module-scoped fixture)."""
    from amlevents.emulator import EmulatorServer

    server = EmulatorServer(port=0, provisioning_delay=0, seed=fleet_seed(),
                            cert_dir=tmp_path_factory.mktemp("fleet-certs"))
    server.start()
    yield server
    server.stop()


def point_cli(server: Any, monkeypatch: Any) -> Any:
    """The CLI pointed at ``server`` (``--emulator`` mode), its request log cleared; returns the server."""
    monkeypatch.setenv("AMLEVENTS_EMULATOR", server.url)
    monkeypatch.setenv("AMLEVENTS_EMULATOR_CA", server.ca_cert_path)
    server.app.clear_requests()
    return server
