"""Exit codes and the project's exception hierarchy.

Every error a user can cause or meet is an ``AmlEventsError`` whose ``exit_code`` says how the process ends.
The CLI maps them to stderr messages in exactly one place (``amlevents.cli.errors``).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes. Documented in the README; never reuse a number for a different meaning."""

    OK = 0
    ERROR = 1  # service error or unexpected failure
    INVALID_INPUT = 2  # bad option, bad JSON, bad filter, limit exceeded
    AUTH_FAILED = 3  # no credential, or sign-in refused
    ACCESS_DENIED = 4  # the identity lacks a permission (checked first, or Azure's 403)
    NOT_FOUND = 5  # workspace or event subscription does not exist
    CONFLICT = 6  # another client wrote the same event subscription at the same time, and its write won
    INTERRUPTED = 130  # Ctrl-C / SIGINT


class AmlEventsError(Exception):
    """Base class: a failure with a message for humans and an exit code."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code  # e.g. the ARM error code (AuthorizationFailed, InvalidRequest ...)

    def __str__(self) -> str:
        return self.message


class InvalidInputError(AmlEventsError):
    """The user's input (option, file, filter) is invalid; nothing was changed."""

    exit_code = ExitCode.INVALID_INPUT


class FilterSyntaxError(InvalidInputError):
    """An ``--advanced-filter`` expression (or another one-line input) cannot be parsed.

    ``source`` is the text the user gave, ``position``/``length`` mark the offending token;
    ``render()`` shows the input with a caret line under that token.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str,
        position: int,
        length: int = 1,
        hint: str | None = None,
        label: str = "--advanced-filter",
    ) -> None:
        super().__init__(message, hint=hint)
        self.source = source
        self.position = max(0, min(position, len(source)))
        self.length = max(1, length)
        self.label = label

    def render(self) -> str:
        """The input and a caret marker under the bad token, as two indented lines."""
        # Control characters (a newline inside a quoted token, a tab) would break the alignment.
        shown = "".join(" " if ch in "\t\r\n" or ord(ch) < 32 else ch for ch in self.source)
        caret = " " * self.position + "^" * self.length
        return f"  {shown}\n  {caret}"


class LimitExceededError(InvalidInputError):
    """A documented Event Grid service limit would be exceeded."""


class AuthenticationError(AmlEventsError):
    """No usable credential, or the identity provider refused the sign-in."""

    exit_code = ExitCode.AUTH_FAILED


class AccessDeniedError(AmlEventsError):
    """The signed-in identity may not perform the operation."""

    exit_code = ExitCode.ACCESS_DENIED


class NotFoundError(AmlEventsError):
    """A workspace or event subscription does not exist."""

    exit_code = ExitCode.NOT_FOUND


class ServiceError(AmlEventsError):
    """Azure (or the emulator) answered with an error that is not the user's input."""

    exit_code = ExitCode.ERROR
