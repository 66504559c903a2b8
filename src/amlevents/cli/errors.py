"""The one error boundary: exception -> message on stderr -> exit code.

Commands raise ``AmlEventsError`` subclasses (or let them through from ``core``/``arm``); nothing else in the
CLI catches exceptions to print them. ``--debug`` (or ``AMLEVENTS_DEBUG=1``) adds the traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer
from typer._click.exceptions import (
    ClickException,  # typer >=0.26 vendors click (version pinned)
)

from amlevents.arm.ui import Cancelled
from amlevents.cli.argv import StrictGroup, join_multi_token_options
from amlevents.cli.style import prefixed
from amlevents.core.errors import AmlEventsError, ExitCode, FilterSyntaxError

if TYPE_CHECKING:
    from typer._click.core import Context


def _print_traceback() -> None:
    """The current traceback on stderr, redacted: logs stay redacted even with --show-secrets."""
    from amlevents.core.redact import redact_text

    _stderr_write(redact_text(traceback.format_exc()).rstrip("\n"))


def _stderr_write(text: str) -> None:
    text = prefixed(text, sys.stderr)  # Error: in red, Hint: in bold, on a colour terminal only
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def format_error(exc: AmlEventsError) -> str:
    """``Error: <what failed>. <what to do next>`` plus, for syntax errors, the input and a caret line."""
    message = exc.message.rstrip()
    if exc.code and exc.code not in message:
        message = f"({exc.code}) {message}"
    lines = [f"Error: {_sentence(message, capital=False)}"]
    if isinstance(exc, FilterSyntaxError):
        lines.append(exc.render())
    if exc.hint:
        lines.append(f"Hint: {_sentence(exc.hint)}")
    return "\n".join(lines)


def _sentence(text: str, *, capital: bool = True) -> str:
    """``text`` as one style of sentence: a capital first letter (for hints; a message starts with what failed,
    often a name or an option) and a final period, unless it already ends a sentence (an ARM message in
    parentheses ends with ``.)``, which must not become ``.).``)."""
    text = text.rstrip()
    if capital and text[:1].islower():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!", ":", ".)")) else text + "."


def interrupted_message(exc: KeyboardInterrupt) -> str:
    """What Ctrl-C means: nothing, or, during a write, that Azure goes on with it and how to check."""
    from amlevents.arm.ui import WriteInterrupted

    if not isinstance(exc, WriteInterrupted):
        return "Interrupted."
    import re

    named = re.search(r"event subscription '([^']+)'", exc.doing)
    check = (f"`amlevents subscription show {named.group(1)}` (with the same workspace options)" if named
             else "`amlevents plan` with the same manifest")
    return (f"Interrupted while {exc.doing[:1].lower()}{exc.doing[1:]}: amlevents stopped waiting, but Azure goes on "
            "with a request it has received.\n"
            f"Hint: Check the result with {check}.")


def debug_enabled(ctx_params: dict[str, Any] | None = None) -> bool:
    """Whether ``--debug`` was given or ``AMLEVENTS_DEBUG`` is set to a true value."""
    if ctx_params and ctx_params.get("debug"):
        return True
    return os.environ.get("AMLEVENTS_DEBUG", "").lower() in ("1", "true", "yes")


def _not_utf8(word: str) -> bool:
    # Python decodes argv bytes that are not UTF-8 to lone surrogates (U+DC80..U+DCFF, "surrogateescape")
    return any("\udc80" <= ch <= "\udcff" for ch in word)


def check_argv_text(args: list[str]) -> None:
    """Exit 2 with a message when an argument is not valid UTF-8 text; the message names its position (and the
    option before it), never its value, which may be a secret."""
    for index, word in enumerate(args):
        if _not_utf8(word):
            before = args[index - 1] if index and args[index - 1].startswith("-") else None
            where = f"argument {index + 1}" + (f" (after {before})" if before and not _not_utf8(before) else "")
            _stderr_write(f"Error: {where} is not valid UTF-8 text.\n"
                          "Hint: Pass UTF-8 text; check the encoding of the script or terminal that sent it.")
            raise SystemExit(int(ExitCode.INVALID_INPUT))


class AmlEventsGroup(StrictGroup):
    """Root command group: joins az-style multi-word options, refuses an option given as another's value
    (``StrictGroup``) and maps exceptions to exit codes."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **options: Any) -> Any:  # Click's signature
        # Before Click sees the words: a value with undecodable bytes would otherwise reach the output, where a
        # strict UTF-8 stdout raises mid-write.
        check_argv_text(sys.argv[1:] if args is None else list(args))
        return super().main(args, *rest, **options)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, join_multi_token_options(list(args)))

    def invoke(self, ctx: Context) -> Any:  # Any: whatever the command returns, as in Click
        try:
            return super().invoke(ctx)
        except Cancelled as exc:  # a declined confirmation is the person's choice, not an error: no "Error:"
            _stderr_write(exc.message)
            raise typer.Exit(int(exc.exit_code)) from None
        except AmlEventsError as exc:
            if debug_enabled(ctx.params):
                _print_traceback()
            text = format_error(exc)
            if not ctx.params.get("show_secrets"):
                from amlevents.core.redact import redact_text

                text = redact_text(text)  # messages may quote a URL or value the user gave
            _stderr_write(text)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt as exc:
            _stderr_write(interrupted_message(exc))
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except (ClickException, typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            raise typer.Exit(int(ExitCode.ERROR)) from None
        except Exception as exc:  # noqa: BLE001 - the boundary: anything unexpected becomes exit 1
            from amlevents.core.redact import redact_text

            if debug_enabled(ctx.params):
                _print_traceback()
                _stderr_write(redact_text(f"Error: unexpected {type(exc).__name__}: {exc}"))
            else:
                _stderr_write(redact_text(
                    f"Error: unexpected {type(exc).__name__}: {exc}. "
                    "Run again with --debug for the traceback, and report it if it persists."
                ))
            raise typer.Exit(int(ExitCode.ERROR)) from None
