"""The argv tokenizer: az-style multi-word options, and the rule that no option swallows another.

Click gives a value-taking option the next word whatever it is, so ``--system-topic --dry-run`` once created a
system topic named ``--dry-run``. ``StrictGroup`` checks, before Click parses a command's words, that the value
of every value-taking option is not itself an option (a word starting with ``--``, or one of the command's
short options such as ``-o``). A value that really starts with ``--`` is written ``--opt=VALUE``. Negative
numbers (``-1``, ``-0.5``) stay values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer._click.exceptions import (
    BadOptionUsage,  # typer >=0.26 vendors click (version pinned)
)
from typer.core import TyperGroup, TyperOption

if TYPE_CHECKING:
    from typer._click.core import Command, Context

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


class StrictGroup(TyperGroup):
    """A command group whose options, and whose commands' options, never take another option as their value."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        refuse_swallowed_values(self, args, stop_at_positional=True)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not isinstance(command, TyperGroup):
            refuse_swallowed_values(command, rest)
        return name, command, rest
