"""The one error boundary: exception -> message on stderr -> exit code.

Commands raise ``AmlEventsError`` subclasses (or let them through from ``core``/``arm``); nothing else in the
CLI catches exceptions to print them. ``--debug`` (or ``AMLEVENTS_DEBUG=1``) adds the traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer
from typer._click.exceptions import ClickException  # typer >=0.26 vendors click (version pinned)
from typer.core import TyperGroup

from amlevents.core.errors import AmlEventsError, ExitCode, FilterSyntaxError

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
    az's ``--flag true|false`` into the matching on/off flag."""
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
        while i < len(args) and (not words or not _looks_like_option(args[i])):
            words.append(args[i])
            i += 1
        out.append(TOKEN_SEPARATOR.join(words)) if words else None
    return out


def split_tokens(value: str) -> str | list[str]:
    """Undo ``join_multi_token_options`` for one option value: a token list, or the single string given."""
    return value.split(TOKEN_SEPARATOR) if TOKEN_SEPARATOR in value else value


def _stderr_write(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def format_error(exc: AmlEventsError) -> str:
    """``Error: <what failed>. <what to do next>`` plus, for syntax errors, the input and a caret line."""
    message = exc.message.rstrip()
    if exc.code and exc.code not in message:
        message = f"({exc.code}) {message}"
    lines = [f"Error: {message}" + ("" if message.endswith((".", "?", "!", ":")) else ".")]
    if isinstance(exc, FilterSyntaxError):
        lines.append(exc.render())
    if exc.hint:
        lines.append(f"Hint: {exc.hint}")
    return "\n".join(lines)


def debug_enabled(ctx_params: dict[str, Any] | None = None) -> bool:
    """Whether ``--debug`` was given or ``AMLEVENTS_DEBUG`` is set to a true value."""
    if ctx_params and ctx_params.get("debug"):
        return True
    return os.environ.get("AMLEVENTS_DEBUG", "").lower() in ("1", "true", "yes")


class AmlEventsGroup(TyperGroup):
    """Root command group: joins az-style multi-word options and maps exceptions to exit codes."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, join_multi_token_options(list(args)))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AmlEventsError as exc:
            if debug_enabled(ctx.params):
                traceback.print_exc()
            text = format_error(exc)
            if not ctx.params.get("show_secrets"):
                from amlevents.core.redact import redact_text

                text = redact_text(text)  # messages may quote a URL or value the user gave
            _stderr_write(text)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            _stderr_write("Interrupted.")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except (ClickException, typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            raise typer.Exit(int(ExitCode.ERROR)) from None
        except Exception as exc:  # noqa: BLE001 - the boundary: anything unexpected becomes exit 1
            if debug_enabled(ctx.params):
                traceback.print_exc()
                _stderr_write(f"Error: unexpected {type(exc).__name__}: {exc}")
            else:
                _stderr_write(
                    f"Error: unexpected {type(exc).__name__}: {exc}. "
                    "Run again with --debug for the traceback, and report it if it persists."
                )
            raise typer.Exit(int(ExitCode.ERROR)) from None
