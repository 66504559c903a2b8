"""The emulator answers as Azure's recorded answers show, through the real SDK over HTTPS.

- a PUT that leaves ``eventDeliverySchema`` out keeps the existing schema (it is the one property the service never
  lets change, MD#17010), instead of being read as a change to the swagger default and refused;
- included event types the topic type does not publish are stored as sent (the Azure CLI's recorded
  test_create_event_subscriptions_with_filters stored ``blobCreated``/``blobUpdated`` on a storage account);
- ``systemData`` records the caller as its token says: an application (``Application`` and its app id), a managed
  identity, or a user by name;
- paths the emulator does not serve answer with ARM's codes for an unknown resource type, an unregistered provider
  or a missing resource group, never with a text of the emulator's own.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from emulator_support import RG, SCOPE, SUB, create, raw, webhook_subscription

from amlevents.emulator.identity.tokens import mint_token

OWNER_OID = "11111111-1111-4111-8111-111111111111"
MI = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi"


class _Token(NamedTuple):
    token: str
    expires_on: int


class ClaimsCredential:
    """A credential whose tokens carry ``claims`` (what Entra ID puts in a user's, an app's or an identity's)."""

    def __init__(self, server: Any, object_id: str, claims: dict[str, Any]) -> None:
        self.server, self.object_id, self.claims = server, object_id, claims

    def get_token(self, *scopes: str, **kwargs: Any) -> _Token:
        token = mint_token(self.object_id, self.server.tenant_id, claims=self.claims)
        return _Token(token, int(time.time()) + 3600)


def _client(server: Any, credential: Any) -> Any:
    from azure.mgmt.eventgrid import EventGridManagementClient

    return EventGridManagementClient(credential, server.subscription_id, base_url=server.url, polling_interval=0,
                                     credential_scopes=["https://management.azure.com/.default"],
                                     connection_verify=server.ca_cert_path)


# --- 1. what a PUT keeps ---------------------------------------------------------------------------------------

def test_a_put_without_a_schema_keeps_the_existing_schema(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "cloud", event_delivery_schema="CloudEventSchemaV1_0")
    replaced = client.event_subscriptions.begin_create_or_update(
        SCOPE, "cloud", webhook_subscription(labels=["again"])).result()
    assert (replaced.event_delivery_schema, replaced.labels) == ("CloudEventSchemaV1_0", ["again"])


def test_a_put_naming_another_schema_is_still_refused(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "cloud", event_delivery_schema="CloudEventSchemaV1_0")
    with pytest.raises(HttpResponseError) as err:
        create(client, "cloud", event_delivery_schema="EventGridSchema")
    assert (err.value.status_code, err.value.error.code) == (400, "InvalidRequest")
    assert "cannot be different from the already existing" in err.value.error.message


def test_a_put_replaces_the_properties_it_leaves_out_except_the_schema(emulator, eventgrid_client):
    from azure.mgmt.eventgrid.models import RetryPolicy

    client = eventgrid_client(emulator)
    create(client, "runs", labels=["a"], retry_policy=RetryPolicy(max_delivery_attempts=5))
    replaced = create(client, "runs")
    assert (replaced.labels, replaced.retry_policy.max_delivery_attempts) == (None, 30)


# --- 2. event types are stored as sent -------------------------------------------------------------------------

def test_event_types_the_topic_type_does_not_publish_are_stored_as_sent(emulator, eventgrid_client):
    from azure.mgmt.eventgrid.models import EventSubscriptionFilter

    client = eventgrid_client(emulator)
    create(client, "blobs", filter=EventSubscriptionFilter(included_event_types=["blobCreated", "blobUpdated"]))
    stored = client.event_subscriptions.get(SCOPE, "blobs")
    assert stored.filter.included_event_types == ["blobCreated", "blobUpdated"]


# --- 4. systemData from the token's claims ---------------------------------------------------------------------

@pytest.mark.parametrize(("claims", "recorded"), [
    ({"idtyp": "app", "appid": "app-1", "azp": "app-1"}, ("app-1", "Application")),
    ({"appid": "app-2"}, ("app-2", "Application")),
    ({"idtyp": "app", "appid": "mi-app", "xms_mirid": MI}, ("mi-app", "ManagedIdentity")),
    ({"idtyp": "user", "upn": "ada@contoso.com", "appid": "az-cli", "scp": "user_impersonation"},
     ("ada@contoso.com", "User")),
    ({"unique_name": "live.com#ada@outlook.com", "appid": "az-cli", "scp": "user_impersonation"},
     ("live.com#ada@outlook.com", "User")),
    ({}, ("owner@amlevents.local", "User")),  # the emulator's own token for a seeded user: the seed decides
], ids=["app", "app-without-idtyp", "managed-identity", "user", "user-unique-name", "seeded-user"])
def test_system_data_records_the_caller_its_token_describes(emulator, claims, recorded):
    created = create(_client(emulator, ClaimsCredential(emulator, OWNER_OID, claims)), "runs")
    data = created.system_data
    assert (data.created_by, data.created_by_type) == recorded
    assert (data.last_modified_by, data.last_modified_by_type) == recorded


def test_a_user_signed_in_as_a_service_principal_is_recorded_as_its_application(emulator):
    from azure.identity import ClientSecretCredential

    client_id, secret = emulator.clients["owner"]  # a seeded *user* that signs in with client credentials
    credential = ClientSecretCredential(emulator.tenant_id, client_id, secret, authority=emulator.url,
                                        disable_instance_discovery=True, connection_verify=emulator.ca_cert_path)
    data = create(_client(emulator, credential), "via-app").system_data
    assert (data.created_by, data.created_by_type) == (client_id, "Application")


def test_a_seeded_service_principal_is_recorded_by_its_app_id(emulator, eventgrid_client):
    data = create(eventgrid_client(emulator, "eventsub-contributor"), "runs").system_data
    assert (data.created_by, data.created_by_type) == (emulator.clients["eventsub-contributor"][0], "Application")


def test_an_update_keeps_the_creator_and_records_the_modifier(emulator, eventgrid_client):
    from azure.mgmt.eventgrid.models import EventSubscriptionUpdateParameters

    create(eventgrid_client(emulator), "runs")
    app = _client(emulator, ClaimsCredential(emulator, OWNER_OID, {"idtyp": "app", "appid": "app-1"}))
    updated = app.event_subscriptions.begin_update(SCOPE, "runs", EventSubscriptionUpdateParameters(
        labels=["x"])).result()
    data = updated.system_data
    assert (data.created_by, data.created_by_type) == ("owner@amlevents.local", "User")
    assert (data.last_modified_by, data.last_modified_by_type) == ("app-1", "Application")


# --- 5. what the emulator does not serve answers as ARM does ---------------------------------------------------

def test_an_unknown_resource_type_is_invalid_resource_type(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    with pytest.raises(ResourceNotFoundError) as err:
        list(client.event_subscriptions.list_by_domain_topic(RG, "domain", "topic"))
    assert err.value.error.code == "InvalidResourceType"
    assert err.value.error.message == ("The resource type 'domains/topics' could not be found in the namespace "
                                       "'Microsoft.EventGrid' for api version '2025-02-15'.")


def test_an_unregistered_provider_is_no_registered_provider_found(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    with pytest.raises(HttpResponseError) as err:
        client.event_subscriptions.get(f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/"
                                       "virtualMachines/vm/extensions/x", "runs")
    assert (err.value.status_code, err.value.error.code) == (400, "NoRegisteredProviderFound")
    assert err.value.error.message == ("No registered resource provider found for location 'eastus' and API "
                                       "version '2025-02-15' for type 'virtualMachines/extensions'.")


def test_an_unserved_path_in_a_missing_resource_group_is_resource_group_not_found(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    with pytest.raises(ResourceNotFoundError) as err:
        list(client.event_subscriptions.list_by_domain_topic("nowhere", "domain", "topic"))
    assert (err.value.error.code, err.value.error.message) == (
        "ResourceGroupNotFound", "Resource group 'nowhere' could not be found.")


@pytest.mark.parametrize("path", [
    f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.EventGrid/topics/t",
    f"/subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines",
    f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/w/computes",
    f"/subscriptions/{SUB}/resourceGroups/{RG}/unknown",
    "/nothing/here",
], ids=["custom-topic", "unregistered-provider", "workspace-child", "bare-type", "outside-arm"])
def test_no_error_body_names_the_emulator(emulator, path):
    for method in ("GET", "PUT", "DELETE"):
        response = raw(emulator, method, path, body={} if method == "PUT" else None)
        assert response.status_code in (400, 404, 405), response.text
        assert "emulator" not in response.text.lower()
