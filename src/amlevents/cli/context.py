"""Per-invocation state shared by the commands: global options, the lazily created Azure session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import typer


@dataclass
class CliState:
    """What the root callback parsed; the session is created on first use and closed with the context."""

    local: bool = False
    emulator: str | None = None
    cloud: str | None = None
    debug: bool = False
    show_secrets: bool = False
    timeout: float | None = None  # --timeout: seconds for the whole command (else AMLEVENTS_TIMEOUT)
    _session: Any = field(default=None, repr=False)


def state(ctx: typer.Context) -> CliState:
    """The root state (a fresh default when a command runs without the root callback)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def session(ctx: typer.Context) -> Any:
    """The process's ``amlevents.arm.clients.Session`` (imports the Azure SDK on first use)."""
    st = state(ctx)
    if st._session is None:
        from amlevents.arm.clients import ConnectionSettings, Session
        from amlevents.cli.output import note

        settings = ConnectionSettings.from_env(local=st.local, emulator_url=st.emulator, cloud=st.cloud,
                                               debug=st.debug, timeout=st.timeout)
        st._session = Session(settings, notice=note)  # waits Azure asks for are announced on stderr
        ctx.find_root().call_on_close(st._session.close)
    return st._session


def address(ctx: typer.Context, workspace: str | None, resource_group: str | None, subscription: str | None,
            workspace_id: str | None) -> Any:
    """The ``WorkspaceRef`` from flags, environment, config.json, or (emulator modes) the seeded workspace."""
    from amlevents.core.workspace import resolve_workspace

    return resolve_workspace(workspace=workspace, resource_group=resource_group, subscription=subscription,
                             workspace_id=workspace_id, defaults=session(ctx).default_workspace)


def ui(ctx: typer.Context) -> Any:
    """This terminal's spinner, confirmation prompt (None without a terminal) and warnings, as a workflow ``Ui``."""
    import sys

    from amlevents.arm.workflow import Ui
    from amlevents.cli.output import note, progress, warn

    def confirm(message: str) -> bool:
        return typer.confirm(message, default=False, err=True)

    return Ui(progress=progress, confirm=confirm if sys.stdin.isatty() else None, warn=warn, info=note)


def identity_label(ctx: typer.Context) -> str | None:
    """How messages name the caller in emulator modes without a sign-in (None: a real sign-in names itself)."""
    settings = session(ctx).settings
    if settings.mode != "azure" and not settings.emulator_sign_in:
        return f"emulator principal '{settings.emulator_principal}'"
    return None


def service(ctx: typer.Context) -> Any:
    """The ``SubscriptionService`` with this terminal's spinner, confirmation prompt and warnings."""
    from amlevents.arm.workflow import SubscriptionService

    return SubscriptionService(session(ctx), ui(ctx), identity_label=identity_label(ctx))
