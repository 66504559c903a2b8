"""`amlevents subscription ...`: create, update, show, list and delete a workspace's event subscriptions."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from amlevents.cli import render
from amlevents.cli.context import address, service
from amlevents.cli.options import (
    AadAppOpt,
    AadTenantOpt,
    AdvancedFilterOpt,
    ArraysOpt,
    BatchSizeOpt,
    DeadLetterIdentityOpt,
    DeadLetterIdentityUserOpt,
    DeadLetterOpt,
    DeliveryAttributeOpt,
    DeliveryIdentityOpt,
    DeliveryIdentityUserOpt,
    DryRunOpt,
    EndpointOpt,
    EndpointTypeOpt,
    EventTtlOpt,
    EventTypeOpt,
    ExperimentIdOpt,
    ExperimentNameOpt,
    ExpirationOpt,
    LabelsOpt,
    MaxAttemptsOpt,
    MaxEventsOpt,
    MinTlsOpt,
    ModelNameOpt,
    ModelTagOpt,
    ModelVersionOpt,
    NoWaitOpt,
    OutputOpt,
    QueryOpt,
    QueueTtlOpt,
    ResourceGroupOpt,
    RunStatusOpt,
    RunTagOpt,
    SchemaOpt,
    ServiceNameOpt,
    SkipAccessOpt,
    SubjectBeginsOpt,
    SubjectCaseOpt,
    SubjectEndsOpt,
    SubscriptionIdOpt,
    WorkspaceIdOpt,
    WorkspaceOpt,
    sub_app,
)

app = sub_app("Create, update, show, list and delete the event subscriptions of a workspace.",
              no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="Event subscription name (3-64 letters, digits, hyphens).")]
# `--system-topic` is a flag and never takes a value: a name, where one is needed, is `--system-topic-name`.
SystemTopicLookupOpt = Annotated[bool, typer.Option(
    "--system-topic", help="Look only under the workspace's system topic (default: the workspace scope, then its "
    "system topic).")]
SystemTopicNameLookupOpt = Annotated[Optional[str], typer.Option(
    "--system-topic-name", help="Look only under the system topic of this name (implies --system-topic).",
    show_default=False)]


def _lookup(flag: bool, name: str | None) -> str | bool | None:
    """Where show/update/delete look: a named system topic, the workspace's own (True), or both kinds (None)."""
    return name or (True if flag else None)


def _words(values: list[str] | None) -> list[str] | None:
    """Values of a multi-word option (``--labels a b``) or a repeated one, flattened."""
    from amlevents.cli.errors import split_tokens

    if values is None:
        return None
    out: list[str] = []
    for value in values:
        tokens = split_tokens(value)
        out.extend(tokens if isinstance(tokens, list) else [tokens])
    return out


def _options(given: dict[str, Any]) -> Any:
    """``SubscriptionOptions`` from a command's parameters (they carry the same names as its fields)."""
    import dataclasses

    from amlevents.cli.errors import split_tokens
    from amlevents.core.subscription import (
        SubscriptionOptions,
        parse_delivery_attribute,
    )

    names = {f.name for f in dataclasses.fields(SubscriptionOptions)} - {"delivery_attributes", "labels"}
    kw = {k: v for k, v in given.items() if k in names}
    mappings, labels = given.get("delivery_attributes"), given.get("labels")
    return SubscriptionOptions(
        delivery_attributes=tuple(parse_delivery_attribute(split_tokens(m)) for m in mappings) if mappings else None,
        labels=tuple(_words(labels)) if labels is not None else None,
        **kw,
    )


def _filter_flags(given: dict[str, Any]) -> Any:
    """``FilterFlags`` (with the Azure ML shortcuts) from a command's parameters."""
    from amlevents.cli.errors import split_tokens
    from amlevents.core.filters import AmlShortcuts, parse_tag
    from amlevents.core.subscription import FilterFlags

    shortcuts = AmlShortcuts(
        model_name=given["model_name"], model_version=given["model_version"], experiment_id=given["experiment_id"],
        experiment_name=given["experiment_name"], service_name=given["service_name"],
        model_tags=tuple(parse_tag(t, option="--model-tag") for t in given["model_tags"] or ()),
        run_tags=tuple(parse_tag(t, option="--run-tag") for t in given["run_tags"] or ()),
        run_statuses=tuple(_words(given["run_statuses"]) or ()),
    )
    advanced = given["advanced_filters"]
    return FilterFlags(
        event_types=_words(given["event_types"]), subject_begins_with=given["subject_begins_with"],
        subject_ends_with=given["subject_ends_with"], subject_case_sensitive=given["subject_case_sensitive"],
        enable_arrays=given["enable_arrays"], shortcuts=shortcuts,
        advanced_filters=[split_tokens(a) for a in advanced] if advanced else None,
        add=[split_tokens(a) for a in given.get("add_filters") or ()], remove_keys=given.get("remove_keys") or (),
        clear_advanced=given.get("clear_advanced", False), clear_subject=given.get("clear_subject", False),
    )


