"""A sub-app's Click group whose commands are built one at a time, when they are looked up.

Typer turns every parameter of every command into a Click parameter when it builds a group: for `subscription`
that is about 130 parameters, built to run or describe one command. ``lazy_group`` builds the group itself (its
callback, options and help) and keeps the commands as Typer registrations in ``LazyCommands``, which builds a
command the first time it is looked up. A group's listing needs only names and short help, which
``LazySubGroup`` reads from the registrations. What Click sees is otherwise what ``typer.main.get_command``
builds: the same command classes, parameters and help.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup
from typer.models import CommandInfo

from amlevents.cli.argv import StrictGroup

if TYPE_CHECKING:
    from typer._click.core import Command, Context, HelpFormatter


def _name(info: CommandInfo) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)  # Typer's own naming rule


class LazyCommands(MutableMapping[str, "Command"]):
    """A group's commands by name, in registration order (as Typer lists them); each Typer registration becomes
    a Click command on first lookup, exactly as ``typer.main.get_command`` would build it."""

    def __init__(self, app: typer.Typer, built: dict[str, Command] | None = None) -> None:
        self._app = app
        self._entries: dict[str, Command | CommandInfo] = {_name(i): i for i in app.registered_commands}
        self._entries.update(built or {})  # sub-groups, which Typer lists after the commands

    def __getitem__(self, name: str) -> Command:
        entry = self._entries[name]
        if isinstance(entry, CommandInfo):
            entry = self._entries[name] = click_metavars(typer.main.get_command_from_info(
                entry, pretty_exceptions_short=self._app.pretty_exceptions_short,
                rich_markup_mode=self._app.rich_markup_mode))
        return entry

    def __setitem__(self, name: str, command: Command) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def summary(self, name: str) -> Command:
        """The command if it is built, else a stand-in with its help fields and no parameters (for listings)."""
        entry = self._entries[name]
        if not isinstance(entry, CommandInfo):
            return entry
        text = inspect.cleandoc(entry.help) if entry.help is not None else inspect.getdoc(entry.callback)
        return (entry.cls or TyperCommand)(name=name, help=text, short_help=entry.short_help or first_sentence(text),
                                           hidden=entry.hidden, deprecated=entry.deprecated)


class LazySubGroup(StrictGroup):
    """A sub-app's group that lists its commands without building them (see ``LazyCommands``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        click_metavars(self)  # however Typer builds it (lazily or not), its options read as Click writes them

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)  # Typer's reads every value, which would build every command

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        # Typer's listing, from each command's help fields rather than the built command
        summary = getattr(self.commands, "summary", self.commands.__getitem__)
        shown = [(name, cmd) for name in self.list_commands(ctx) if not (cmd := summary(name)).hidden]
        if shown:
            limit = formatter.width - 6 - max(len(name) for name, _ in shown)
            with formatter.section("Commands"):  # a whole first sentence, wrapped, never cut at `limit` with "..."
                formatter.write_dl([(name, cmd.short_help or first_sentence(cmd.help) or cmd.get_short_help_str(limit))
                                    for name, cmd in shown])


def lazy_group(app: typer.Typer) -> TyperGroup:
    """The Click group of sub-app ``app`` with its commands left unbuilt until they are looked up."""
    if not (app.registered_callback or app.info.callback or app.registered_groups or len(app.registered_commands) > 1):
        return typer.main.get_command(app)  # Typer makes a lone command with no callback a command, not a group
    shell = copy.copy(app)  # the group's own settings and callback, without the commands
    shell.registered_commands = []
    group = typer.main.get_group(shell)
    group.commands = LazyCommands(app, built=dict(group.commands))
    return group


def build_command(app: typer.Typer, name: str) -> Command:
    """The one Click command ``name`` of sub-app ``app`` (a top-level command such as `plan`)."""
    return LazyCommands(app)[name]


def first_sentence(text: str | None) -> str:
    """The first sentence of a help text (up to the first ". " or the end of its first paragraph): what a
    group's listing shows of a command, whole rather than cut mid-sentence."""
    import re

    paragraph = " ".join((text or "").strip().split("\n\n", 1)[0].split())
    return re.split(r"(?<=[.?!]) ", paragraph, maxsplit=1)[0]


# Click's names for its types (Typer's vendored Click writes <str>, <int range>): TEXT, INTEGER, FLOAT ...
_TYPE_METAVARS = {"str": "TEXT", "int": "INTEGER", "int range": "INTEGER", "float": "FLOAT", "float range": "FLOAT",
                  "path": "PATH", "filename": "FILE", "uuid": "UUID", "datetime": "DATETIME", "boolean": "BOOLEAN"}


class _ClickArgument(TyperArgument):
    """An argument shown as Click shows it: ``NAME`` in usage and help (Typer writes ``{name}``)."""

    def make_metavar(self, ctx: Context, *, usage: bool = False) -> str:
        var = self.metavar or (self.name or "").upper()
        var += "..." if self.nargs != 1 else ""
        return f"[{var}]" if usage and not self.required else var


def click_metavars(command: Command) -> Command:
    """``command`` with its parameters' metavars as Click writes them: ``TEXT``, ``INTEGER``, ``[table|json]``,
    ``NAME``, unless a parameter names its own."""
    for param in command.params:
        if isinstance(param, TyperArgument):
            param.__class__ = _ClickArgument
        elif param.metavar is None and not getattr(param, "is_flag", False) and not getattr(param, "count", False):
            choices = getattr(param.type, "choices", None)
            if choices is not None:
                param.metavar = "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
            elif param.type.name in _TYPE_METAVARS:
                param.metavar = _TYPE_METAVARS[param.type.name]
    return command
