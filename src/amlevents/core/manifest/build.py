"""Step 4 of reading a manifest: each subscription, merged over its workspace's settings and the ``defaults``, is
built exactly as ``subscription create`` builds it (``new_filter`` and ``build_properties``), so every rule of
the flags applies. A core error names a flag (``--event-ttl``); ``Builder`` reports it as a ``ManifestError`` at
the manifest key that flag came from (``retry.eventTtlMinutes``), in the subscription, its workspace or the
defaults. Names must be unique per workspace, and a workspace has one system topic.

``Builder.workspaces()`` builds them all and keeps going after an error: each problem is added to ``errors``, and
a subscription (or workspace reference) with a schema error in it (``broken`` paths) is skipped, and one with a
``${VAR}`` left unset in it (``unset`` paths) only has its name, event types, filters and attributes checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from amlevents.core.catalog import get_event_type
from amlevents.core.errors import (
    FilterSyntaxError,
    InvalidInputError,
    LimitExceededError,
)
from amlevents.core.filters import AdvancedFilter, AmlShortcuts, parse_advanced_filter
from amlevents.core.manifest.document import Document
from amlevents.core.manifest.model import (
    DesiredSubscription,
    ManifestError,
    ManifestErrors,
    ManifestFilterError,
    Path,
    WorkspaceSpec,
    path_text,
    raise_errors,
)
from amlevents.core.manifest.select import Selector
from amlevents.core.names import check_name
from amlevents.core.subscription import (
    DeliveryAttribute,
    FilterFlags,
    SubscriptionOptions,
    build_properties,
    new_filter,
)
from amlevents.core.workspace import WorkspaceRef

# The CLI flag named in a core error -> the manifest key (relative to the subscription) it came from.
_FLAG_KEYS: dict[str, Path] = {
    "--endpoint": ("destination", "endpoint"),
    "--endpoint-type": ("destination", "endpointType"),
    "--max-events-per-batch": ("destination", "maxEventsPerBatch"),
    "--preferred-batch-size-in-kilobytes": ("destination", "preferredBatchSizeInKilobytes"),
    "--aad-tenant-id": ("destination", "aadTenantId"),
    "--aad-app-id-or-uri": ("destination", "aadAppIdOrUri"),
    "--delivery-attribute-mapping": ("destination", "deliveryAttributes"),
    "--storage-queue-msg-ttl": ("destination", "storageQueueMessageTtlSeconds"),
    "--min-tls-version": ("destination", "minTlsVersion"),
    "--delivery-identity": ("destination", "identity", "type"),
    "--delivery-identity-user-id": ("destination", "identity", "userAssignedIdentity"),
    "--deadletter-endpoint": ("deadLetter", "endpoint"),
    "--deadletter-identity": ("deadLetter", "identity", "type"),
    "--deadletter-identity-user-id": ("deadLetter", "identity", "userAssignedIdentity"),
    "--max-delivery-attempts": ("retry", "maxDeliveryAttempts"),
    "--event-ttl": ("retry", "eventTtlMinutes"),
    "--expiration-date": ("expiration",),
    "--labels": ("labels",),
    "--event-delivery-schema": ("deliverySchema",),
    "--event-type": ("eventTypes",),
    "--subject-begins-with": ("subjectBeginsWith",),
    "--subject-ends-with": ("subjectEndsWith",),
    "--advanced-filter": ("advancedFilters",),
    "--model-name": ("shortcuts", "modelName"),
    "--model-version": ("shortcuts", "modelVersion"),
    "--experiment-id": ("shortcuts", "experimentId"),
    "--experiment-name": ("shortcuts", "experimentName"),
    "--service-name": ("shortcuts", "serviceName"),
    "--model-tag": ("shortcuts", "modelTags"),
    "--run-tag": ("shortcuts", "runTags"),
    "--run-status": ("shortcuts", "runStatus"),
}
_FLAG = re.compile(r"--[a-z][a-z0-9-]*")


@dataclass(frozen=True)
class _Layer:
    """One source of a subscription's settings (the subscription, its workspace, the defaults) and its path."""

    data: dict[str, Any]
    path: Path


