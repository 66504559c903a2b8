"""`amlevents subscription ...`: create, update, show, list and delete a workspace's event subscriptions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from amlevents.cli import render
from amlevents.cli.argv import split_tokens
from amlevents.cli.check_endpoint import CheckEndpointOpt, check_before_write
from amlevents.cli.context import address, service
from amlevents.cli.fleet import AllSubscriptionsOpt, LocationOpt, WorkspacePatternOpt
from amlevents.cli.options import (
    AadAppOpt,
    AadTenantOpt,
    AdvancedFilterOpt,
    AllowUnknownTypeOpt,
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
    aml_shortcuts,
    filter_flags,
    sub_app,
    words,
)

if TYPE_CHECKING:
    from amlevents.core.subscription import DeliveryAttribute, FilterFlags

app = sub_app("Create, update, show, list and delete the event subscriptions of a workspace.",
              no_args_is_help=True)

NameArg = Annotated[Optional[str], typer.Argument(
    help="Event subscription name (3-64 letters, digits, hyphens); or give it with -n/--name.", show_default=False)]
NameOpt = Annotated[Optional[str], typer.Option(
    "--name", "-n", help="The event subscription name, as az takes it (instead of NAME).", show_default=False)]
# `--system-topic` is a flag and never takes a value: a name, where one is needed, is `--system-topic-name`.
SystemTopicLookupOpt = Annotated[bool, typer.Option(
    "--system-topic", help="Address it through the workspace's system topic (default: the workspace scope; both "
    "paths reach the same subscriptions).")]
SystemTopicNameLookupOpt = Annotated[Optional[str], typer.Option(
    "--system-topic-name", help="Address it through the system topic of this name (implies --system-topic).",
    show_default=False)]


def _name(ctx: typer.Context, positional: str | None, option: str | None) -> str:
    """The subscription name, given as NAME or -n/--name (once); a missing one says which option took it."""
    from amlevents.core.errors import InvalidInputError

    if positional and option and positional != option:
        raise InvalidInputError(f"two names given: '{positional}' as NAME and '{option}' with --name",
                                hint="give the name once, as NAME or with -n/--name")
    if positional or option:
        return positional or option  # type: ignore[return-value]
    from amlevents.cli.argv import swallowed_by

    taken = swallowed_by(ctx)
    if taken:
        opt, word = taken
        raise InvalidInputError(
            f"missing the event subscription name: {opt} took '{word}' as its last value",
            hint=f"end the values of {opt} with another option or '--' before NAME, put NAME right after the "
            "command, or give it with -n/--name")
    raise InvalidInputError("missing the event subscription name",
                            hint="give it as NAME right after the command, or with -n/--name NAME")


def _lookup(flag: bool, name: str | None) -> str | bool | None:
    """Where show/update/delete address it: a named system topic, the workspace's own (True), or the scope (None)."""
    return name or (True if flag else None)


def _delivery_attributes(values: list[str] | None) -> tuple[DeliveryAttribute, ...] | None:
    """``--delivery-attribute-mapping NAME TYPE VALUE [SECRET]`` values (each repeatable, several words) parsed."""
    from amlevents.core.subscription import parse_delivery_attribute

    return tuple(parse_delivery_attribute(split_tokens(m)) for m in values) if values else None


def _labels(values: list[str] | None) -> tuple[str, ...] | None:
    """``--labels a b`` or repeated ``--labels``; None when not given (update keeps the current labels)."""
    return tuple(words(values) or ()) if values is not None else None


