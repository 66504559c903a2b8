"""`amlevents events ...`: the Azure ML event catalog, sample events and offline filter tests."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from amlevents.cli.options import (
    AdvancedFilterOpt,
    AllowUnknownTypeOpt,
    ArraysOpt,
    EventTypeOpt,
    ExperimentIdOpt,
    ExperimentNameOpt,
    ModelNameOpt,
    ModelTagOpt,
    ModelVersionOpt,
    OutputOpt,
    QueryOpt,
    RunStatusOpt,
    RunTagOpt,
    ServiceNameOpt,
    SubjectBeginsOpt,
    SubjectCaseOpt,
    SubjectEndsOpt,
    aml_shortcuts,
    filter_flags,
    sub_app,
)
from amlevents.cli.output import Column, OutputFormat, emit, warn

if TYPE_CHECKING:
    from amlevents.core.filters import EventFilter
    from amlevents.core.subscription import FilterFlags

app = sub_app("The Azure ML event catalog, sample events and offline filter tests (no Azure needed).",
              no_args_is_help=True)


class Schema(str, Enum):
    eventgrid = "eventgrid"
    cloudevents = "cloudevents"


class Casing(str, Enum):
    documented = "documented"
    live = "live"


@app.command("list")
def list_events(output: OutputOpt = None, query: QueryOpt = None) -> None:
    """List the five Azure ML event types with their subject formats and data fields.

    Example: amlevents events list -o json
    """
    from amlevents.core.catalog import EVENT_TYPES

    emit(
        [info.to_dict() for info in EVENT_TYPES],
        output,
        query=query,
        columns=[
            Column("Name", "name"),
            Column("Event type", "eventType"),
            Column("Subject format", "subjectFormat"),
            Column("Preview", lambda r: "yes" if r["preview"] else ""),
        ],
    )


@app.command("sample")
def sample(
    event_type: Annotated[str, typer.Argument(help="Event type, short (ModelRegistered) or full name.")],
    schema: Annotated[
        Schema, typer.Option("--schema", help="Event schema of the sample.", case_sensitive=False)
    ] = Schema.eventgrid,
    casing: Annotated[
        Casing,
        typer.Option(
            "--casing",
            help="Data keys as documented (ModelName) or as live events send them (modelName).",
            case_sensitive=False,
        ),
    ] = Casing.documented,
    assignments: Annotated[
        Optional[list[str]],
        typer.Option(
            "--set",
            help="Override a field: KEY=VALUE with a dotted KEY (data.ModelName=churn, subject=models/churn:3). "
            "VALUE is JSON when it parses as JSON, else a string. Repeatable.",
            show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
    query: QueryOpt = None,
) -> None:
    """Print a sample event of one type as a JSON object, ready for `events test`.

    Example: amlevents events sample ModelRegistered --set data.ModelName=churn --set subject=models/churn:3
    """
    from amlevents.core.samples import apply_overrides, sample_event

    event = sample_event(event_type, schema=schema.value, casing=casing.value)
    if assignments:
        event = apply_overrides(event, assignments)
    emit(event, output, query=query, interactive_default=OutputFormat.json)


def _tested_filter(base: EventFilter | None, flags: FilterFlags) -> EventFilter:
    """The filter to test: the flags alone, built as `subscription create` builds them; or the flags applied to a
    file's or a deployed subscription's filter, as `subscription update` applies them (a shortcut replaces the
    base's advanced filters on its key; the other fields the flags name are overridden)."""
    from amlevents.core.filters import build_filter
    from amlevents.core.subscription import edited_filter, new_filter

    if base is None:
        return new_filter(flags)
    # no filter option given: the base as it is (build_filter still checks the service limits on it)
    return edited_filter(base, flags) or build_filter(base)


def _check_rows(data: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten verdicts into table rows: each check, then the verdict, per event. Event types read short in the
    reasons (``ModelRegistered``), as everywhere in the tables, so they fit on a line; JSON keeps them whole."""
    from amlevents.core.catalog import EVENT_PREFIX

    results = data if isinstance(data, list) else [data]
    rows: list[dict[str, Any]] = []
    for index, result in enumerate(results, start=1):
        label = str(index) if len(results) > 1 else ""
        for check in result["checks"]:
            rows.append({"event": label, "check": check["check"], "result": "pass" if check["passed"] else "FAIL",
                         "reason": check["reason"].replace(EVENT_PREFIX, "")})
        rows.append({"event": label, "check": "verdict", "result": "DELIVERED" if result["delivered"] else
                     "NOT DELIVERED", "reason": "all checks pass" if result["delivered"] else
                     "at least one check fails"})
    return rows


@app.command("test")
def test(
    ctx: typer.Context,
    event: Annotated[
        str, typer.Option("--event", "-e", help="JSON file with one event or an array of events; - reads stdin.")
    ],
    filter_file: Annotated[
        Optional[str],
        typer.Option(
            "--filter",
            "-f",
            help="JSON file with a wire `filter` object or a whole event subscription (its properties.filter). "
            "The flags below override its fields.",
            show_default=False,
        ),
    ] = None,
    event_types: EventTypeOpt = None,
    subject_begins_with: SubjectBeginsOpt = None,
    subject_ends_with: SubjectEndsOpt = None,
    subject_case_sensitive: SubjectCaseOpt = None,
    advanced_filters: AdvancedFilterOpt = None,
    enable_arrays: ArraysOpt = None,
    allow_unknown_event_types: AllowUnknownTypeOpt = False,
    model_name: ModelNameOpt = None,
    model_version: ModelVersionOpt = None,
    experiment_id: ExperimentIdOpt = None,
    experiment_name: ExperimentNameOpt = None,
    service_name: ServiceNameOpt = None,
    model_tags: ModelTagOpt = None,
    run_tags: RunTagOpt = None,
    run_statuses: RunStatusOpt = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when an event would not be delivered (for CI scripts).")
    ] = False,
    deployed: Annotated[
        Optional[str],
        typer.Option("--subscription", help="Use the filter of this deployed event subscription (reads it from "
                     "Azure or the emulator; the flags above override its fields).", show_default=False,
                     rich_help_panel="Deployed subscription"),
    ] = None,
    workspace: Annotated[Optional[str], typer.Option("--workspace", "-w", help="Workspace of --subscription.",
                                                     show_default=False, rich_help_panel="Deployed subscription")] = None,
    resource_group: Annotated[Optional[str], typer.Option(
        "--resource-group", "-g", help="Resource group of the workspace.", show_default=False,
        rich_help_panel="Deployed subscription")] = None,
    subscription_id: Annotated[Optional[str], typer.Option(
        "--subscription-id", help="Azure subscription id of the workspace (here --subscription names the event "
        "subscription).", show_default=False, rich_help_panel="Deployed subscription")] = None,
    workspace_id: Annotated[Optional[str], typer.Option(
        "--workspace-id", help="Full ARM id of the workspace.", show_default=False,
        rich_help_panel="Deployed subscription")] = None,
    output: OutputOpt = None,
    query: QueryOpt = None,
) -> None:
    """Would this event be delivered? Evaluate a filter against events, offline, with a reason per check.

    Exit 0 whenever the evaluation ran, whatever the verdict; with --check, exit 1 when not delivered.

    The filter options, Azure ML shortcuts included, are those of `subscription create`, with the same meaning.

    Example: amlevents events sample ModelRegistered | amlevents events test -e - --event-type ModelRegistered
    --advanced-filter data.ModelTags.area StringIn diabetes

    With --subscription NAME the filter of a deployed subscription is used (this is the one command that talks to
    Azure only when asked).
    """
    from amlevents.core.documents import load_json_file
    from amlevents.core.errors import InvalidInputError
    from amlevents.core.filters import evaluate, filter_from_document, lint

    if filter_file and deployed:
        raise InvalidInputError("--filter and --subscription both give a filter", hint="use one of them")
    base = filter_from_document(load_json_file(filter_file, what="filter")) if filter_file else None
    if deployed:
        from amlevents.cli.context import address, service

        ws = address(ctx, workspace, resource_group, subscription_id, workspace_id)
        base = filter_from_document(service(ctx).show(ws, deployed))
    shortcuts = aml_shortcuts(
        model_name=model_name, model_version=model_version, experiment_id=experiment_id,
        experiment_name=experiment_name, service_name=service_name, model_tags=model_tags, run_tags=run_tags,
        run_statuses=run_statuses)
    event_filter = _tested_filter(base, filter_flags(
        event_types=event_types, subject_begins_with=subject_begins_with, subject_ends_with=subject_ends_with,
        subject_case_sensitive=subject_case_sensitive, advanced_filters=advanced_filters,
        enable_arrays=enable_arrays, shortcuts=shortcuts, allow_unknown_event_types=allow_unknown_event_types))
    document = load_json_file(event, what="event")
    events_ = document if isinstance(document, list) else [document]
    if not events_:
        raise InvalidInputError("the event file holds an empty array", hint="give one event object or a non-empty array")
    for message in lint(event_filter):
        warn(message)
    wire_filter = event_filter.to_wire()
    results = []
    for index, item in enumerate(events_):
        try:
            verdict = evaluate(event_filter, item)
        except InvalidInputError as exc:
            if isinstance(document, list):
                exc.message = f"event [{index}]: {exc.message}"
            raise
        verdict_dict = verdict.to_dict()
        results.append({"delivered": verdict_dict["delivered"], "filter": wire_filter, "checks": verdict_dict["checks"]})
    emit(
        results if isinstance(document, list) else results[0],
        output,
        query=query,
        rows=_check_rows,
        columns=[Column("Event", "event")] * isinstance(document, list)
        + [Column("Check", "check"), Column("Result", "result", coloured=True), Column("Reason", "reason")],
    )
    if check and not all(r["delivered"] for r in results):
        raise typer.Exit(1)


def _publish_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One table row per (subscription, event): matched or not (the first failing check's name) and the outcome."""
    rows = []
    for record in result["deliveries"]:
        failed = record.get("failedChecks") or []
        attempts = record.get("attempts") or []
        rows.append({
            "subscription": record["subscription"],
            "event": str(record.get("eventType") or "").rsplit(".", 1)[-1],
            "matched": "yes" if record["matched"] else "no",
            "why": failed[0]["check"] if failed else "",  # the reason: -o json, or `events test`
            "outcome": record["outcome"] + (f" ({record['reason']})" if record.get("reason") else ""),
            "attempts": len(attempts),
            "status": attempts[-1]["status"] if attempts else None,
        })
    return rows


@app.command("publish")
def publish(
    ctx: typer.Context,
    event_type: Annotated[str | None, typer.Argument(
        help="Azure ML event type to publish from the catalog's sample (short or full name); or give --event.",
        show_default=False)] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a field of the event(s): KEY=VALUE with a dotted KEY "
                     "(data.modelName=churn). VALUE is JSON when it parses as JSON, else a string. Repeatable.",
                     show_default=False),
    ] = None,
    event: Annotated[str | None, typer.Option(
        "--event", "-e", help="JSON file with one Event Grid event or an array of them; - reads stdin.",
        show_default=False)] = None,
    casing: Annotated[
        Casing, typer.Option("--casing", help="Data keys of the sample: as live events send them (modelName) or "
                             "as documented (ModelName).", case_sensitive=False),
    ] = Casing.live,
    workspace: Annotated[str | None, typer.Option("--workspace", "-w", help="Workspace to publish on.",
                                                     show_default=False)] = None,
    resource_group: Annotated[str | None, typer.Option(
        "--resource-group", "-g", help="Resource group of the workspace.", show_default=False)] = None,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for deliveries to settle (delivered, "
                                        "dead-lettered, dropped or spooled).", min=0)] = 30.0,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Return once published, with the match report; "
                                          "with --local, the embedded emulator stops (and delivers no more) "
                                          "when the command ends.")] = False,
    output: OutputOpt = None,
    query: QueryOpt = None,
) -> None:
    """Publish Azure ML events on a workspace of the emulator, and show who gets them.

    Every event subscription of the workspace (scope and system topic) is evaluated with the filter engine of
    `events test`; matched ones are delivered as Event Grid does (schema, batching, headers, retries,
    dead-lettering). Per subscription and event it prints: matched or not (the first failing check) and the
    delivery outcome: delivered, retrying, deadLettered, dropped or spooled.

    Exit 0 when every matched subscription got the events (delivered, or spooled for non-webhook destinations;
    with --no-wait, once published); exit 1 otherwise. Works with --local or --emulator only.

    Example: amlevents --local events publish ModelRegistered --set data.modelName=churn -w local-workspace
    """
    from amlevents.cli.context import address, session, settings
    from amlevents.cli.wiring import publish_events
    from amlevents.core.documents import load_json_file
    from amlevents.core.errors import InvalidInputError

    if settings(ctx).mode == "azure":
        raise InvalidInputError("publish works on the emulator: use --local or --emulator")
    if (event_type is None) == (event is None):
        raise InvalidInputError("give an event type or --event, not both" if event else
                                "give an event type (e.g. ModelRegistered) or --event FILE",
                                hint="see `amlevents events list` for the types")
    body: dict[str, Any] = {"set": list(assignments or [])}
    if event is not None:
        document = load_json_file(event, what="event")
        body["events"] = document if isinstance(document, list) else [document]
    else:
        body.update(type=event_type, casing=casing.value)
    ws = address(ctx, workspace, resource_group, None, None)
    body["workspace"] = ws.id
    result = publish_events(session(ctx), body, None if no_wait else wait)
    if not any(r["matched"] for r in result["deliveries"]):
        warn("no event subscription of the workspace matched the event(s)")
    emit(result, output, query=query, rows=_publish_rows, columns=[
        Column("Subscription", "subscription"), Column("Event", "event"), Column("Matched", "matched"),
        Column("Failing check", "why"), Column("Outcome", "outcome", coloured=True), Column("Attempts", "attempts"),
        Column("Status", "status")])
    done = {"delivered", "spooled"}
    if not no_wait and not all(r["outcome"] in done for r in result["deliveries"] if r["matched"]):
        raise typer.Exit(1)