class Builder:
    """Builds the workspaces of an expanded ``Document``; ``secrets`` (value -> variable) keeps secret values out
    of messages, ``now`` is what expiration dates must lie after; ``allow_http_loopback`` (the target is the
    emulator) accepts ``http://`` loopback webhooks; ``broken`` and ``unset``: where schema errors and unset
    ``${VAR}`` references were reported."""

    def __init__(self, doc: Document, secrets: dict[str, str], now: datetime | None, *,
                 allow_http_loopback: bool = False, broken: Sequence[Path] = (), unset: Sequence[Path] = ()) -> None:
        self.doc, self.secrets, self.now = doc, secrets, now
        self.allow_http_loopback = allow_http_loopback
        self.broken, self.unset = tuple(broken), tuple(unset)
        self.errors: list[ManifestError] = []
        defaults = doc.get(("defaults",), {})
        self.defaults = _Layer(defaults if isinstance(defaults, dict) else {}, ("defaults",))
        self.seen_workspaces: dict[tuple[str | None, ...], Path] = {}

    def workspaces(self) -> tuple[WorkspaceSpec, ...]:
        """Every workspace with its subscriptions; what cannot be built is in ``errors`` instead."""
        listed = self.doc.get(("workspaces",))
        if not isinstance(listed, list):
            return ()
        built = [self.workspace(i) for i, raw in enumerate(listed) if isinstance(raw, dict)]
        return tuple(spec for spec in built if spec is not None)

    def _is_broken(self, *places: Path, among: tuple[Path, ...] | None = None) -> bool:
        """True when an error was reported (in ``among``, default ``broken``) inside one of ``places``."""
        return any(path[:len(place)] == place for path in (self.broken if among is None else among)
                   for place in places)

    def workspace(self, index: int) -> WorkspaceSpec | None:
        """``workspaces[index]`` with its subscriptions; None when it has errors (added to ``errors``)."""
        path: Path = ("workspaces", index)
        raw: dict[str, Any] = self.doc.get(path)
        ref_args = self._workspace_ref(raw, path)
        scope = _Layer({"systemTopic": raw["systemTopic"]} if "systemTopic" in raw else {}, path)
        subs: list[DesiredSubscription] = []
        names: dict[str, Path] = {}
        topic: tuple[str, Path] | None = None  # the first system topic named, and where
        listed = raw.get("subscriptions")
        for i in range(len(listed) if isinstance(listed, list) else 0):
            own = _Layer(self.doc.get((*path, "subscriptions", i)), (*path, "subscriptions", i))
            if not isinstance(own.data, dict):
                continue
            self._check_unique_name(own, names)
            around = (own.path, ("defaults",), (*path, "systemTopic"))
            if self._is_broken(*around):
                continue  # its build errors would only repeat the ones reported
            try:
                desired = self.subscription(own, scope, check_only=self._is_broken(*around, among=self.unset))
            except ManifestErrors as exc:
                self.errors += exc.errors
                continue
            except ManifestError as exc:
                self.errors.append(exc)
                continue
            if desired is None:
                continue
            if isinstance(desired.system_topic, str):
                where = self._origin(("systemTopic",), own, scope)
                topic = topic or (desired.system_topic, where)
                if topic[0].lower() != desired.system_topic.lower():
                    self.errors.append(self.doc.error(
                        where, f"system topic '{desired.system_topic}' differs from '{topic[0]}' (line "
                        f"{self.doc.position(topic[1])[0]})",
                        hint="A workspace has one system topic: use the same name, or true."))
            subs.append(desired)
        if ref_args is None:
            return None
        selector = Selector.from_manifest(raw["select"]) if "select" in raw else None
        return WorkspaceSpec(ref_args, tuple(subs), self.doc.position(path), selector)

    def _workspace_ref(self, raw: dict[str, Any], path: Path) -> dict[str, str | None] | None:
        """The workspace's reference; None when it is wrong or listed before (the error is added)."""
        keys = [(*path, key) for key in ("id", "name", "resourceGroup", "subscriptionId", "select")]
        if self._is_broken(*keys) or self._is_broken(*keys, among=self.unset):
            return None
        if "select" in raw:
            for other in ("id", "name", "resourceGroup", "subscriptionId"):
                if other in raw:
                    self.errors.append(self.doc.error(
                        (*path, other), f"'{other}' cannot be combined with 'select'", key=True,
                        hint="An entry names one workspace (id, or name and resourceGroup) or selects many."))
                    return None
            return {}
        try:
            ref_args = self._ref_args(raw, path)
        except ManifestError as exc:
            self.errors.append(exc)
            return None
        key = _identity_key(ref_args)
        if key in self.seen_workspaces:
            first = self.doc.position(self.seen_workspaces[key])[0]
            self.errors.append(self.doc.error(path, f"this workspace is already listed (line {first})",
                                              hint="List each workspace once, with all of its subscriptions."))
            return None
        self.seen_workspaces[key] = path
        return ref_args

    def _check_unique_name(self, own: _Layer, names: dict[str, Path]) -> None:
        """A name given before in the workspace (in any case) is an error at the second one."""
        name = own.data.get("name")
        if not isinstance(name, str):
            return
        first_name = names.setdefault(name.lower(), (*own.path, "name"))
        if first_name != (*own.path, "name"):
            self.errors.append(self.doc.error(
                (*own.path, "name"), f"duplicate subscription name '{name}' in this workspace (first on line "
                f"{self.doc.position(first_name)[0]})", hint="Names compare case-insensitively."))

    def _ref_args(self, raw: dict[str, Any], path: Path) -> dict[str, str | None]:
        if "id" in raw:
            for other in ("name", "resourceGroup", "subscriptionId"):
                if other in raw:
                    raise self.doc.error((*path, other), f"'{other}' cannot be combined with 'id'", key=True,
                                         hint="Give either the workspace's id, or its name and resourceGroup.")
            try:
                WorkspaceRef.parse(raw["id"])
            except InvalidInputError as exc:
                raise self.doc.error((*path, "id"), exc.message, hint=exc.hint) from None
        elif "name" not in raw:
            raise self.doc.error(path, "a workspace needs 'name' (with resourceGroup) or 'id'",
                                 hint="Add name: and resourceGroup:, or id: /subscriptions/.../workspaces/NAME.")
        return {"workspace": raw.get("name"), "resource_group": raw.get("resourceGroup"),
                "subscription": raw.get("subscriptionId"), "workspace_id": raw.get("id")}

    def subscription(self, own: _Layer, scope: _Layer, *, check_only: bool = False) -> DesiredSubscription | None:
        """Build one subscription, merged over its workspace's and the manifest's defaults; ``check_only`` (a
        ``${VAR}`` in it is unset): check what does not depend on other keys, build nothing, return None."""
        spec = _merge(_merge(self.defaults.data, scope.data), own.data)
        found: list[ManifestError] = []  # the name, event types, filters and attributes: each checked alone
        try:
            check_name(spec["name"])
        except InvalidInputError as exc:
            found.append(self.doc.error((*own.path, "name"), exc.message, hint=exc.hint))
        flags = self._flags(spec, own, scope, found)
        attributes = self._attributes(spec, own, scope, found)
        raise_errors([e for e in found if not self._is_broken(e.path, among=self.unset)])  # `${X}` is no event type
        if check_only:
            return None
        options = _options(spec, attributes)
        # the rules that combine options: `subscription create` stops at the first, and so does a subscription
        with self._located(spec, own, scope):
            event_filter = new_filter(flags)
            properties = build_properties(options, event_filter, now=self.now,
                                          allow_http_loopback=self.allow_http_loopback)
        return DesiredSubscription(spec["name"], spec.get("systemTopic", False), event_filter, options, properties,
                                   self.doc.position(own.path))

    def _origin(self, rel: Path, own: _Layer, scope: _Layer) -> Path:
        """Where in the file a merged subscription's key ``rel`` comes from: the subscription, its workspace or
        the defaults; for a key given nowhere, the nearest enclosing key the subscription has."""
        if self.doc.has((*own.path, *rel)):
            return (*own.path, *rel)
        if self._inherited(rel, own.data):
            for layer in (scope, self.defaults):
                if self.doc.has((*layer.path, *rel)):
                    return (*layer.path, *rel)
        for cut in range(len(rel) - 1, 0, -1):
            if self.doc.has((*own.path, *rel[:cut])):
                return (*own.path, *rel[:cut])
        return own.path

    def _inherited(self, rel: Path, own: dict[str, Any]) -> bool:
        """False when the subscription replaces, rather than merges, a value that encloses ``rel``."""
        for cut in range(1, len(rel)):
            value = _lookup(own, rel[:cut])
            if value is None:
                return True
            if isinstance(value, list) or rel[cut - 1] in _ATOMIC or (
                    rel[:cut] == ("destination",) and _replaces_destination(own, self.defaults.data)):
                return False
        return True

    @contextmanager
    def _located(self, spec: dict[str, Any], own: _Layer, scope: _Layer) -> Iterator[None]:
        """Turn a core ``InvalidInputError`` into a ``ManifestError`` at the key its message names."""
        try:
            yield
        except ManifestError:
            raise
        except InvalidInputError as exc:
            rels = [_FLAG_KEYS[f] for f in _FLAG.findall(exc.message) if f in _FLAG_KEYS]
            if not rels and isinstance(exc, LimitExceededError):
                rels = [("advancedFilters",)]
            rel = next((r for r in rels if _lookup(spec, r) is not None), rels[0] if rels else ())
            path = self._origin(rel, own, scope)
            # "--event-ttl must be ..." located at retry.eventTtlMinutes reads "retry.eventTtlMinutes: must be ..."
            flags = _FLAG.findall(exc.message)
            alone = len(flags) == 1 and _FLAG_KEYS.get(flags[0]) == rel and path[-len(rel):] == rel
            detail = self._reworded(exc.message.removeprefix(flags[0] + " ") if alone else exc.message)
            if path[: len(own.path)] != own.path:
                detail += f" (in {path_text(own.path)})"
            raise self.doc.error(path, detail, hint=exc.hint and self._reworded(exc.hint)) from None

    def _reworded(self, text: str) -> str:
        """A core message in the manifest's words: flags become keys, secret values become their ${VAR}."""
        text = _FLAG.sub(lambda m: path_text(_FLAG_KEYS.get(m.group(0), (m.group(0),))), text)
        for value, name in sorted(self.secrets.items(), key=lambda item: -len(item[0])):
            if len(value) >= 3:
                text = text.replace(value, "${" + name + "}")
        return text

    def _flags(self, spec: dict[str, Any], own: _Layer, scope: _Layer, found: list[ManifestError]) -> FilterFlags:
        for i, name in enumerate(spec.get("eventTypes") or ()):
            try:
                get_event_type(name)
            except InvalidInputError as exc:
                found.append(self.doc.error(self._origin(("eventTypes", i), own, scope), exc.message, hint=exc.hint))
        filters = []
        for i, item in enumerate(spec.get("advancedFilters") or ()):
            try:
                filters.append(self._advanced_filter(item, self._origin(("advancedFilters", i), own, scope)))
            except ManifestError as exc:
                found.append(exc)
        cuts = spec.get("shortcuts", {})
        version = cuts.get("modelVersion")
        return FilterFlags(
            event_types=spec.get("eventTypes"),
            subject_begins_with=spec.get("subjectBeginsWith"),
            subject_ends_with=spec.get("subjectEndsWith"),
            subject_case_sensitive=spec.get("subjectCaseSensitive"),
            advanced_filters=filters or None,
            enable_arrays=spec.get("advancedFilteringOnArrays"),
            shortcuts=AmlShortcuts(
                model_name=cuts.get("modelName"),
                model_version=None if version is None else str(version),  # YAML reads 3 as a number
                experiment_id=cuts.get("experimentId"),
                experiment_name=cuts.get("experimentName"),
                service_name=cuts.get("serviceName"),
                model_tags=tuple((k, str(v)) for k, v in cuts.get("modelTags", {}).items()),
                run_tags=tuple((k, str(v)) for k, v in cuts.get("runTags", {}).items()),
                run_statuses=tuple(cuts.get("runStatus", ())),
            ),
        )

    def _advanced_filter(self, item: Any, path: Path) -> AdvancedFilter:
        if isinstance(item, str):
            try:
                return parse_advanced_filter(item)
            except FilterSyntaxError as exc:
                line, column = self.doc.position(path)
                column += self.doc.offset_in_scalar(path, exc.position)
                raise ManifestFilterError(exc, source=self.doc.source, line=line, column=column, path=path) from None
        try:
            return AdvancedFilter.from_wire(item, where="")
        except InvalidInputError as exc:
            detail = exc.message.removeprefix(": ")
            field = next((f for f in ("values", "value", "key") if f"'{f}'" in detail or f" {f}[" in detail), None)
            raise self.doc.error((*path, field) if field in item else path, detail, hint=exc.hint) from None

    def _attributes(self, spec: dict[str, Any], own: _Layer, scope: _Layer,
                    found: list[ManifestError]) -> tuple[DeliveryAttribute, ...] | None:
        items = spec.get("destination", {}).get("deliveryAttributes")
        if items is None:
            return None
        out = []
        for i, item in enumerate(items):
            try:
                out.append(DeliveryAttribute(item["name"], item["type"].capitalize(), value=item.get("value"),
                                             is_secret=item.get("secret", False), source_field=item.get("sourceField")))
            except InvalidInputError as exc:
                path = self._origin(("destination", "deliveryAttributes", i), own, scope)
                found.append(self.doc.error(path, self._reworded(exc.message), hint=exc.hint))
        return tuple(out)


