"""Built-in Azure role definitions the emulator knows, with their real GUIDs and action lists.

Sources: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general and
https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/integration. The EventGrid
EventSubscription roles carry the newer action lists that include
``Microsoft.EventGrid/systemtopics/eventsubscriptions/*``; the lower-case spelling is the docs' own and works
because actions compare case-insensitively.
"""

from __future__ import annotations

from typing import Any

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
EVENTSUBSCRIPTION_CONTRIBUTOR = "428e0ff0-5e57-4d9c-a221-2c70d0e0a443"
EVENTSUBSCRIPTION_READER = "2414bbcf-6497-4faf-8c65-045460748405"
EVENTGRID_CONTRIBUTOR = "1e241071-0855-49ea-94dc-649edcd759de"
EVENTGRID_DATA_SENDER = "d5a91429-5739-47e2-a06b-3470a27159e7"


def _role(guid: str, name: str, description: str, actions: list[str], not_actions: list[str] | None = None,
          data_actions: list[str] | None = None) -> dict[str, Any]:
    return {
        "name": guid,
        "roleName": name,
        "description": description,
        "type": "BuiltInRole",
        "permissions": [
            {
                "actions": actions,
                "notActions": not_actions or [],
                "dataActions": data_actions or [],
                "notDataActions": [],
            }
        ],
        "assignableScopes": ["/"],
    }


BUILTIN_ROLES: tuple[dict[str, Any], ...] = (
    _role(
        OWNER,
        "Owner",
        "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        ["*"],
    ),
    _role(
        CONTRIBUTOR,
        "Contributor",
        "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, "
        "manage assignments in Azure Blueprints, or share image galleries.",
        ["*"],
        [
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ],
    ),
    _role(
        READER,
        "Reader",
        "View all resources, but does not allow you to make any changes.",
        ["*/read"],
    ),
    _role(
        EVENTSUBSCRIPTION_CONTRIBUTOR,
        "EventGrid EventSubscription Contributor",
        "Lets you manage EventGrid event subscription operations.",
        [
            "Microsoft.Authorization/*/read",
            "Microsoft.EventGrid/eventSubscriptions/*",
            "Microsoft.EventGrid/topicTypes/eventSubscriptions/read",
            "Microsoft.EventGrid/locations/eventSubscriptions/read",
            "Microsoft.EventGrid/locations/topicTypes/eventSubscriptions/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*",
            "Microsoft.EventGrid/systemtopics/eventsubscriptions/*",
            "Microsoft.EventGrid/partnertopics/eventsubscriptions/*",
        ],
    ),
    _role(
        EVENTSUBSCRIPTION_READER,
        "EventGrid EventSubscription Reader",
        "Lets you read EventGrid event subscriptions.",
        [
            "Microsoft.Authorization/*/read",
            "Microsoft.EventGrid/eventSubscriptions/read",
            "Microsoft.EventGrid/topicTypes/eventSubscriptions/read",
            "Microsoft.EventGrid/locations/eventSubscriptions/read",
            "Microsoft.EventGrid/locations/topicTypes/eventSubscriptions/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.EventGrid/systemtopics/eventsubscriptions/read",
            "Microsoft.EventGrid/partnertopics/eventsubscriptions/read",
        ],
    ),
    _role(
        EVENTGRID_CONTRIBUTOR,
        "EventGrid Contributor",
        "This role allows you to manage Event Grid resources.",
        [
            "Microsoft.Authorization/*/read",
            "Microsoft.EventGrid/*",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*",
        ],
    ),
    _role(
        EVENTGRID_DATA_SENDER,
        "EventGrid Data Sender",
        "Allows send access to event grid events.",
        [
            "Microsoft.Authorization/*/read",
            "Microsoft.EventGrid/topics/read",
            "Microsoft.EventGrid/domains/read",
            "Microsoft.EventGrid/partnerNamespaces/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.EventGrid/namespaces/read",
        ],
        data_actions=["Microsoft.EventGrid/events/send/action"],
    ),
)
