"""The argv tokenizer: az-style multi-word options, and the rule that no option swallows another.

Click gives a value-taking option the next word whatever it is, so ``--system-topic --dry-run`` once created a
system topic named ``--dry-run``. ``StrictGroup`` checks, before Click parses a command's words, that the value
of every value-taking option is not itself an option (a word starting with ``--``, or one of the command's
short options such as ``-o``). A value that really starts with ``--`` is written ``--opt=VALUE``. Negative
numbers (``-1``, ``-0.5``) stay values.

The root group also moves its own (global) options found after the command path to the front, as az takes
``--debug``, ``-o`` and ``--query`` anywhere: ``subscription list --local`` is ``--local subscription list``.
An option the invoked command declares itself (``listen --timeout``) stays the command's. And it records which
multi-word option took which words, so a NAME swallowed by ``--labels a b NAME`` can be explained.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from typer._click.exceptions import (  # typer >=0.26 vendors click (version pinned)
    BadOptionUsage,
    NoSuchOption,
)
from typer.core import TyperGroup, TyperOption

if TYPE_CHECKING:
    from typer._click.core import Command, Context

_TAKEN = "amlevents.multi_word_values"  # ctx.meta key (meta is shared by every context of one invocation)

# Options that take `KEY OPERATOR VALUE...` as separate shell words, as in the az CLI (argparse nargs='+').
# Click options take exactly one value, so the root group joins those words into one value first.
MULTI_TOKEN_OPTIONS = frozenset({
    "--advanced-filter", "--add-advanced-filter", "--delivery-attribute-mapping", "-d", "--labels", "--event-type",
    "--included-event-types", "--run-status",
})
# az's three-state flags take an optional true/false word; click flags take none, so the word picks the flag.
BOOLEAN_WORD_FLAGS = {
    "--subject-case-sensitive": ("--subject-case-sensitive", "--subject-case-insensitive"),
    "--enable-advanced-filtering-on-arrays": ("--enable-advanced-filtering-on-arrays",
                                              "--disable-advanced-filtering-on-arrays"),
    "--enable-af-arr": ("--enable-advanced-filtering-on-arrays", "--disable-advanced-filtering-on-arrays"),
}
# az options amlevents spells differently without taking az's name as an alias (the meaning differs a little, or
# the name would be ambiguous here): an unknown-option error names the amlevents option instead of a look-alike.
AZ_EQUIVALENTS = {
    "--resource-id": "--workspace-id", "--verbose": "--debug", "--odata-query": "--query",
    "--endpoint-url": "--endpoint", "--expiration": "--expiration-date", "--topic-name": "--system-topic-name",
    "--name": "NAME", "-n": "NAME",  # where a command takes no name option: the name is positional
}
TOKEN_SEPARATOR = "\x1f"  # ASCII unit separator: cannot be typed in a shell word by accident


def _looks_like_option(token: str) -> bool:
    if token.startswith("--"):
        return True
    # "-o", "-w" are options; "-5" and "-1.5" are (negative number) values.
    return len(token) >= 2 and token[0] == "-" and token[1].isalpha()


def join_multi_token_options(args: list[str]) -> list[str]:
    """Join the words after a multi-token option into one value (separated by ``TOKEN_SEPARATOR``), and turn
    az's ``--flag true|false`` into the matching on/off flag. A word that looks like an option is never taken,
    not even as the first value (``--labels --dry-run`` leaves ``--dry-run`` an option, and is refused)."""
    out: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token in BOOLEAN_WORD_FLAGS:
            on, off = BOOLEAN_WORD_FLAGS[token]
            word = args[i].lower() if i < len(args) else ""
            out.append(off if word == "false" else on)
            i += word in ("true", "false")
            continue
        out.append(token)
        if token not in MULTI_TOKEN_OPTIONS:
            continue
        words: list[str] = []
        while i < len(args) and not _looks_like_option(args[i]):
            words.append(args[i])
            i += 1
        out.append(TOKEN_SEPARATOR.join(words)) if words else None
    return out


def split_tokens(value: str) -> str | list[str]:
    """Undo ``join_multi_token_options`` for one option value: a token list, or the single string given."""
    return value.split(TOKEN_SEPARATOR) if TOKEN_SEPARATOR in value else value


def _value_options(command: Command) -> tuple[dict[str, tuple[int, str]], set[str]]:
    """``{option string: (number of values, its long name)}`` for the options of ``command`` that take values,
    and the set of all its option strings (flags included)."""
    takes: dict[str, tuple[int, str]] = {}
    names: set[str] = {"-h"}  # the help option is not among the params (help_option_names in cli/app.py)
    for param in command.params:
        if not isinstance(param, TyperOption):
            continue
        opts = [*param.opts, *param.secondary_opts]
        names.update(opts)
        if not param.is_flag and not param.count:
            long_name = max(param.opts, key=lambda o: (o.startswith("--"), -len(o)))
            takes.update({opt: (param.nargs, long_name) for opt in opts})
    return takes, names


def _is_option_word(word: str, names: set[str]) -> bool:
    """A word that must not be taken as an option's value: ``--anything`` (``--`` included) or one of the
    command's own option strings (``-o``); ``-1`` and ``-`` (stdin) are values."""
    return word.startswith("--") or word in names


