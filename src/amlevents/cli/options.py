"""Shared option aliases, defined once and reused by every command module."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from amlevents.cli.output import OutputFormat

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

# Filter options, shared by `events test` and (later) `subscription create/update`.
EventTypeOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--event-type",
        help="Included event type, short (ModelRegistered) or full name. Repeatable.",
        show_default=False,
        rich_help_panel="Filter",
    ),
]
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
        help="Evaluate advanced filters against each element of array values.",
        show_default=False,
        rich_help_panel="Filter",
    ),
]