def _identity_key(ref_args: dict[str, str | None]) -> tuple[str | None, ...]:
    """What makes two workspace entries the same workspace (as far as the file tells)."""
    if ref_args["workspace_id"]:
        ref = WorkspaceRef.parse(ref_args["workspace_id"])
        parts: tuple[str | None, ...] = (ref.subscription_id, ref.resource_group, ref.name)
    else:
        parts = (ref_args["subscription"], ref_args["resource_group"], ref_args["workspace"])
    return tuple(p.lower() if p else None for p in parts)


def _lookup(data: Any, rel: Path) -> Any:
    for part in rel:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


_ATOMIC = {"identity"}  # replaced whole: a user-assigned id must not outlive a switch to systemassigned


def _replaces_destination(own: dict[str, Any], defaults: dict[str, Any]) -> bool:
    """A subscription's destination of another endpoint type replaces the default one instead of merging."""
    mine, default = own.get("destination", {}), defaults.get("destination", {})
    if "endpointType" not in mine:
        return False
    return mine["endpointType"].lower() != default.get("endpointType", "webhook").lower()


def _merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """``own`` over ``base``: own keys win, mappings merge, lists replace."""
    out = dict(base)
    for key, value in own.items():
        if key == "destination" and _replaces_destination(own, base):
            out[key] = value
        elif isinstance(value, dict) and isinstance(out.get(key), dict) and key not in _ATOMIC:
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _options(spec: dict[str, Any], attributes: tuple[DeliveryAttribute, ...] | None) -> SubscriptionOptions:
    dest = spec.get("destination", {})
    dead = spec.get("deadLetter", {})
    retry = spec.get("retry", {})
    tls = dest.get("minTlsVersion")
    labels = spec.get("labels")
    return SubscriptionOptions(
        endpoint=dest.get("endpoint"),
        endpoint_type=dest.get("endpointType"),
        max_events_per_batch=dest.get("maxEventsPerBatch"),
        preferred_batch_size_kb=dest.get("preferredBatchSizeInKilobytes"),
        aad_tenant_id=dest.get("aadTenantId"),
        aad_app_id_or_uri=dest.get("aadAppIdOrUri"),
        delivery_attributes=attributes,
        storage_queue_ttl_seconds=dest.get("storageQueueMessageTtlSeconds"),
        min_tls_version=f"{tls:.1f}" if isinstance(tls, float) else tls,  # YAML reads 1.2 as a number
        delivery_identity=dest.get("identity", {}).get("type"),
        delivery_identity_user_id=dest.get("identity", {}).get("userAssignedIdentity"),
        deadletter_endpoint=dead.get("endpoint"),
        deadletter_identity=dead.get("identity", {}).get("type"),
        deadletter_identity_user_id=dead.get("identity", {}).get("userAssignedIdentity"),
        max_delivery_attempts=retry.get("maxDeliveryAttempts"),
        event_ttl_minutes=retry.get("eventTtlMinutes"),
        expiration=spec.get("expiration"),
        labels=tuple(labels) if labels is not None else None,
        delivery_schema=spec.get("deliverySchema"),
    )