def refuse_swallowed_values(command: Command, args: list[str], *, stop_at_positional: bool = False) -> None:
    """Raise Click's ``BadOptionUsage`` (exit 2) when a value-taking option of ``command`` is followed by an
    option instead of its value. ``stop_at_positional``: a group's own options end at the subcommand name."""
    takes, names = _value_options(command)
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word == "--":
            return  # the rest are positional arguments
        if not word.startswith("-") or not _looks_like_option(word):
            if stop_at_positional:
                return
            continue
        opt, eq, attached = word.partition("=") if word.startswith("--") else (word[:2], "", word[2:])
        if opt not in takes or eq or attached:
            continue  # a flag, an unknown option (Click reports it), or a value given in the same word
        nargs, long_name = takes[opt]
        values = args[i:i + nargs]
        bad = next((v for v in values if _is_option_word(v, names)), None)
        if bad is not None:
            raise BadOptionUsage(opt, f"option {opt} needs a value, but got the option '{bad}'. Put the value "
                                      f"right after {opt} (write {long_name}=VALUE if the value itself starts with "
                                      "'-')")
        if len(values) < nargs:
            raise BadOptionUsage(opt, f"option {opt} needs a value, but got nothing. Put the value right after {opt}")
        i += nargs


def _leaf(group: TyperGroup, ctx: Context, args: list[str]) -> tuple[Command | None, int]:
    """The command ``args`` invoke below the root ``group`` and the index of the word after the first command
    name, or ``(None, 0)`` when the path names a group or no command."""
    takes, _ = _value_options(group)
    command: Command = group
    i = start = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word == "--":
            break
        if _looks_like_option(word):
            opt, eq, _ = word.partition("=")
            if command is group and opt in takes and not eq:
                i += takes[opt][0]  # the root's own option value (`--emulator URL`) is not a command name
            continue
        if not isinstance(command, TyperGroup):
            break
        command = command.get_command(ctx, word)
        if command is None:
            return None, 0
        start = start or i
    return (None, 0) if isinstance(command, TyperGroup) else (command, start)


