"""What the flows may ask of the terminal (spinner, confirmation, warnings): the CLI hands one in, so nothing in
``arm`` prints."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ContextManager

from amlevents.core.errors import AmlEventsError, ExitCode


class Cancelled(AmlEventsError):
    """The person at the terminal declined a confirmation; nothing was changed (exit 1, as Terraform's declined
    apply; the CLI prints no ``Error:`` for it)."""

    exit_code = ExitCode.ERROR

    def __init__(self) -> None:
        super().__init__("Cancelled; nothing was changed.")


class WriteInterrupted(KeyboardInterrupt):
    """Ctrl-C while a write was in flight: ``doing`` is what was under way (``Creating event subscription 'x'``).
    Azure goes on with a request it accepted; the CLI says so and how to check."""

    def __init__(self, doing: str) -> None:
        super().__init__(doing)
        self.doing = doing


@dataclass
class Ui:
    """What the flows may ask of the terminal; the defaults do nothing (non-interactive).

    ``confirm`` returns only when the answer is yes: a declined confirmation raises ``Cancelled``, so every flow
    that asks stops the same way. A Ctrl-C inside ``progress`` (which wraps each write) becomes
    ``WriteInterrupted``, naming the write that goes on in Azure.
    """

    progress: Callable[[str], ContextManager[Any]] = lambda _msg: contextlib.nullcontext()
    confirm: Callable[[str], bool] | None = None  # None: no terminal to ask on
    warn: Callable[[str], None] = lambda _msg: None
    info: Callable[[str], None] = lambda _msg: None  # progress lines (stderr), not warnings
    done: Callable[[str], None] = lambda _msg: None  # what a write did, for a person at a terminal only

    def __post_init__(self) -> None:
        ask, show = self.confirm, self.progress
        if ask is not None:
            def confirm(message: str) -> bool:
                if not ask(message):
                    raise Cancelled()
                return True

            self.confirm = confirm

        @contextlib.contextmanager
        def progress(message: str) -> Iterator[Any]:
            try:
                with show(message) as shown:
                    yield shown
            except WriteInterrupted:
                raise
            except KeyboardInterrupt:
                raise WriteInterrupted(message) from None

        self.progress = progress
