"""Per-invocation state shared by the commands: global options, and the session ``cli.wiring`` connects on first
use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # typing only: arm (and with it azure.*) is imported on first use, never on --help
    from amlevents.arm.reconcile import DesiredStateService
    from amlevents.arm.session import Session
    from amlevents.arm.settings import ConnectionSettings
    from amlevents.arm.ui import Ui
    from amlevents.arm.workflow import SubscriptionService
    from amlevents.core.workspace import WorkspaceRef


@dataclass
class CliState:
    """What the root callback parsed; the session is created on first use and closed with the context."""

    local: bool = False
    emulator: str | None = None
    cloud: str | None = None
    debug: bool = False
    show_secrets: bool = False
    raw: bool = False  # --raw: subscription resources as the service's REST JSON, not the shape az prints
    timeout: float | None = None  # --timeout: seconds for the whole command (else AMLEVENTS_TIMEOUT)
    _settings: ConnectionSettings | None = field(default=None, repr=False)
    _session: Session | None = field(default=None, repr=False)


def state(ctx: typer.Context) -> CliState:
    """The root state (a fresh default when a command runs without the root callback)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def settings(ctx: typer.Context) -> ConnectionSettings:
    """Where to connect: the global options, then ``AMLEVENTS_*`` variables (parsed once per invocation)."""
    st = state(ctx)
    if st._settings is None:
        from amlevents.arm.settings import ConnectionSettings

        st._settings = ConnectionSettings.from_env(local=st.local, emulator_url=st.emulator, cloud=st.cloud,
                                                   debug=st.debug, timeout=st.timeout)
    return st._settings


def session(ctx: typer.Context) -> Session:
    """The process's ``amlevents.arm.session.Session``, connected by ``cli.wiring`` on first use."""
    st = state(ctx)
    if st._session is None:
        from amlevents.cli.output import note
        from amlevents.cli.wiring import connect

        st._session = connect(settings(ctx), notice=note)  # waits Azure asks for are announced on stderr
        ctx.find_root().call_on_close(st._session.close)
    return st._session


def address(ctx: typer.Context, workspace: str | None, resource_group: str | None, subscription: str | None,
            workspace_id: str | None) -> WorkspaceRef:
    """The ``WorkspaceRef`` from flags, environment, config.json, or (emulator modes) the seeded workspace."""
    from amlevents.core.workspace import resolve_workspace

    return resolve_workspace(workspace=workspace, resource_group=resource_group, subscription=subscription,
                             workspace_id=workspace_id, defaults=session(ctx).default_workspace)


def ui(ctx: typer.Context) -> Ui:
    """This terminal's spinner, confirmation prompt (None without a terminal) and warnings, as a workflow ``Ui``."""
    import sys

    from amlevents.arm.ui import Ui
    from amlevents.cli.output import note, progress, warn

    def confirm(message: str) -> bool:
        # The whole prompt goes to stderr (typer.confirm writes its trailing space to stdout, the data stream).
        sys.stderr.write(f"{message} [y/N]: ")
        sys.stderr.flush()
        return sys.stdin.readline().strip().lower() in ("y", "yes")

    def done(message: str) -> None:  # a terminal hears what a write did; a pipeline's stderr stays quiet
        if sys.stderr.isatty():
            note(message)

    return Ui(progress=progress, confirm=confirm if sys.stdin.isatty() else None, warn=warn, info=note, done=done)


def identity_label(ctx: typer.Context) -> str | None:
    """How messages name the caller in emulator modes without a sign-in (None: a real sign-in names itself)."""
    from amlevents.cli import wiring

    return wiring.identity_label(settings(ctx))


def emulated(ctx: typer.Context) -> bool:
    """True in the emulator modes (``--local``, ``--emulator``), where an ``http://`` loopback webhook is the
    emulator's to accept (``--allow-http-loopback``) or refuse; Azure refuses every ``http://``."""
    return settings(ctx).mode != "azure"


def service(ctx: typer.Context) -> SubscriptionService:
    """The ``SubscriptionService`` with this terminal's spinner, confirmation prompt and warnings."""
    from amlevents.arm.workflow import SubscriptionService

    return SubscriptionService(session(ctx), ui(ctx), identity_label=identity_label(ctx),
                               allow_http_loopback=emulated(ctx))


def desired_state_service(ctx: typer.Context) -> DesiredStateService:
    """The ``DesiredStateService`` (plan, apply, export) with the same ``Ui`` and identity label."""
    from amlevents.arm.reconcile import DesiredStateService

    return DesiredStateService(session(ctx), ui(ctx), identity_label=identity_label(ctx))
