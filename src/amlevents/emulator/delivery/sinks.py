"""Where an event ends when it is not (or no longer) going over HTTP: the spool, the dead-letter folder, or
nowhere (dropped, and recorded as such). Also the Entra ID token a webhook with Entra settings receives.

The token stands in for the one Entra ID issues to the Event Grid service principal: an unsigned JWT (as every
emulator token) for the webhook's ``azureActiveDirectoryTenantId`` (the seeded tenant when unset) whose ``aud``
is ``azureActiveDirectoryApplicationIdOrUri``, issued to Event Grid's first-party application id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from amlevents.core.delivery import dead_letter_record, dead_letter_target, outcome_name
from amlevents.core.delivery.headers import attribute_headers
from amlevents.core.redact import REDACTED, redact_text
from amlevents.emulator.delivery import files
from amlevents.emulator.delivery.publish import iso
from amlevents.emulator.delivery.targets import Target
from amlevents.emulator.delivery.transport import Answer
from amlevents.emulator.identity.tokens import mint_token

EVENTGRID_APP_ID = "4962773b-9cdb-44cf-a8bf-237846a00ab7"  # "Microsoft.EventGrid", the service's first-party app


def entra_token(target: Target, default_tenant: str) -> str | None:
    """The bearer token for a webhook with Entra ID settings, else None."""
    props = (target.destination or {}).get("properties") or {}
    audience = props.get("azureActiveDirectoryApplicationIdOrUri")
    tenant = props.get("azureActiveDirectoryTenantId")
    if not audience and not tenant:
        return None
    return mint_token(EVENTGRID_APP_ID, tenant or default_tenant, audience=audience or EVENTGRID_APP_ID,
                      claims={"appid": EVENTGRID_APP_ID, "azp": EVENTGRID_APP_ID, "idtyp": "app"})


def spool(spool_dir: Path | None, target: Target, event: dict[str, Any], now: float) -> Path | None:
    """Append ``event`` (in the subscription's schema) to its destination's spool; the file, or None without a
    spool directory."""
    from amlevents.core.delivery import to_schema

    if spool_dir is None:
        return None
    dest = target.destination or {}
    props = dest.get("properties") or {}
    values, secret = attribute_headers(target.mappings, event)
    line = {"time": iso(now), "subscription": target.name, "subscriptionId": target.id,
            "endpointType": dest.get("endpointType"), "resourceId": props.get("resourceId"),
            "properties": {k: (REDACTED if k.lower() in secret else v) for k, v in values.items()},
            "event": to_schema(event, target.properties.get("eventDeliverySchema"))}
    resource_id = str(props.get("resourceId") or target.id)
    if dest.get("endpointType") == "StorageQueue" and props.get("queueName"):  # one spool per queue
        resource_id += f"/queueServices/default/queues/{props['queueName']}"
    return files.append_spool(spool_dir, resource_id, line)


def _dead_letter_destination(props: dict[str, Any]) -> Any:
    if props.get("deadLetterDestination"):
        return props["deadLetterDestination"]
    return (props.get("deadLetterWithResourceIdentity") or {}).get("deadLetterDestination")


def dead_letter(root: Path | None, target: Target, event: dict[str, Any], *, reason: str, attempts: int,
                answer: Answer, publish_time: str, last_attempt_time: str | None) -> dict[str, Any]:
    """Dead-letter one event (already in the delivered schema) if the subscription has a dead-letter
    destination: the record fields to set (``outcome`` deadLettered with ``deadLetterFile``, or dropped)."""
    where = dead_letter_target(_dead_letter_destination(target.properties))
    if where is None or root is None:
        why = "no dead-letter destination" if where is None else "the emulator has no dead-letter directory"
        return {"outcome": "dropped", "reason": f"{reason}; {why}"}
    record = dead_letter_record(event, reason=reason, attempts=attempts,
                                last_outcome=outcome_name(answer.status, answer.error),
                                last_status=answer.status, publish_time=publish_time,
                                last_attempt_time=last_attempt_time)
    try:
        path = files.write_dead_letter(root, where[0], where[1], target.name, str(event.get("id")), record)
    except OSError as exc:
        return {"outcome": "dropped", "reason": f"{reason}; the dead-letter write failed: {redact_text(str(exc))}"}
    return {"outcome": "deadLettered", "reason": reason, "deadLetterFile": str(path)}