@app.command("create")
def create(
    ctx: typer.Context,
    name: NameArg,
    system_topic: Annotated[bool, typer.Option(
        "--system-topic", help="Create it under the workspace's system topic (reused if it exists, else created as "
        "<workspace>-events, or --system-topic-name).")] = False,
    system_topic_name: Annotated[Optional[str], typer.Option(
        "--system-topic-name", help="Name of the system topic when one must be created (implies --system-topic; "
        "an existing one is reused whatever its name: Azure allows one per workspace).", show_default=False)] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a subscription of the same name.")] = False,
    event_types: EventTypeOpt = None, subject_begins_with: SubjectBeginsOpt = None,
    subject_ends_with: SubjectEndsOpt = None, subject_case_sensitive: SubjectCaseOpt = None,
    advanced_filters: AdvancedFilterOpt = None, enable_arrays: ArraysOpt = None,
    model_name: ModelNameOpt = None, model_version: ModelVersionOpt = None, experiment_id: ExperimentIdOpt = None,
    experiment_name: ExperimentNameOpt = None, service_name: ServiceNameOpt = None, model_tags: ModelTagOpt = None,
    run_tags: RunTagOpt = None, run_statuses: RunStatusOpt = None,
    endpoint: EndpointOpt = None, endpoint_type: EndpointTypeOpt = None, max_events_per_batch: MaxEventsOpt = None,
    preferred_batch_size_kb: BatchSizeOpt = None, aad_tenant_id: AadTenantOpt = None, aad_app_id_or_uri: AadAppOpt = None,
    delivery_attributes: DeliveryAttributeOpt = None, storage_queue_ttl_seconds: QueueTtlOpt = None,
    min_tls_version: MinTlsOpt = None, delivery_identity: DeliveryIdentityOpt = None,
    delivery_identity_user_id: DeliveryIdentityUserOpt = None, deadletter_endpoint: DeadLetterOpt = None,
    deadletter_identity: DeadLetterIdentityOpt = None, deadletter_identity_user_id: DeadLetterIdentityUserOpt = None,
    max_delivery_attempts: MaxAttemptsOpt = None, event_ttl_minutes: EventTtlOpt = None,
    expiration: ExpirationOpt = None, labels: LabelsOpt = None, delivery_schema: SchemaOpt = None,
    workspace: WorkspaceOpt = None, resource_group: ResourceGroupOpt = None, subscription: SubscriptionIdOpt = None,
    workspace_id: WorkspaceIdOpt = None,
    dry_run: DryRunOpt = False, no_wait: NoWaitOpt = False, skip_access_check: SkipAccessOpt = False,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """Create an event subscription on a workspace, after checking that you may.

    Example: amlevents subscription create churn-models --endpoint https://example.com/hook
    --model-name churn --advanced-filter data.ModelTags.stage StringIn production
    """
    from amlevents.cli.output import warn
    from amlevents.core.filters import lint
    from amlevents.core.subscription import new_filter

    given = dict(locals())
    event_filter = new_filter(_filter_flags(given))
    for message in lint(event_filter):
        warn(message)
    options = _options(given)
    result = service(ctx).create(
        address(ctx, workspace, resource_group, subscription, workspace_id), name, options, event_filter,
        system_topic=system_topic_name or ("" if system_topic else None), overwrite=overwrite, dry_run=dry_run,
        wait=not no_wait, check_access=not skip_access_check,
    )
    render.resource_or_request(ctx, result, output, query)


@app.command("update")
def update(
    ctx: typer.Context,
    name: NameArg,
    system_topic: SystemTopicLookupOpt = False, system_topic_name: SystemTopicNameLookupOpt = None,
    event_types: EventTypeOpt = None, subject_begins_with: SubjectBeginsOpt = None,
    subject_ends_with: SubjectEndsOpt = None, subject_case_sensitive: SubjectCaseOpt = None,
    advanced_filters: AdvancedFilterOpt = None, enable_arrays: ArraysOpt = None,
    add_filters: Annotated[Optional[list[str]], typer.Option(
        "--add-advanced-filter", help="Append an advanced filter (KEY OPERATOR [VALUE ...]). Repeatable.",
        show_default=False, rich_help_panel="Filter")] = None,
    remove_keys: Annotated[Optional[list[str]], typer.Option(
        "--remove-advanced-filter", help="Remove every advanced filter on KEY. Repeatable.", show_default=False,
        rich_help_panel="Filter")] = None,
    clear_advanced: Annotated[bool, typer.Option(
        "--clear-advanced-filters", help="Remove all advanced filters.", rich_help_panel="Filter")] = False,
    clear_subject: Annotated[bool, typer.Option(
        "--clear-subject-filters", help="Remove the subject prefix and suffix.", rich_help_panel="Filter")] = False,
    model_name: ModelNameOpt = None, model_version: ModelVersionOpt = None, experiment_id: ExperimentIdOpt = None,
    experiment_name: ExperimentNameOpt = None, service_name: ServiceNameOpt = None, model_tags: ModelTagOpt = None,
    run_tags: RunTagOpt = None, run_statuses: RunStatusOpt = None,
    endpoint: EndpointOpt = None, endpoint_type: EndpointTypeOpt = None, max_events_per_batch: MaxEventsOpt = None,
    preferred_batch_size_kb: BatchSizeOpt = None, aad_tenant_id: AadTenantOpt = None, aad_app_id_or_uri: AadAppOpt = None,
    delivery_attributes: DeliveryAttributeOpt = None,
    clear_delivery_attributes: Annotated[bool, typer.Option(
        "--clear-delivery-attributes", help="Remove all delivery attribute mappings.",
        rich_help_panel="Destination")] = False,
    storage_queue_ttl_seconds: QueueTtlOpt = None, min_tls_version: MinTlsOpt = None,
    delivery_identity: DeliveryIdentityOpt = None, delivery_identity_user_id: DeliveryIdentityUserOpt = None,
    deadletter_endpoint: DeadLetterOpt = None, deadletter_identity: DeadLetterIdentityOpt = None,
    deadletter_identity_user_id: DeadLetterIdentityUserOpt = None,
    clear_deadletter: Annotated[bool, typer.Option(
        "--clear-dead-letter", help="Stop dead-lettering (sent as a full PUT: Azure ignores it in a PATCH).",
        rich_help_panel="Delivery")] = False,
    max_delivery_attempts: MaxAttemptsOpt = None, event_ttl_minutes: EventTtlOpt = None,
    expiration: ExpirationOpt = None,
    clear_expiration: Annotated[bool, typer.Option(
        "--clear-expiration", help="Never expire.", rich_help_panel="Delivery")] = False,
    labels: LabelsOpt = None,
    clear_labels: Annotated[bool, typer.Option("--clear-labels", help="Remove all labels.",
                                               rich_help_panel="Delivery")] = False,
    delivery_schema: SchemaOpt = None,
    workspace: WorkspaceOpt = None, resource_group: ResourceGroupOpt = None, subscription: SubscriptionIdOpt = None,
    workspace_id: WorkspaceIdOpt = None,
    dry_run: DryRunOpt = False, no_wait: NoWaitOpt = False, skip_access_check: SkipAccessOpt = False,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """Change only what you name on an existing subscription; everything else is kept.

    Example: amlevents subscription update churn-models --max-delivery-attempts 10 --add-advanced-filter
    data.ModelTags.team StringIn risk
    """
    given = dict(locals())
    options, flags = _options(given), _filter_flags(given)
    result = service(ctx).update(
        address(ctx, workspace, resource_group, subscription, workspace_id), name, options, flags,
        topic=_lookup(system_topic, system_topic_name), dry_run=dry_run, wait=not no_wait,
        check_access=not skip_access_check,
    )
    render.resource_or_request(ctx, result, output, query)


@app.command("show")
def show(
    ctx: typer.Context,
    name: NameArg,
    system_topic: SystemTopicLookupOpt = False, system_topic_name: SystemTopicNameLookupOpt = None,
    full_url: Annotated[bool, typer.Option(
        "--include-full-endpoint-url", help="Also read the webhook URL with its query string (getFullUrl; shown "
        "redacted unless --show-secrets).")] = False,
    workspace: WorkspaceOpt = None, resource_group: ResourceGroupOpt = None, subscription: SubscriptionIdOpt = None,
    workspace_id: WorkspaceIdOpt = None,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """Show one event subscription (the ARM resource).

    Example: amlevents subscription show churn-models -o json
    """
    resource = service(ctx).show(address(ctx, workspace, resource_group, subscription, workspace_id), name,
                                 topic=_lookup(system_topic, system_topic_name), full_url=full_url)
    render.resource(ctx, resource, output, query)


@app.command("list")
def list_subscriptions(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None, resource_group: ResourceGroupOpt = None, subscription: SubscriptionIdOpt = None,
    workspace_id: WorkspaceIdOpt = None,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """List a workspace's event subscriptions: workspace scope and system topic, every page.

    Example: amlevents subscription list -w my-workspace -g my-rg -o table
    """
    items = service(ctx).list(address(ctx, workspace, resource_group, subscription, workspace_id))
    render.resources(ctx, items, output, query)


@app.command("delete")
def delete(
    ctx: typer.Context,
    name: NameArg,
    system_topic: SystemTopicLookupOpt = False, system_topic_name: SystemTopicNameLookupOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (required without a "
                                      "terminal).")] = False,
    if_exists: Annotated[bool, typer.Option("--if-exists", help="A missing subscription is a success.")] = False,
    workspace: WorkspaceOpt = None, resource_group: ResourceGroupOpt = None, subscription: SubscriptionIdOpt = None,
    workspace_id: WorkspaceIdOpt = None,
    dry_run: DryRunOpt = False, no_wait: NoWaitOpt = False, skip_access_check: SkipAccessOpt = False,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """Delete an event subscription (asks first on a terminal).

    Example: amlevents subscription delete churn-models --yes
    """
    result = service(ctx).delete(
        address(ctx, workspace, resource_group, subscription, workspace_id), name,
        topic=_lookup(system_topic, system_topic_name), yes=yes, if_exists=if_exists, dry_run=dry_run,
        wait=not no_wait, check_access=not skip_access_check,
    )
    if result is not None:
        render.resource_or_request(ctx, result, output, query)