@app.command("create")
def create(
    ctx: typer.Context,
    name: NameArg = None,
    name_opt: NameOpt = None,
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
    allow_unknown_event_types: AllowUnknownTypeOpt = False,
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
    check_endpoint: CheckEndpointOpt = False, output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """Create an event subscription on a workspace, after checking that you may.

    Example: amlevents subscription create churn-models --endpoint https://example.com/hook
    --model-name churn --advanced-filter data.ModelTags.stage StringIn production
    """
    name = _name(ctx, name, name_opt)
    from amlevents.cli.output import warn
    from amlevents.core.filters import lint
    from amlevents.core.subscription import SubscriptionOptions, new_filter

    shortcuts = aml_shortcuts(
        model_name=model_name, model_version=model_version, experiment_id=experiment_id,
        experiment_name=experiment_name, service_name=service_name, model_tags=model_tags, run_tags=run_tags,
        run_statuses=run_statuses)
    event_filter = new_filter(filter_flags(
        event_types=event_types, subject_begins_with=subject_begins_with, subject_ends_with=subject_ends_with,
        subject_case_sensitive=subject_case_sensitive, advanced_filters=advanced_filters,
        enable_arrays=enable_arrays, allow_unknown_event_types=allow_unknown_event_types, shortcuts=shortcuts))
    for message in lint(event_filter):
        warn(message)
    options = SubscriptionOptions(
        endpoint=endpoint, endpoint_type=endpoint_type, max_events_per_batch=max_events_per_batch,
        preferred_batch_size_kb=preferred_batch_size_kb, aad_tenant_id=aad_tenant_id,
        aad_app_id_or_uri=aad_app_id_or_uri, delivery_attributes=_delivery_attributes(delivery_attributes),
        storage_queue_ttl_seconds=storage_queue_ttl_seconds, min_tls_version=min_tls_version,
        delivery_identity=delivery_identity, delivery_identity_user_id=delivery_identity_user_id,
        deadletter_endpoint=deadletter_endpoint, deadletter_identity=deadletter_identity,
        deadletter_identity_user_id=deadletter_identity_user_id, max_delivery_attempts=max_delivery_attempts,
        event_ttl_minutes=event_ttl_minutes, expiration=expiration, labels=_labels(labels),
        delivery_schema=delivery_schema)
    if check_endpoint:
        check_before_write(ctx, name, endpoint=endpoint, endpoint_type=endpoint_type, schema=delivery_schema)
    result = service(ctx).create(
        address(ctx, workspace, resource_group, subscription, workspace_id), name, options, event_filter,
        system_topic=system_topic_name or ("" if system_topic else None), overwrite=overwrite, dry_run=dry_run,
        wait=not no_wait, check_access=not skip_access_check,
    )
    render.resource_or_request(ctx, result, output, query)


@app.command("update")
def update(
    ctx: typer.Context,
    name: NameArg = None,
    name_opt: NameOpt = None,
    system_topic: SystemTopicLookupOpt = False, system_topic_name: SystemTopicNameLookupOpt = None,
    event_types: EventTypeOpt = None, subject_begins_with: SubjectBeginsOpt = None,
    subject_ends_with: SubjectEndsOpt = None, subject_case_sensitive: SubjectCaseOpt = None,
    advanced_filters: AdvancedFilterOpt = None, enable_arrays: ArraysOpt = None,
    allow_unknown_event_types: AllowUnknownTypeOpt = False,
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
    check_endpoint: CheckEndpointOpt = False, output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """Change only what you name on an existing subscription; everything else is kept.

    Example: amlevents subscription update churn-models --max-delivery-attempts 10 --add-advanced-filter
    data.ModelTags.team StringIn risk
    """
    name = _name(ctx, name, name_opt)
    from amlevents.core.subscription import SubscriptionOptions

    options = SubscriptionOptions(
        endpoint=endpoint, endpoint_type=endpoint_type, max_events_per_batch=max_events_per_batch,
        preferred_batch_size_kb=preferred_batch_size_kb, aad_tenant_id=aad_tenant_id,
        aad_app_id_or_uri=aad_app_id_or_uri, delivery_attributes=_delivery_attributes(delivery_attributes),
        storage_queue_ttl_seconds=storage_queue_ttl_seconds, min_tls_version=min_tls_version,
        delivery_identity=delivery_identity, delivery_identity_user_id=delivery_identity_user_id,
        deadletter_endpoint=deadletter_endpoint, deadletter_identity=deadletter_identity,
        deadletter_identity_user_id=deadletter_identity_user_id, max_delivery_attempts=max_delivery_attempts,
        event_ttl_minutes=event_ttl_minutes, expiration=expiration, labels=_labels(labels),
        delivery_schema=delivery_schema, clear_labels=clear_labels, clear_deadletter=clear_deadletter,
        clear_expiration=clear_expiration, clear_delivery_attributes=clear_delivery_attributes)
    shortcuts = aml_shortcuts(
        model_name=model_name, model_version=model_version, experiment_id=experiment_id,
        experiment_name=experiment_name, service_name=service_name, model_tags=model_tags, run_tags=run_tags,
        run_statuses=run_statuses)
    flags = filter_flags(
        event_types=event_types, subject_begins_with=subject_begins_with, subject_ends_with=subject_ends_with,
        subject_case_sensitive=subject_case_sensitive, advanced_filters=advanced_filters,
        enable_arrays=enable_arrays, allow_unknown_event_types=allow_unknown_event_types, shortcuts=shortcuts,
        add_filters=add_filters, remove_keys=remove_keys,
        clear_advanced=clear_advanced, clear_subject=clear_subject)
    _lint_edits(flags)
    if check_endpoint:
        check_before_write(ctx, name, endpoint=endpoint, endpoint_type=endpoint_type, schema=delivery_schema,
                           current_schema=lambda: _current_schema(ctx, name, workspace, resource_group, subscription,
                                                                  workspace_id, _lookup(system_topic, system_topic_name)))
    result = service(ctx).update(
        address(ctx, workspace, resource_group, subscription, workspace_id), name, options, flags,
        topic=_lookup(system_topic, system_topic_name), dry_run=dry_run, wait=not no_wait,
        check_access=not skip_access_check,
    )
    render.resource_or_request(ctx, result, output, query)


def _lint_edits(flags: FilterFlags) -> None:
    """Warn about what an update's filter options set (the rest of the filter is not read here): subjects with
    wildcards or spaces, event types passed as given."""
    from amlevents.cli.output import warn
    from amlevents.core.filters import EventFilter, lint

    unknown = flags.unknown_event_types()
    given = EventFilter(included_event_types=unknown or None, subject_begins_with=flags.subject_begins_with,
                        subject_ends_with=flags.subject_ends_with)
    for message in lint(given):
        warn(message)


def _current_schema(ctx: typer.Context, name: str, workspace: str | None, resource_group: str | None,
                    subscription: str | None, workspace_id: str | None, topic: str | bool | None) -> str | None:
    """The subscription's ``eventDeliverySchema`` (which handshake ``--check-endpoint`` sends on update)."""
    resource = service(ctx).show(address(ctx, workspace, resource_group, subscription, workspace_id), name, topic=topic)
    return (resource.get("properties") or {}).get("eventDeliverySchema")


@app.command("show")
def show(
    ctx: typer.Context,
    name: NameArg = None,
    name_opt: NameOpt = None,
    system_topic: SystemTopicLookupOpt = False, system_topic_name: SystemTopicNameLookupOpt = None,
    full_url: Annotated[bool, typer.Option(
        "--include-full-endpoint-url", help="Also read and show the webhook URL with its query string (getFullUrl; "
        "its secrets are shown: the flag is the consent).")] = False,
    attribute_secrets: Annotated[bool, typer.Option(
        "--include-static-delivery-attribute-secret", "--include-attrib-secret",
        help="Also read and show the values of secret static delivery attributes (getDeliveryAttributes; the "
        "flag is the consent).")] = False,
    workspace: WorkspaceOpt = None, resource_group: ResourceGroupOpt = None, subscription: SubscriptionIdOpt = None,
    workspace_id: WorkspaceIdOpt = None,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """Show one event subscription (the ARM resource).

    Example: amlevents subscription show churn-models -o json
    """
    from amlevents.core.redact import KEEP_ATTRIBUTE_SECRETS, KEEP_ENDPOINT_URL

    name = _name(ctx, name, name_opt)
    resource = service(ctx).show(address(ctx, workspace, resource_group, subscription, workspace_id), name,
                                 topic=_lookup(system_topic, system_topic_name), full_url=full_url,
                                 attribute_secrets=attribute_secrets)
    # Each flag is the consent to reveal what it names, and nothing else (--show-secrets reveals everything).
    keep = [k for k, on in ((KEEP_ENDPOINT_URL, full_url), (KEEP_ATTRIBUTE_SECRETS, attribute_secrets)) if on]
    render.resource(ctx, resource, output, query, keep=keep)


@app.command("list")
def list_subscriptions(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None, resource_group: ResourceGroupOpt = None, subscription: SubscriptionIdOpt = None,
    workspace_id: WorkspaceIdOpt = None,
    all_subscriptions: AllSubscriptionsOpt = False, locations: LocationOpt = None,
    workspace_pattern: WorkspacePatternOpt = None,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """List a workspace's event subscriptions (those created through its system topic too), every page; without
    -w, those of every Azure ML workspace in the resource group (-g), the Azure subscription (-s) or every
    subscription you can see (--all-subscriptions), with a Workspace column.

    Example: amlevents subscription list -w my-workspace -g my-rg -o table;
    amlevents subscription list --all-subscriptions --workspace-pattern 'prod-*' -o json
    """
    from amlevents.cli.fleet import is_fleet, selector

    if not is_fleet(workspace=workspace, workspace_id=workspace_id, subscription=subscription,
                    resource_group=resource_group, all_subscriptions=all_subscriptions, locations=locations,
                    pattern=workspace_pattern):
        if all_subscriptions or locations or workspace_pattern:
            from amlevents.core.errors import InvalidInputError

            raise InvalidInputError("--all-subscriptions, --location and --workspace-pattern select many "
                                    "workspaces; they cannot be combined with -w/--workspace-id",
                                    hint="drop -w to list a fleet, or the fleet options to list one workspace")
        items = service(ctx).list(address(ctx, workspace, resource_group, subscription, workspace_id))
        render.resources(ctx, items, output, query)
        return
    from amlevents.arm.fleet import FleetSubscriptions
    from amlevents.cli.context import session
    from amlevents.cli.fleet import emit_fleet_items

    chosen = selector(ctx, subscription=subscription, all_subscriptions=all_subscriptions,
                      resource_group=resource_group, locations=locations, pattern=workspace_pattern)
    emit_fleet_items(ctx, FleetSubscriptions(session(ctx)).items(chosen), output, query)


@app.command("delete")
def delete(
    ctx: typer.Context,
    name: NameArg = None,
    name_opt: NameOpt = None,
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
    name = _name(ctx, name, name_opt)
    result = service(ctx).delete(
        address(ctx, workspace, resource_group, subscription, workspace_id), name,
        topic=_lookup(system_topic, system_topic_name), yes=yes, if_exists=if_exists, dry_run=dry_run,
        wait=not no_wait, check_access=not skip_access_check,
    )
    if result is not None:
        render.resource_or_request(ctx, result, output, query)
