"""Reconcile a manifest with ARM (``DesiredStateService``): read every listed workspace, plan, apply concurrently,
export.

Reads run concurrently in two flat pools (every workspace's list and system topic, then every hidden value to
fetch, whichever workspace it belongs to). Writes go through a bounded pool: the pool bounds the requests that
start operations; the long-running operations are then watched together by one ``arm.scheduler.PollScheduler`` (no
thread per operation), so a slow provisioning holds no slot. A batch of ``arm.bulk.LIST_MIN`` writes or more goes
through ``arm.bulk.run_writes`` instead: raw writes interleaved over the Azure subscriptions, settled while the
batch is written (the regional lists once most of a subscription's writes are answered, then each workspace's own
list as its writes are; ``arm.bulk_settle``) rather than a status check each. Deletes run (and finish) before
creates and updates, so a subscription that must be replaced (a new delivery schema) is gone before it is
re-created.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from amlevents.arm.access import AccessChecker, access_denied, required_actions
from amlevents.arm.apply_steps import (
    StepResult,
    WorkspaceState,
    found_in,
    short_workspace,
    step_message,
    write_request,
    write_target,
)
from amlevents.arm.concurrency import concurrently, round_robin, unwrap
from amlevents.arm.dry_run import request
from amlevents.arm.errors import translate_errors
from amlevents.arm.session import Session
from amlevents.arm.subscriptions import (
    WORKSPACE_API_VERSION,
    Found,
    WorkspaceSubscriptions,
    get_json,
    identities_of,
    through_topic,
    topic_identity,
)
from amlevents.arm.ui import Ui
from amlevents.core.catalog import TOPIC_TYPE
from amlevents.core.errors import AccessDeniedError, AmlEventsError, InvalidInputError
from amlevents.core.manifest import Manifest, WorkspaceSpec
from amlevents.core.manifest.select import (
    RunFilter,
    discovery_subscriptions,
    match_selectors,
)
from amlevents.core.plan import (
    Action,
    PlannedChange,
    hidden_values,
    plan,
    topic_name_of,
)
from amlevents.core.workspace import WorkspaceRef, resolve_workspace


class DesiredStateService:
    """plan / apply / export over a ``Session``."""

    def __init__(self, session: Session, ui: Ui | None = None, identity_label: str | None = None) -> None:
        self.session = session
        self.ui = ui or Ui()
        self.access = AccessChecker(session, label=identity_label)

    # --- reading -----------------------------------------------------------------------------------------------

    def resolve(self, manifest: Manifest, run: RunFilter | None = None) -> list[WorkspaceState]:
        """The manifest's workspaces as references (flags/env/config fallbacks apply), duplicates refused; the
        workspaces its ``select:`` entries match (one Resource Graph query for all of them: named entries win over
        selectors); then only those ``run`` (``--select``, ``--shard``) keeps."""
        states: list[WorkspaceState] = []
        seen: dict[str, WorkspaceSpec] = {}
        for spec in manifest.workspaces:
            if spec.selector is not None:
                continue
            ref = resolve_workspace(**spec.ref_args, defaults=self.session.default_workspace)
            if ref.id.lower() in seen:
                line, column = spec.location
                raise InvalidInputError(f"{manifest.source}:{line}:{column}: workspace '{ref.name}' is listed twice "
                                        "(after resolving names, environment and config.json)",
                                        hint="merge the two entries into one")
            seen[ref.id.lower()] = spec
            states.append(WorkspaceState(ref, spec))
        selecting = [spec for spec in manifest.workspaces if spec.selector is not None]
        rows: dict[str, dict[str, Any]] = {}
        if selecting or (run is not None and run.needs_rows):
            rows = {r["id"].lower(): r for r in self._discover([s.selector for s in selecting], states)}
        if selecting:
            entries = [(s.selector, _block(s), s.location) for s in selecting]
            for found in match_selectors(entries, rows.values(), seen, source=manifest.source):
                ref = WorkspaceRef(found.row["subscriptionId"], found.row["resourceGroup"], found.row["name"])
                states.append(WorkspaceState(ref, selecting[found.entry], row=found.row))
        if run is None or (not run.terms and run.shard is None):
            return states
        return [s for s in states if run.keeps(rows.get(s.ref.id.lower()) or _row_of(s.ref))]

    def _discover(self, selectors: list[Any], named: list[WorkspaceState]) -> list[dict[str, Any]]:
        """Every workspace the selectors could match (and the named ones, for ``--select`` by location or tag), with
        one Resource Graph query (arm/discovery.py): the matching itself is core's (core/manifest/select.py)."""
        from amlevents.arm.discovery import Discovery, WorkspaceSelector

        subscriptions = discovery_subscriptions(selectors) if selectors else ()
        if subscriptions is not None:
            wanted = {s.lower(): s for s in (*subscriptions, *(st.ref.subscription_id for st in named))}
            subscriptions = tuple(wanted.values())
        return Discovery(self.session).workspaces(WorkspaceSelector(subscriptions=subscriptions or ()))

    def read(self, states: list[WorkspaceState], *, hidden: bool = True) -> list[WorkspaceState]:
        """Fill in each workspace's current subscriptions (and hidden values the plan needs), concurrently. The
        selected workspaces are read with the fleet's lists by topic type (one paged list per Azure subscription
        and location, arm/fleet.py), not one list per workspace: 1,000 workspaces are a few dozen lists.

        Two flat pools, not a pool per workspace: first every workspace's list and system topic (the fleet's lists
        beside them, on their own thread), then every hidden value of the whole run (a fleet's 5,000 getFullUrl
        reads), ``HIDDEN_READS`` at a time. Errors are raised in the workspaces' order, the first one's first."""
        selected = [s for s in states if s.row is not None]
        for state in selected:
            state.listed = []  # filled by _list_selected; the named workspaces (None) get their own list below
        apis = {id(s): WorkspaceSubscriptions(self.session, s.ref) for s in states}
        calls: list[Callable[[], Any]] = []
        groups: list[tuple[str, str]] = []
        for state in states:
            group = (state.ref.subscription_id.lower(), state.ref.resource_group.lower())
            if state.listed is None:  # a named workspace: its own list (a 404 there means no such workspace: exit 5)
                calls.append(apis[id(state)].list)
                groups.append(group)
            calls.append(lambda s=state: self._system_topic(apis[id(s)], s))  # one listing per resource group
            groups.append(group)
        # Spread over the resource groups: the workspaces of one group share its one (memoized) system-topic
        # listing, so taken in order the pool's threads all waited on that one request, group after group (3.3 s of
        # a 1,000-workspace plan over 60 groups); spread, the groups' listings run side by side. The fleet's lists by
        # topic type run meanwhile: neither needs the other (0.3-0.5 s of a 1,000-workspace plan).
        with ThreadPoolExecutor(1, thread_name_prefix="amlevents-fleet-lists") as pool:
            listing = pool.submit(self._list_selected, selected)
            results = iter(list(concurrently(calls, workers=READ_WORKERS, spread=groups)))
            listing.result()
        for state in states:
            items = unwrap(next(results)) if state.listed is None else state.listed
            self._current(state, items, unwrap(next(results)))
        if hidden:  # else the webhook query strings and secret attributes stay "unverified" (--visible-only)
            self._read_hidden(states, apis)
        return states

    def _current(self, state: WorkspaceState, items: list[dict[str, Any]], topic: Any) -> None:
        """Hold the workspace's subscriptions as the path the manifest names shows them: either path addresses the
        same subscription, so the plan sees no change of parent and writes go through that path."""
        state.topic = None if topic is _UNREADABLE else topic
        under = {n.lower() for n, d in state.desired.items() if d.system_topic is not False} if state.topic else ()
        state.current = {item["name"]: through_topic(item, state.topic) if item["name"].lower() in under else item
                         for item in items}

    def _read_hidden(self, states: list[WorkspaceState], apis: dict[int, WorkspaceSubscriptions]) -> None:
        """The full webhook URLs and secret attribute values the plan compares, for every workspace at once, as
        coroutines on one event loop (``arm.aio``: a fleet's 5,000 getFullUrl reads cost a third of the client CPU
        they cost from 64 threads). A value that may not be read leaves the field "unverified" (one warning per
        workspace), not "unchanged"."""
        from amlevents.arm.aio import post_many
        from amlevents.arm.errors import translate

        reads: list[tuple[WorkspaceState, str, str]] = []  # (workspace, subscription name, action)
        for state in states:
            urls, secret_names = hidden_values(state.desired, state.current)
            reads += [(state, name, "getFullUrl") for name in urls]
            reads += [(state, name, "getDeliveryAttributes") for name in secret_names]
        # Round-robin over the Azure subscriptions (ARM's buckets are per subscription), not one after another.
        order = round_robin([state.ref.subscription_id.lower() for state, _, _ in reads])
        sent = [reads[i] for i in order]
        answers = post_many(self.session, [(state.ref.subscription_id, apis[id(state)].action_path(
            found_in(state, name), action)) for state, name, action in sent], HIDDEN_READS)
        outcomes: dict[int, list[Any]] = {}
        for (state, name, action), answer in zip(sent, answers):
            if isinstance(answer, BaseException):
                what = ("read the full endpoint URL of" if action == "getFullUrl"
                        else "read the delivery attributes of")
                answer = answer if isinstance(answer, AmlEventsError) else translate(answer, what=f"{what} '{name}'")
            elif action == "getFullUrl":
                state.full_urls[name] = (answer or {}).get("endpointUrl")
            else:
                state.secrets[name] = (answer or {}).get("value") or []
            outcomes.setdefault(id(state), []).append(answer)
        for state in states:
            mine = outcomes.get(id(state), [])
            denied = [r for r in mine if isinstance(r, AccessDeniedError)]
            if denied:
                self.ui.warn(f"{state.ref.name}: {len(denied)} webhook URL(s) or secret attribute(s) could not be "
                             f"read and are compared by what is visible only: {denied[0].message}")
            for result in mine:
                if isinstance(result, BaseException) and not isinstance(result, AccessDeniedError):
                    raise result

    def _list_selected(self, states: list[WorkspaceState]) -> None:
        """Every subscription of the selected workspaces, from the fleet's lists, into ``listed``."""
        from amlevents.arm.discovery import WorkspaceSelector
        from amlevents.arm.fleet import FleetSubscriptions, workspace_id_of

        if not states:
            return
        by_id = {s.ref.id.lower(): s for s in states}
        for state in states:
            state.listed = []
        rows = [s.row for s in states if s.row is not None]
        for item in FleetSubscriptions(self.session).items(WorkspaceSelector(), rows):
            owner = workspace_id_of(item)
            if owner and owner.lower() in by_id:
                by_id[owner.lower()].listed.append(item)  # type: ignore[union-attr]

    def _system_topic(self, api: WorkspaceSubscriptions, state: WorkspaceState) -> Any:
        """The workspace's system topic; ``_UNREADABLE`` when it may not be read and the manifest wants nothing
        under it (EventGrid EventSubscription Contributor on the workspace cannot read system topics)."""
        try:
            return api.system_topic()
        except AccessDeniedError:
            if state.spec is None or any(d.system_topic is not False for d in state.spec.subscriptions):
                raise
            return _UNREADABLE  # nothing is missed: the scope list holds the topic's subscriptions too

    # --- planning ----------------------------------------------------------------------------------------------

    def plan(self, manifest: Manifest, *, prune: bool = False, run: RunFilter | None = None,
             hidden: bool = True, access: bool = False) -> list[WorkspaceState]:
        """Read every listed (or selected) workspace in this ``run`` and compute its steps; ``hidden``: also read the
        webhook URLs' query strings and the secret attributes the comparison needs (getFullUrl/getDeliveryAttributes),
        else those fields are unverified; ``access``: also read, meanwhile, the permissions ``check_access`` starts
        from (an apply's: its resource groups' permissions need no plan, so they need not wait for one)."""
        states = self.resolve(manifest, run)
        with ThreadPoolExecutor(1, thread_name_prefix="amlevents-access") as pool:
            early = pool.submit(self._group_permissions, [s.ref for s in states]) if access else None
            self.read(states, hidden=hidden)
            if early is not None:
                early.result()  # what could not be read there is read (and reported) by check_access
        for state in states:
            _check_topic_name(manifest.source, state)
            steps = plan(state.desired, state.current, workspace_id=state.ref.id, prune=prune,
                         full_urls=state.full_urls, secrets=state.secrets)
            state.steps = steps
        return states

    # --- applying ----------------------------------------------------------------------------------------------

    def check_access(self, states: list[WorkspaceState]) -> None:
        """One check per workspace (and per system-topic path used); exit 4 before any write when one fails."""
        checks = []
        for state in states:
            changing = [s for s in state.steps if s.action is not Action.NO_CHANGE]
            for on_topic in (False, True):
                ops = {("delete" if s.action is Action.DELETE else "create") for s in changing
                       if (s.kind == "system-topic") == on_topic}
                checks += [(state, op, on_topic) for op in sorted(ops)]
        wanted = [(state, op, on_topic, required_actions(op, system_topic=on_topic,
                                                          create_topic=on_topic and state.topic is None))
                  for state, op, on_topic in checks]  # create_topic: required_actions asks it of a create only
        # First one permission read per resource group: what is allowed there is allowed at every workspace in it
        # (RBAC is additive; the permissions API lists what is inherited). A fleet's 1,000 workspaces in 60 groups
        # are 60 reads, not 1,000 (7 s before the first write). What the group does not allow is then read at the
        # workspace itself, whose verdict (and its message naming the roles) decides, as before.
        for result in self._group_permissions([state.ref for state, *_ in wanted]):
            if not isinstance(result, AccessDeniedError):  # unreadable there: each workspace is read instead
                unwrap(result)
        rest = [(state, op, on_topic, actions) for state, op, on_topic, actions in wanted
                if not self.access.allowed_in_group(state.ref, actions)]
        scopes = {self.access.scope(state.ref, on_topic).lower(): (state.ref, on_topic)
                  for state, _, on_topic, _ in rest}
        for result in concurrently([lambda r=r, t=t: self.access.permissions(r, resource_group_scope=t)
                                    for r, t in scopes.values()], workers=16):
            unwrap(result)
        for state, op, on_topic, actions in rest:
            verdict = self.access.check(state.ref, actions, system_topic=on_topic)
            if not verdict.allowed:
                raise access_denied(verdict, op)

    def _group_permissions(self, refs: list[WorkspaceRef]) -> list[Any]:
        """The permissions at each resource group of ``refs``, read once each (``AccessChecker`` keeps them): each
        outcome, an error included, for the caller to judge."""
        groups = {self.access.scope(ref, True).lower(): ref for ref in refs}
        return list(concurrently([lambda r=r: self.access.permissions(r, resource_group_scope=True)
                                  for r in groups.values()], workers=16,
                                 spread=[r.subscription_id.lower() for r in groups.values()]))

    def apply(self, states: list[WorkspaceState], *, concurrency: int = 16) -> list[StepResult]:
        """Apply every step; a failing step does not stop the others. Returns one result per changing step."""
        results: list[StepResult] = []
        changing = [(state, step) for state in states for step in state.steps if step.action is not Action.NO_CHANGE]
        results += self._run([(s, st) for s, st in changing if st.action is Action.DELETE], concurrency)
        batch = self._unblocked([(s, st) for s, st in changing if st.action in (Action.CREATE, Action.UPDATE)],
                                results)
        topics_ok = self._ensure_topics(batch, results)
        results += self._run([(s, st) for s, st in batch
                              if st.kind != "system-topic" or s.ref.id.lower() in topics_ok], concurrency)
        return results

    @staticmethod
    def _unblocked(batch: list[tuple[WorkspaceState, PlannedChange]],
                   results: list[StepResult]) -> list[tuple[WorkspaceState, PlannedChange]]:
        """The steps that may run; a create replacing a subscription whose delete failed is recorded as not run
        (the name is still taken: creating it elsewhere would fail or leave two subscriptions of that name)."""
        failed = {(r.step.workspace_id.lower(), r.step.name.lower()) for r in results
                  if r.step.action is Action.DELETE and r.status != "applied"}
        runnable = []
        for state, step in batch:
            if (step.workspace_id.lower(), step.name.lower()) in failed:
                results.append(StepResult(step, "not-run", "not run: deleting the subscription it replaces failed"))
            else:
                runnable.append((state, step))
        return runnable

    def _ensure_topics(self, batch: list[tuple[WorkspaceState, PlannedChange]], results: list[StepResult]) -> set[str]:
        """Create the system topic of each workspace that needs one; returns the workspace ids that have one."""
        ok: set[str] = set()
        for state in {id(s): s for s, step in batch if step.kind == "system-topic"}.values():
            if state.topic is not None:
                ok.add(state.ref.id.lower())
                continue
            name = next((st.system_topic for s, st in batch if s is state and st.system_topic), None)
            api = WorkspaceSubscriptions(self.session, state.ref)
            try:
                location = api.workspace_resource().get("location", "")
                # the topic holds every identity its subscriptions deliver or dead-letter with
                identities = [i for s, st in batch if s is state and st.kind == "system-topic" and st.desired
                              for i in identities_of(st.desired)]
                api.ensure_system_topic(name, location=location, identities=identities)
                state.topic = api.system_topic()
                ok.add(state.ref.id.lower())
                self.ui.info(f"created system topic '{name or api.default_topic_name}' for {state.ref.name}")
            except AmlEventsError as exc:
                for s, step in batch:
                    if s is state and step.kind == "system-topic":
                        results.append(StepResult(step, "failed", f"system topic: {exc.message}"))
        return ok

    def _run(self, batch: list[tuple[WorkspaceState, PlannedChange]], concurrency: int) -> list[StepResult]:
        from amlevents.arm.bulk import LIST_MIN, run_writes
        from amlevents.arm.scheduler import PollScheduler

        if len(batch) >= LIST_MIN:  # a fleet's writes: raw requests settled by the regional lists (arm/bulk.py)
            return run_writes(self.session, self.ui, batch, concurrency)

        scheduler = PollScheduler(deadline=self.session.deadline)
        results: list[StepResult] = []

        def begin(state: WorkspaceState, step: PlannedChange) -> tuple[Any, Any, float]:
            api, poller = self._begin(state, step)
            return api, poller, time.monotonic()  # when Azure accepted it: the expected completion counts from here

        outcomes = concurrently([lambda s=s, st=st: begin(s, st) for s, st in batch], workers=concurrency)
        started: list[tuple[WorkspaceState, PlannedChange, Any]] = []
        for (state, step), outcome in zip(batch, outcomes):
            if isinstance(outcome, BaseException):
                results.append(StepResult(step, "failed", step_message(outcome)))
                continue
            api, poller, accepted_at = outcome
            # No final GET per subscription: the operation's status decides applied or failed, and the apply
            # reports no resource bodies (an unreadable status is settled by a GET, below).
            watch = scheduler.watch(poller, self.session.polling(), api.client._client,
                                    kind=step.action.value, final_get=False, accepted_at=accepted_at)
            started.append((state, step, watch))
        scheduler.run()  # every operation's status checks, from this thread (arm/scheduler.py)
        for state, step, watch in started:
            api = WorkspaceSubscriptions(self.session, state.ref)
            try:
                # A status that cannot be read is settled by reading the subscription: the summary says what
                # Azure holds, not that an accepted write failed.
                resource = api.settle(watch, step.action.value, step.name, write_target(state, step))
                state_name = ((resource or {}).get("properties") or {}).get("provisioningState")
                if state_name in ("Failed", "AwaitingManualAction"):
                    results.append(StepResult(step, "failed", f"ended in state {state_name}"))
                else:
                    seconds = watch.finished_at - watch.accepted_at
                    results.append(StepResult(step, "applied", seconds=round(seconds, 2)))
                    self.ui.info(f"{step.action.value}d {short_workspace(step.workspace_id)}/{step.name} "
                                 f"({seconds:.1f} s)")
            except Exception as exc:  # noqa: BLE001 - every failure is reported per step
                results.append(StepResult(step, "failed", step_message(exc)))
        return results

    def _begin(self, state: WorkspaceState, step: PlannedChange) -> tuple[WorkspaceSubscriptions, Any]:
        """Send the request that starts the step's operation; returns the API and its poller, not polling
        (``polling=False``: the caller's one scheduler checks every operation's status)."""
        from amlevents.arm.pacing import response_headers, session_pacer

        api = WorkspaceSubscriptions(self.session, state.ref)
        topic = (state.topic or {}).get("name") if step.kind == "system-topic" else None
        pacer = session_pacer(self.session)  # writes paced per Azure subscription below ARM's limits (arm/pacing.py)
        bucket = "deletes" if step.action is Action.DELETE else "writes"
        pacer.before_write(state.ref.subscription_id, bucket)
        poller = None
        try:
            with translate_errors(f"{step.action.value} event subscription '{step.name}'"):
                method, body = write_request(step)
                if method == "DELETE":
                    poller = api.begin_delete(found_in(state, step.name), polling=False)
                elif method == "PATCH":
                    poller = api.begin_patch(found_in(state, step.name), body, polling=False)
                else:
                    poller = api.begin_put(step.name, body["properties"], topic=topic, polling=False)
        finally:  # answered or failed, the write is no longer in flight
            pacer.after_write(state.ref.subscription_id, response_headers(poller) if poller else None, bucket)
        return api, poller

    def requests(self, states: list[WorkspaceState]) -> list[dict[str, Any]]:
        """What ``apply --dry-run`` would send, in order (system topics first)."""
        out: list[dict[str, Any]] = []
        for state in states:
            api = WorkspaceSubscriptions(self.session, state.ref)
            topic = (state.topic or {}).get("name")
            for step in state.steps:
                if step.action is Action.NO_CHANGE:
                    continue
                where = (topic or step.system_topic or api.default_topic_name) if step.kind == "system-topic" \
                    else None
                if step.kind == "system-topic" and not topic and step.action is Action.CREATE:
                    body: dict[str, Any] = {"properties": {"source": state.ref.id, "topicType": TOPIC_TYPE}}
                    identity = topic_identity([i for st in state.steps if st.kind == "system-topic" and st.desired
                                               for i in identities_of(st.desired)])
                    if identity is not None:
                        body["identity"] = identity
                    out.append(request("PUT", api.topic_url(where), body))
                    topic = where
                method, body = write_request(step)
                out.append(request(method, api.url(step.name, where), body))
        return out

    # --- export ------------------------------------------------------------------------------------------------

    def export(self, refs: list[WorkspaceRef]) -> list[tuple[WorkspaceRef, list[dict[str, Any]]]]:
        """Every subscription of each workspace, hydrated (full webhook URLs, secret attribute values)."""
        def one(ref: WorkspaceRef) -> tuple[WorkspaceRef, list[dict[str, Any]]]:
            api = WorkspaceSubscriptions(self.session, ref)
            api.check_workspace()
            items = api.list()  # the whole collection: those created through the system topic too
            resources = []
            for item in items:
                found = Found(item, topic_name_of(item))
                resources.append({**item, "properties": api.hydrate(found)})
            return ref, resources

        return [unwrap(result) for result in concurrently([lambda r=r: one(r) for r in refs], workers=8)]

    def workspaces_in_group(self, subscription_id: str, resource_group: str) -> list[WorkspaceRef]:
        """Every Azure ML workspace of a resource group."""
        client = self.session.eventgrid(subscription_id)
        with translate_errors(f"list the workspaces of resource group '{resource_group}'"):
            url = (f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/"
                   f"Microsoft.MachineLearningServices/workspaces?api-version={WORKSPACE_API_VERSION}")
            names: list[str] = []
            while url:
                page = get_json(client, url)
                names += [w["name"] for w in page.get("value") or []]
                url = page.get("nextLink")
        return [WorkspaceRef(subscription_id, resource_group, n) for n in sorted(names)]