def hoist_global_options(group: TyperGroup, ctx: Context, args: list[str]) -> list[str]:
    """``args`` with the root ``group``'s options that follow the command path moved to the front (with their
    value), unless the command declares an option of the same name."""
    leaf, start = _leaf(group, ctx, args)
    if leaf is None:
        return args
    takes, _ = _value_options(group)
    own = _value_options(leaf)[1] | {"--help"}
    hoistable = {opt for p in group.params if isinstance(p, TyperOption) and not p.is_eager
                 for opt in (*p.opts, *p.secondary_opts)} - own
    moved: list[str] = []
    rest = args[:start]
    i = start
    while i < len(args):
        word = args[i]
        i += 1
        if word == "--":
            rest += args[i - 1:]
            break
        opt, eq, _ = word.partition("=")
        if opt not in hoistable:
            rest.append(word)
            continue
        moved.append(word)
        if opt in takes and not eq:
            if i == len(args) or _is_option_word(args[i], own | hoistable):
                got = f"the option '{args[i]}'" if i < len(args) else "nothing"
                raise BadOptionUsage(opt, f"option {opt} needs a value, but got {got}. Put the value right after "
                                          f"{opt}")
            moved.append(args[i])
            i += 1
    return [*moved, *rest] if moved else args


def _record_multi_word_values(ctx: Context, args: list[str]) -> None:
    """Remember, for ``swallowed_by``, the words each multi-word option took (joined by the root)."""
    taken = [(opt, value.split(TOKEN_SEPARATOR)) for opt, value in itertools.pairwise(args)
             if opt in MULTI_TOKEN_OPTIONS and not _looks_like_option(value)]
    ctx.meta[_TAKEN] = taken


def swallowed_by(ctx: Context) -> tuple[str, str] | None:
    """``(option, word)`` when a multi-word option took words (its last one may be a NAME the user meant as the
    command's argument), the last such option; None otherwise."""
    taken = ctx.meta.get(_TAKEN) or []
    return (taken[-1][0], taken[-1][1][-1]) if taken else None


def refuse_two_spellings(command: Command, args: list[str]) -> None:
    """Raise ``BadOptionUsage`` when one single-valued option of ``command`` is given under two of its names
    (``--endpoint A --delivery-identity-endpoint B``): az refuses the pair, and Click would keep the last."""
    seen: dict[int, str] = {}
    spellings = {opt: param for param in command.params if isinstance(param, TyperOption) and not param.multiple
                 and not param.is_flag and not param.count for opt in param.opts}
    for word in args:
        if word == "--":
            return
        opt = word.partition("=")[0] if word.startswith("--") else word
        param = spellings.get(opt)
        if param is None:
            continue
        first = seen.setdefault(id(param), opt)
        if first != opt:
            raise BadOptionUsage(opt, f"{first} and {opt} are two names of one option; give it once")


def suggest_az_equivalent(exc: NoSuchOption) -> None:
    """Point an unknown az option at the amlevents option that means the same, when the command has one."""
    mine = AZ_EQUIVALENTS.get(exc.option_name)
    if mine is None or exc.ctx is None:
        return
    params = [p for c in (exc.ctx.command, exc.ctx.find_root().command) for p in c.params]  # global ones too
    names = {o for p in params for o in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))}
    if mine in names or (mine == "NAME" and any(p.name == "name" for p in exc.ctx.command.params)):
        exc.message = f"No such option: {exc.option_name} (az's name; here: {mine})"
        exc.possibilities = None


class StrictGroup(TyperGroup):
    """A command group whose options, and whose commands' options, never take another option as their value."""

    def invoke(self, ctx: Context) -> Any:  # Any: whatever the command returns, as in Click
        try:
            return super().invoke(ctx)
        except NoSuchOption as exc:
            suggest_az_equivalent(exc)
            raise

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if ctx.parent is None:  # the root: global options may follow the command, as in az
            args = hoist_global_options(self, ctx, args)
            _record_multi_word_values(ctx, args)
        if not ctx.resilient_parsing:  # shell completion parses a command line that is not finished yet
            refuse_swallowed_values(self, args, stop_at_positional=True)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not isinstance(command, TyperGroup) and not ctx.resilient_parsing:
            refuse_swallowed_values(command, rest)
            refuse_two_spellings(command, rest)
        return name, command, rest
