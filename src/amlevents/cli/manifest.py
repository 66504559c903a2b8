"""`amlevents manifest ...`: the desired-state manifest's JSON Schema, and offline validation of a manifest."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from amlevents.cli.options import OutputOpt, QueryOpt, sub_app
from amlevents.cli.output import Column, OutputFormat, emit, warn

app = sub_app("Desired-state manifests (YAML): their JSON Schema and offline validation (no Azure needed).",
              no_args_is_help=True)


class SchemaFormat(str, Enum):
    json = "json"
    yaml = "yaml"


@app.command("schema")
def schema(
    output: Annotated[SchemaFormat, typer.Option("--output", "-o", help="json or yaml.", case_sensitive=False)]
    = SchemaFormat.json,
) -> None:
    """Print the manifest's JSON Schema, for editors to validate and complete manifests.

    Example: amlevents manifest schema -o json > amlevents-manifest.schema.json
    """
    from amlevents.core.manifest import manifest_schema

    emit(manifest_schema(), OutputFormat(output.value))


@app.command("validate")
def validate(
    # a plain string: load_manifest reports a missing file, a directory or a bad path (Click's Path type would
    # raise ValueError on a NUL in the path)
    file: Annotated[str, typer.Option("--file", "-f", help="The manifest (YAML).", show_default=False)],
    output: OutputOpt = None,
    query: QueryOpt = None,
) -> None:
    """Check a manifest offline (schema, filters, options, ${VAR} references) and list its subscriptions.

    An invalid manifest exits with 2 and lists every error as FILE:LINE:COLUMN: message. Nothing is sent to Azure.
    Example: amlevents manifest validate -f examples/manifest.yaml -o table
    """
    from amlevents.core.filters import lint
    from amlevents.core.manifest import load_manifest, manifest_summary

    manifest = load_manifest(file)
    for workspace in manifest.workspaces:
        for sub in workspace.subscriptions:
            for message in lint(sub.event_filter):
                warn(f"{manifest.source}:{sub.location[0]}:{sub.location[1]}: {sub.name}: {message}")
    emit(
        manifest_summary(manifest),
        output,
        query=query,
        columns=[
            Column("Workspace", "workspace"),
            Column("Name", "name"),
            Column("Kind", lambda r: r["systemTopic"] or r["kind"]),
            Column("Destination", "endpointType"),
            Column("Event types", lambda r: ", ".join(r["eventTypes"]) or "(all)"),
            Column("Filters", "advancedFilters"),
        ],
    )

