"""`subscription create/update --check-endpoint`: the webhook handshake tried from this machine before Azure is asked.

The HTTP is ``arm.endpoint_check``'s; this module decides which handshake (the delivery schema), which CAs to
trust (Azure: the public ones; the emulator: also its own CA, as it does when it validates), and how a failure
ends the command: exit 1 (``ExitCode.ERROR``), the code the same handshake failing in Azure ends with, since the
endpoint, not the user's input, is at fault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from amlevents.core.errors import AmlEventsError, InvalidInputError

CheckEndpointOpt = Annotated[bool, typer.Option(
    "--check-endpoint", help="First send the webhook Event Grid's validation handshake from this machine (the "
    "OPTIONS request for CloudEvents) and stop with exit 1 unless it answers correctly. Sends no event.",
    rich_help_panel="Destination")]


class EndpointCheckError(AmlEventsError):
    """The webhook did not answer the validation handshake as Event Grid requires."""


def check_before_write(ctx: typer.Context, name: str, *, endpoint: str | None, endpoint_type: str | None,
                       schema: str | None, current_schema: Callable[[], str | None] = lambda: None) -> None:
    """Run the handshake against ``endpoint``; returns when it passes, raises ``EndpointCheckError`` otherwise.

    ``schema`` is ``--event-delivery-schema`` (None: ``current_schema()``, the subscription's own on update).
    """
    from amlevents.arm.endpoint_check import check_endpoint
    from amlevents.cli.output import note
    from amlevents.core.subscription.properties import schema_wire

    if not endpoint:
        raise InvalidInputError("--check-endpoint checks the URL given with --endpoint",
                                hint="add --endpoint https://...; Azure validates a webhook when its URL is set")
    if (endpoint_type or "webhook").strip().lower() != "webhook" or not endpoint.lower().startswith(
            ("https://", "http://")):
        raise InvalidInputError("--check-endpoint checks webhook URLs only",
                                hint="other destinations (azurefunction, eventhub, ...) have no handshake")
    wire = schema_wire(schema) if schema else (current_schema() or "EventGridSchema")
    cloudevents = wire.lower() == "cloudeventschemav1_0"
    note("Checking the endpoint from this machine; Azure validates from its own network, which must reach it too.")
    outcome = check_endpoint(endpoint, cloudevents=cloudevents, subscription_name=name, verify=_trusted_cas(ctx, endpoint))
    if not outcome.ok:
        raise EndpointCheckError(f"the endpoint failed the validation handshake: {outcome.problem}",
                                 hint=outcome.hint)
    how = "consented to the OPTIONS request" if cloudevents else "echoed the validation code with 200"
    note(f"The endpoint passed the validation handshake ({how}).")


def _trusted_cas(ctx: typer.Context, endpoint: str) -> bool | str:
    """The public CAs; for a loopback endpoint in an emulator mode, the emulator's CA instead (which the emulator
    trusts when it validates: ``listen --https`` serves a certificate it signed)."""
    from urllib.parse import urlsplit

    from amlevents.cli.context import settings

    current = settings(ctx)
    try:
        host = (urlsplit(endpoint).hostname or "").lower()
    except ValueError:
        return True
    if host not in ("127.0.0.1", "localhost", "::1"):
        return True
    if current.mode == "emulator":
        return current.emulator_ca or True
    if current.mode == "local":
        from amlevents.cli.wiring import local_data_dir

        ca = local_data_dir() / "certs" / "ca.pem"
        return str(ca) if ca.is_file() else True
    return True
