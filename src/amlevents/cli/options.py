"""Shared option aliases and the sub-app factory, defined once and reused by every command module.

The filter block (``--event-type`` ... ``--enable-advanced-filtering-on-arrays``) and the Azure ML shortcut block
(``--model-name`` ...) are declared here once, for `subscription create`, `subscription update` and `events test`,
with the two functions that turn their values into core's objects (``aml_shortcuts``, ``filter_flags``): every
command that filters builds its filter through the same ``FilterFlags`` path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from amlevents.cli import completion
from amlevents.cli.argv import split_tokens
from amlevents.cli.lazy import LazySubGroup
from amlevents.cli.output import OutputFormat

if TYPE_CHECKING:
    from amlevents.core.filters import AmlShortcuts
    from amlevents.core.subscription import FilterFlags


def sub_app(help: str, **settings: Any) -> typer.Typer:  # noqa: A002 - Typer's own name for it
    """A sub-app (one noun of the root's command tree) with the settings every one of them shares.

    Plain help text: Rich help costs ~120 ms of imports on every --help. Completion is the root's business.
    ``LazySubGroup``: a ``StrictGroup`` (no option of its commands takes another option as its value) that the
    root builds with only the invoked command built (``cli/lazy.py``).
    """
    return typer.Typer(cls=LazySubGroup, help=help, rich_markup_mode=None, add_completion=False, **settings)


OutputOpt = Annotated[
    Optional[OutputFormat],
    typer.Option(
        "--output",
        "-o",
        help="Output format. Default: table on a terminal, json when piped.",
        case_sensitive=False,
        show_default=False,
    ),
]
QueryOpt = Annotated[
    Optional[str],
    typer.Option("--query", help="JMESPath query applied to the JSON result, as in the az CLI.", show_default=False),
]

# Filter options, shared by `subscription create/update` and `events test`.
EventTypeOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--event-type",
        "--included-event-types",
        help="Included event type(s), short (ModelRegistered) or full names; several words or repeat it. "
        "'all': every type (Event Grid's default; on update, back to every type).",
        show_default=False,
        rich_help_panel="Filter",
        autocompletion=completion.event_types,
    ),
]
AllowUnknownTypeOpt = Annotated[bool, typer.Option(
    "--allow-unknown-event-type", help="Pass --event-type names the Azure ML catalog does not know as given (for a "
    "type Azure ML added after this version), with a warning.", rich_help_panel="Filter")]
SubjectBeginsOpt = Annotated[
    Optional[str],
    typer.Option("--subject-begins-with", help="Subject prefix (literal, no wildcards).", rich_help_panel="Filter"),
]
SubjectEndsOpt = Annotated[
    Optional[str],
    typer.Option("--subject-ends-with", help="Subject suffix (literal, no wildcards).", rich_help_panel="Filter"),
]
SubjectCaseOpt = Annotated[
    Optional[bool],
    typer.Option(
        "--subject-case-sensitive/--subject-case-insensitive",
        help="Compare subject prefix/suffix case-sensitively (Event Grid default: insensitive).",
        show_default=False,
        rich_help_panel="Filter",
    ),
]
AdvancedFilterOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--advanced-filter",
        help="KEY OPERATOR [VALUE ...], e.g. data.ModelTags.stage StringIn prod staging. Repeatable. "
        "Separate words (as in az) or one quoted string; the docs form \"KEY StringIn ('a', 'b')\" works too.",
        show_default=False,
        rich_help_panel="Filter",
    ),
]
ArraysOpt = Annotated[
    Optional[bool],
    typer.Option(
        "--enable-advanced-filtering-on-arrays/--disable-advanced-filtering-on-arrays",
        "--enable-af-arr",
        help="Evaluate advanced filters against each element of array values.",
        show_default=False,
        rich_help_panel="Filter",
    ),
]

# Workspace addressing, on every command that talks to Azure.
WorkspaceOpt = Annotated[
    Optional[str],
    typer.Option("--workspace", "-w", help="Workspace name [env: AMLEVENTS_WORKSPACE; config.json].",
                 show_default=False, rich_help_panel="Workspace"),
]
ResourceGroupOpt = Annotated[
    Optional[str],
    typer.Option("--resource-group", "-g", help="Resource group [env: AMLEVENTS_RESOURCE_GROUP; config.json].",
                 show_default=False, rich_help_panel="Workspace"),
]
SubscriptionIdOpt = Annotated[
    Optional[str],
    typer.Option("--subscription", "-s", help="Azure subscription id [env: AZURE_SUBSCRIPTION_ID; config.json].",
                 show_default=False, rich_help_panel="Workspace"),
]
WorkspaceIdOpt = Annotated[
    Optional[str],
    typer.Option("--workspace-id", "--source-resource-id", help="Full ARM id of the workspace (instead of -w/-g/-s).",
                 show_default=False, rich_help_panel="Workspace"),
]

# Azure ML shortcuts that build filter pieces (`subscription create/update`, `events test`).
ModelNameOpt = Annotated[Optional[str], typer.Option(
    "--model-name", help="Only this model's ModelRegistered events (subject prefix models/NAME:).",
    show_default=False, rich_help_panel="Azure ML shortcuts")]
ModelVersionOpt = Annotated[Optional[str], typer.Option(
    "--model-version", help="With --model-name: only this version (subject suffix :VERSION).", show_default=False,
    rich_help_panel="Azure ML shortcuts")]
ExperimentIdOpt = Annotated[Optional[str], typer.Option(
    "--experiment-id", help="Only runs of this experiment (subject prefix experiments/ID/).", show_default=False,
    rich_help_panel="Azure ML shortcuts")]
ExperimentNameOpt = Annotated[Optional[str], typer.Option(
    "--experiment-name", help="Only runs of this experiment name (data.experimentName).", show_default=False,
    rich_help_panel="Azure ML shortcuts")]
ServiceNameOpt = Annotated[Optional[str], typer.Option(
    "--service-name", help="Only ModelDeployed events of this deployment/service (subject endpoints/NAME).",
    show_default=False, rich_help_panel="Azure ML shortcuts")]
ModelTagOpt = Annotated[Optional[list[str]], typer.Option(
    "--model-tag", help="KEY=VALUE: only models with this tag (data.ModelTags.KEY). Repeatable.",
    show_default=False, rich_help_panel="Azure ML shortcuts")]
RunTagOpt = Annotated[Optional[list[str]], typer.Option(
    "--run-tag", help="KEY=VALUE: only runs with this tag (data.runTags.KEY). Repeatable.", show_default=False,
    rich_help_panel="Azure ML shortcuts")]
RunStatusOpt = Annotated[Optional[list[str]], typer.Option(
    "--run-status", help="Only RunStatusChanged events with this status (Completed, Failed ...). Repeatable.",
    show_default=False, rich_help_panel="Azure ML shortcuts")]

# Destination.
EndpointOpt = Annotated[Optional[str], typer.Option(
    "--endpoint", "--delivery-identity-endpoint",
    help="Webhook https URL, or the resource id of the destination for the other endpoint types.",
    show_default=False, rich_help_panel="Destination")]
EndpointTypeOpt = Annotated[Optional[str], typer.Option(
    "--endpoint-type", "--delivery-identity-endpoint-type",
    help="webhook (default on create), azurefunction, eventhub, servicebusqueue, "
    "servicebustopic, storagequeue, hybridconnection. On update the current type is kept.", show_default=False,
    rich_help_panel="Destination", autocompletion=completion.endpoint_types)]
MaxEventsOpt = Annotated[Optional[int], typer.Option(
    "--max-events-per-batch", help="1-5000 (webhook, azurefunction).", show_default=False,
    rich_help_panel="Destination")]
BatchSizeOpt = Annotated[Optional[int], typer.Option(
    "--preferred-batch-size-in-kilobytes", "--pref-batch-size-kb", help="1-1024 (webhook, azurefunction).",
    show_default=False, rich_help_panel="Destination")]
AadTenantOpt = Annotated[Optional[str], typer.Option(
    "--aad-tenant-id", "--azure-active-directory-tenant-id", help="Entra ID tenant for webhook delivery.",
    show_default=False, rich_help_panel="Destination")]
AadAppOpt = Annotated[Optional[str], typer.Option(
    "--aad-app-id-or-uri", "--azure-active-directory-application-id-or-uri",
    help="Entra ID application id or URI the webhook token is issued for.", show_default=False,
    rich_help_panel="Destination")]
DeliveryAttributeOpt = Annotated[Optional[list[str]], typer.Option(
    "--delivery-attribute-mapping", "-d", help="NAME static VALUE [true|false] or NAME dynamic SOURCEFIELD "
    "(a header on each delivery; true marks the static value secret). Repeatable.", show_default=False,
    rich_help_panel="Destination")]
QueueTtlOpt = Annotated[Optional[int], typer.Option(
    "--storage-queue-msg-ttl", "--qttl", help="Storage queue message time-to-live in seconds (-1: infinite).",
    show_default=False, rich_help_panel="Destination")]
MinTlsOpt = Annotated[Optional[str], typer.Option(
    "--min-tls-version", help="Minimum TLS version for webhook delivery: 1.0, 1.1 or 1.2.", show_default=False,
    rich_help_panel="Destination")]
DeliveryIdentityOpt = Annotated[Optional[str], typer.Option(
    "--delivery-identity", help="Deliver with the system topic's identity: systemassigned or userassigned "
    "(none on update: back to plain delivery).", show_default=False, rich_help_panel="Destination")]
DeliveryIdentityUserOpt = Annotated[Optional[str], typer.Option(
    "--delivery-identity-user-id", help="Resource id of the user-assigned identity.", show_default=False,
    rich_help_panel="Destination")]

# Delivery and dead-lettering.
DeadLetterOpt = Annotated[Optional[str], typer.Option(
    "--deadletter-endpoint", "--deadletter-identity-endpoint",
    help="Blob container resource id for undeliverable events "
    "(.../storageAccounts/SA/blobServices/default/containers/NAME).", show_default=False,
    rich_help_panel="Delivery")]
DeadLetterIdentityOpt = Annotated[Optional[str], typer.Option(
    "--deadletter-identity", help="Dead-letter with the topic's identity: systemassigned or userassigned.",
    show_default=False, rich_help_panel="Delivery")]
DeadLetterIdentityUserOpt = Annotated[Optional[str], typer.Option(
    "--deadletter-identity-user-id", help="Resource id of the user-assigned identity for dead-lettering.",
    show_default=False, rich_help_panel="Delivery")]
MaxAttemptsOpt = Annotated[Optional[int], typer.Option(
    "--max-delivery-attempts", help="1-30 (default 30).", show_default=False, rich_help_panel="Delivery")]
EventTtlOpt = Annotated[Optional[int], typer.Option(
    "--event-ttl", help="Minutes an event is retried, 1-1440 (default 1440).", show_default=False,
    rich_help_panel="Delivery")]
ExpirationOpt = Annotated[Optional[str], typer.Option(
    "--expiration-date", help="When the subscription expires: a date (UTC midnight) or date-time.",
    show_default=False, rich_help_panel="Delivery")]
LabelsOpt = Annotated[Optional[list[str]], typer.Option(
    "--labels", help="Labels; several words or repeat the option.", show_default=False,
    rich_help_panel="Delivery")]
SchemaOpt = Annotated[Optional[str], typer.Option(
    "--event-delivery-schema", help="eventgridschema (default), cloudeventschemav1_0 or custominputschema.",
    show_default=False, rich_help_panel="Delivery")]

# Behaviour of writes.
DryRunOpt = Annotated[bool, typer.Option(
    "--dry-run", help="Do the reads (access check, current state), print the write as JSON, send nothing.")]
NoWaitOpt = Annotated[bool, typer.Option("--no-wait", help="Return as soon as Azure accepts the request.")]
SkipAccessOpt = Annotated[bool, typer.Option(
    "--skip-access-check", help="Do not check permissions first (Azure's own 403 is reported instead).")]


# --- From the option values to core's objects: one place for every command that takes these options ---

def words(values: Sequence[str] | None) -> list[str] | None:
    """The values of a multi-word option (``--labels a b``) or a repeated one, flattened; None when not given."""
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        tokens = split_tokens(value)
        out.extend(tokens if isinstance(tokens, list) else [tokens])
    return out


def aml_shortcuts(
    *,
    model_name: str | None,
    model_version: str | None,
    experiment_id: str | None,
    experiment_name: str | None,
    service_name: str | None,
    model_tags: Sequence[str] | None,
    run_tags: Sequence[str] | None,
    run_statuses: Sequence[str] | None,
) -> AmlShortcuts:
    """The Azure ML shortcut options as core's ``AmlShortcuts``: tags parsed as KEY=VALUE, statuses split into
    words (``--run-status Completed Failed``)."""
    from amlevents.core.filters import AmlShortcuts, parse_tag

    return AmlShortcuts(
        model_name=model_name, model_version=model_version, experiment_id=experiment_id,
        experiment_name=experiment_name, service_name=service_name,
        model_tags=tuple(parse_tag(t, option="--model-tag") for t in model_tags or ()),
        run_tags=tuple(parse_tag(t, option="--run-tag") for t in run_tags or ()),
        run_statuses=tuple(words(run_statuses) or ()),
    )


def filter_flags(
    *,
    event_types: Sequence[str] | None,
    subject_begins_with: str | None,
    subject_ends_with: str | None,
    subject_case_sensitive: bool | None,
    advanced_filters: Sequence[str] | None,
    enable_arrays: bool | None,
    shortcuts: AmlShortcuts,
    allow_unknown_event_types: bool = False,
    add_filters: Sequence[str] | None = None,
    remove_keys: Sequence[str] | None = None,
    clear_advanced: bool = False,
    clear_subject: bool = False,
) -> FilterFlags:
    """The filter options (and the shortcuts) as core's ``FilterFlags``; the last four are `subscription
    update`'s edits. Multi-word values are split back into the words the user typed."""
    from amlevents.core.subscription import FilterFlags

    return FilterFlags(
        event_types=words(event_types), subject_begins_with=subject_begins_with,
        subject_ends_with=subject_ends_with, subject_case_sensitive=subject_case_sensitive,
        advanced_filters=[split_tokens(a) for a in advanced_filters] if advanced_filters else None,
        enable_arrays=enable_arrays, shortcuts=shortcuts,
        add=[split_tokens(a) for a in add_filters or ()], remove_keys=remove_keys or (),
        clear_advanced=clear_advanced, clear_subject=clear_subject,
        allow_unknown_event_types=allow_unknown_event_types,
    )
