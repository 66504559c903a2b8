"""Exit codes and the project's exception hierarchy.

Every error a user can cause or meet is an ``AmlEventsError`` whose ``exit_code`` says how the process ends.
The CLI maps them to stderr messages in exactly one place (``amlevents.cli.errors``).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; ``description`` is what docs/exit-codes.md says of each (generated from here). Never
    reuse a number for a different meaning."""

    description: str

    def __new__(cls, value: int, description: str = "") -> ExitCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    OK = 0, "Success. For `events test`, the evaluation ran, whatever the verdict."
    ERROR = 1, (
        "Service error or unexpected failure: Azure answered 409/429/5xx after retries, a subscription ended "
        "`Failed` or `AwaitingManualAction`, some steps of an `apply` failed. Also `events test --check` when an "
        "event would not be delivered, `events publish` when a matched subscription did not get it, "
        "`--check-endpoint` when the endpoint fails the handshake, `listen --timeout` when too few events "
        "arrived, `audit --check` when anything needs attention, `--timeout` when the command ran out of time, and any error under `plan --detailed-exitcode`. "
        "Also a declined confirmation: stderr says `Cancelled; nothing was changed.`, with no `Error:` (as "
        "Terraform's declined apply). Example: `subscription create x --endpoint https://bad.invalid/hook` on the "
        "emulator (the handshake fails)."
    )
    INVALID_INPUT = 2, (
        "Invalid input: a bad option, JSON file, filter or manifest, a service limit exceeded, a name that exists "
        "without `--overwrite`, Azure's 400 `InvalidRequest`; nothing was changed. Also `plan --detailed-exitcode` "
        "when changes are pending (Terraform's convention; errors are then 1). Example: `--advanced-filter data.x "
        "BoolEquals maybe`."
    )
    AUTH_FAILED = 3, (
        "Authentication failed: no credential, a sign-in refused (wrong client secret, unknown client), Azure's "
        "401. Example: `AMLEVENTS_AUTH=environment` without `AZURE_CLIENT_ID`."
    )
    ACCESS_DENIED = 4, (
        "Access denied: the identity lacks a permission (checked first, or Azure's 403). Example: a Reader running "
        "`subscription create`."
    )
    NOT_FOUND = 5, (
        "Not found: the workspace or the event subscription does not exist. Example: `subscription show "
        "does-not-exist`."
    )
    CONFLICT = 6, (
        "Conflict: another client wrote the same event subscription at the same moment and its write won. "
        "Example: two pipelines creating one name at once."
    )
    INTERRUPTED = 130, (
        "Interrupted (Ctrl-C or SIGINT). During a write, Azure carries on with what it received; the message says "
        "how to check (`amlevents subscription show NAME`)."
    )


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