_UNREADABLE = object()  # a system topic the caller may not read
READ_WORKERS = 16  # workspace lists and system-topic listings at once
# getFullUrl / getDeliveryAttributes reads in flight at once, over the whole run: each waits a round trip (~50 ms to
# ARM) for under 2 ms of work here, so 64 keep the client busy where 16 x 8 nested pools mostly waited
HIDDEN_READS = 64


def _check_topic_name(source: str, state: WorkspaceState) -> None:
    """Refuse a system topic name that cannot be had: Azure allows one system topic per workspace, so with another
    one in place the subscription would land under that one and every plan would replace it again."""
    topic = (state.topic or {}).get("name")
    for desired in state.spec.subscriptions if state.spec and topic else ():
        if isinstance(desired.system_topic, str) and desired.system_topic.lower() != topic.lower():
            line, column = desired.location
            raise InvalidInputError(
                f"{source}:{line}:{column}: subscription '{desired.name}' wants system topic '{desired.system_topic}', "
                f"but workspace '{state.ref.name}' already has the system topic '{topic}' (Azure allows one per "
                "workspace)", hint=f"write systemTopic: {topic}, or true for whichever the workspace has")


def _block(spec: WorkspaceSpec) -> tuple[Any, ...]:
    """What two selectors must agree on for one workspace: their subscriptions, whatever their place in the file."""
    return tuple((d.name.lower(), d.system_topic, repr(d.properties)) for d in spec.subscriptions)


def _row_of(ref: WorkspaceRef) -> dict[str, Any]:
    """A named workspace that discovery did not return, as a row (``--select`` on location or tags skips it)."""
    return {"id": ref.id, "name": ref.name, "resourceGroup": ref.resource_group, "subscriptionId": ref.subscription_id}
