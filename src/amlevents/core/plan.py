"""``plan``: what applying the desired event subscriptions would change, field by field, without noise.

``normalize`` turns the writable ``properties`` of a subscription into a comparable form, whether they come from
a PUT body (``core.subscription.build_properties``) or from a GET/list. ``diff`` compares two such forms,
``plan`` compares whole sets of subscriptions of one workspace, ``update_body`` turns a planned update into the
PATCH body and ``to_json`` into ``plan -o json``.

Which normalisation removes which noise (both sides go through the same steps):

- **Read-only and unknown top-level fields** (``topic``, ``provisioningState``, ``endpointBaseUrl``...): only the
  fields in ``core.subscription.WRITABLE`` are compared.
- **Nulls**: a GET returns ``"labels": null``, ``"destination": null``, ``"endpointUrl": null`` and null optional
  fields; a null compares as an absent field, at every depth.
- **Server defaults**, filled in when absent: ``retryPolicy`` 30 attempts / 1440 minutes (each half on its own),
  ``eventDeliverySchema`` EventGridSchema, ``maxEventsPerBatch`` 1 and ``preferredBatchSizeInKilobytes`` 64 on
  WebHook and AzureFunction destinations, ``filter.isSubjectCaseSensitive`` false (the recorded GET omits it).
- **Defaults that mean "nothing"**, removed: ``subjectBeginsWith``/``subjectEndsWith`` ``""``,
  ``enableAdvancedFilteringOnArrays`` false, ``labels`` ``[]`` (Terraform's ``+ labels = []`` on every plan,
  TF #17705), an empty ``deliveryAttributeMappings`` list.
- **Event types**: an absent, null or empty ``includedEventTypes`` is the five AML event types, which the service
  fills in; known types take the catalog's spelling (they are enum values, compared case-insensitively); the list
  is a set: sorted, duplicates dropped.
- **ARM id casing** (TF PR #30379; the service answers ``Microsoft.eventhub``): every resource id is
  lower-cased: destination ``resourceId``, dead-letter ``resourceId``, ``userAssignedIdentity``, MonitorAlert
  ``actionGroups``.
- **Enum casing**: ``endpointType`` (``stoRAgequeue``), ``eventDeliverySchema``, identity ``type``, mapping
  ``type`` and ``operatorType`` take their canonical spelling.
- **Numbers**: a whole float is an int (``2.0 == 2``), as the service returns filter values as doubles.
- **Order that carries no meaning**: ``labels`` (an ordered list in the API, but nothing reads the order) are
  sorted with duplicates dropped; advanced filters (AND-ed) are sorted; the ``values`` of every advanced filter (each operator means
  "any of" or "none of") are sorted with duplicates dropped; delivery attribute mappings are sorted by header
  name, and header names are lower-cased (HTTP headers are case-insensitive); ``actionGroups`` are sorted.
  A reorder in the manifest is therefore not a change. User literals are never rewritten otherwise: advanced
  filter keys and string values, subjects and labels keep their case although Event Grid compares filter
  strings case-insensitively, so a case-only edit there is reported.
- **Expiration**: ``expirationTimeUtc`` compares as an instant (``2030-01-01T01:00:00+01:00`` equals
  ``2030-01-01T00:00:00.0000000Z``).
- **URL casing**: the scheme and host of a webhook URL are lower-cased; path and query are compared as written.

Secrets. A GET never returns a webhook's full URL (``endpointUrl`` null plus ``endpointBaseUrl``, the URL without
its query string) nor a secret static delivery attribute (``"Hidden"``). ``normalize`` represents them as
``BaseUrlOnly(base)`` and ``UNKNOWN`` ("known to exist, value not known"). ``diff`` hydrates the current side
first with what the caller fetched (``current_full_url`` from getFullUrl, ``current_secrets`` from
getDeliveryAttributes), then compares:

- **Webhook URL, full URL known**: whole URLs are compared; a change shows both URLs with every query value
  replaced by ``(secret)``, or by ``(changed)`` for a parameter whose value changed
  (``https://h/p?code=(secret)`` -> ``https://h/p?code=(changed)``); a password in the URL and a fragment are
  hidden too.
- **Webhook URL, only the base known**: the base URLs are compared. Different bases are a change (old: the base).
  Equal bases cannot tell whether the query differs (even a desired URL without a query may replace a current
  one with ``?code=``), so the field goes to ``Diff.unverified`` and is not a change. ``needs_full_url`` (per
  subscription) and ``hidden_values`` (per plan) tell the caller when to call getFullUrl so that nothing stays
  unverified.
- **Secret attribute values** are compared only when both are known; otherwise the field is unverified
  (``needs_secrets`` says when to call getDeliveryAttributes). A changed secret shows ``(secret)`` ->
  ``(changed)``; a secret value never appears in a ``FieldChange``, nor does a query value.

Plan rules: names compare case-insensitively; a subscription only in ``current`` is deleted only with ``prune``
(without it, it is not listed); a subscription whose parent changes (workspace scope <-> system topic, or
another system topic) or whose ``eventDeliverySchema`` changes (the service refuses that update) is replaced: a
delete, then a create, whatever ``prune`` says (names are unique per source, so the create needs the delete).
Unverified fields alone do not make an update: the step is ``no-change`` and lists them in ``unverified``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from amlevents.core.catalog import EVENT_TYPES
from amlevents.core.delivery_attributes import HIDDEN
from amlevents.core.destination import BATCH_TYPES, DEFAULT_MAX_EVENTS_PER_BATCH, DEFAULT_PREFERRED_BATCH_SIZE_KB
from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.model import Operator
from amlevents.core.subscription import (
    DEFAULT_EVENT_TTL_MINUTES,
    DEFAULT_MAX_DELIVERY_ATTEMPTS,
    DEFAULT_SCHEMA,
    SCHEMAS,
    WRITABLE,
    writable_properties,
)
from amlevents.core.subscription_update import PAIRS

SECRET = "(secret)"
CHANGED = "(changed)"
WORKSPACE = "workspace"
SYSTEM_TOPIC = "system-topic"
DEFAULT_EVENT_TYPES = tuple(sorted(t.event_type for t in EVENT_TYPES))
_EVENT_TYPE_NAMES = {t.event_type.lower(): t.event_type for t in EVENT_TYPES}
_ENUMS = {
    name.lower(): name
    for name in (
        "WebHook", "AzureFunction", "EventHub", "ServiceBusQueue", "ServiceBusTopic", "StorageQueue",
        "HybridConnection", "MonitorAlert", "NamespaceTopic", "StorageBlob", "SystemAssigned", "UserAssigned",
        "Static", "Dynamic",
    )
}


@dataclass(frozen=True)
class BaseUrlOnly:
    """A webhook URL of which only ``endpointBaseUrl`` (no query string) is known; ``base`` None: not even that."""

    base: str | None


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()  # a secret delivery attribute value the GET returned as "Hidden"


# --- normalize ------------------------------------------------------------------------------------------------


def normalize(properties: Mapping[str, Any] | None) -> dict[str, Any]:
    """The comparable form of an event subscription's writable properties (PUT body or GET ``properties``).

    See the module docstring for every step. Markers: a webhook ``endpointUrl`` known only by its base is a
    ``BaseUrlOnly``; a ``"Hidden"`` secret attribute value is ``UNKNOWN``.
    """
    props = _numbers(_without_nulls(dict(properties or {})))
    out: dict[str, Any] = {}
    for key in WRITABLE:
        if key in props:
            out[key] = _NORMALIZERS[key](props[key])
    out["filter"] = out.get("filter") or _filter({})
    out.setdefault("eventDeliverySchema", DEFAULT_SCHEMA)
    out["retryPolicy"] = out.get("retryPolicy") or _retry({})
    if out.get("labels") == []:
        del out["labels"]
    return {k: out[k] for k in WRITABLE if k in out}


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def _enum(value: Any, table: Mapping[str, str] = _ENUMS) -> Any:
    return table.get(value.lower(), value) if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sort_key(value: Any) -> tuple[int, float, str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, float(value), "")
    if isinstance(value, str):
        return (2, 0.0, value)
    return (3 if not isinstance(value, bool) else 0, 0.0, json.dumps(value, sort_keys=True, default=repr))


def _as_set(values: Any) -> Any:
    if not isinstance(values, list):
        return values
    unique = {json.dumps(v, sort_keys=True, default=repr): v for v in values}
    return sorted(unique.values(), key=_sort_key)


def _filter(f: Any) -> Any:
    if not isinstance(f, dict):
        return f
    types = f.get("includedEventTypes") or list(DEFAULT_EVENT_TYPES)
    out = {**f, "includedEventTypes": _as_set([_enum(t, _EVENT_TYPE_NAMES) for t in types])}
    for key in ("subjectBeginsWith", "subjectEndsWith"):
        if out.get(key) == "":
            del out[key]
    out.setdefault("isSubjectCaseSensitive", False)
    if out.get("enableAdvancedFilteringOnArrays") is False:
        del out["enableAdvancedFilteringOnArrays"]
    if out.get("advancedFilters") == []:
        del out["advancedFilters"]
    if isinstance(out.get("advancedFilters"), list):
        out["advancedFilters"] = sorted((_advanced(a) for a in out["advancedFilters"]), key=_sort_key)
    return out


def _advanced(a: Any) -> Any:
    if not isinstance(a, dict):
        return a
    op = Operator.lookup(a["operatorType"]) if isinstance(a.get("operatorType"), str) else None
    out = {**a, "operatorType": op.value if op else a.get("operatorType")}
    if "values" in out:
        out["values"] = _as_set(out["values"])
    return out


def _destination(d: Any) -> Any:
    if not isinstance(d, dict):
        return d
    kind = _enum(d.get("endpointType"))
    props = dict(d.get("properties") or {})
    base = props.pop("endpointBaseUrl", None)
    if kind == "WebHook":
        url = props.get("endpointUrl")
        props["endpointUrl"] = _url(url) if isinstance(url, str) and url else BaseUrlOnly(_url(base) if base else None)
    if kind in BATCH_TYPES:
        props.setdefault("maxEventsPerBatch", DEFAULT_MAX_EVENTS_PER_BATCH)
        props.setdefault("preferredBatchSizeInKilobytes", DEFAULT_PREFERRED_BATCH_SIZE_KB)
    if "resourceId" in props:
        props["resourceId"] = _lower(props["resourceId"])
    if isinstance(props.get("actionGroups"), list):
        props["actionGroups"] = _as_set([_lower(g) for g in props["actionGroups"]])
    mappings = props.pop("deliveryAttributeMappings", None)
    if mappings:
        props["deliveryAttributeMappings"] = sorted((_mapping(m) for m in mappings), key=lambda m: str(m.get("name")))
    return {**d, "endpointType": kind, "properties": props}


def _mapping(m: Any) -> Any:
    if not isinstance(m, dict):
        return m
    kind = _enum(m.get("type"))
    props = dict(m.get("properties") or {})
    if kind == "Static":
        props["isSecret"] = props.get("isSecret", False)
        if props["isSecret"] is True and props.get("value") == HIDDEN:
            props["value"] = UNKNOWN
    return {**m, "name": _lower(m.get("name")), "type": kind, "properties": props}


def _identity(i: Any) -> Any:
    if not isinstance(i, dict):
        return i
    out = {**i, "type": _enum(i.get("type"))}
    if "userAssignedIdentity" in out:
        out["userAssignedIdentity"] = _lower(out["userAssignedIdentity"])
    return out


def _dead_letter(d: Any) -> Any:
    if not isinstance(d, dict):
        return d
    props = dict(d.get("properties") or {})
    if "resourceId" in props:
        props["resourceId"] = _lower(props["resourceId"])
    return {**d, "endpointType": _enum(d.get("endpointType")), "properties": props}


def _with_identity(inner: str, normalize_inner: Any) -> Any:
    def normalize_wrapper(w: Any) -> Any:
        if not isinstance(w, dict):
            return w
        out = {**w, "identity": _identity(w.get("identity"))}
        if inner in w:
            out[inner] = normalize_inner(w[inner])
        return out

    return normalize_wrapper


def _retry(r: Any) -> Any:
    if not isinstance(r, dict):
        return r
    return {"maxDeliveryAttempts": DEFAULT_MAX_DELIVERY_ATTEMPTS, "eventTimeToLiveInMinutes": DEFAULT_EVENT_TTL_MINUTES,
            **r}


_FRACTION = re.compile(r"(\.\d{6})\d+")


def _instant(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    iso = _FRACTION.sub(r"\1", text.strip())
    try:
        moment = datetime.fromisoformat(iso[:-1] + "+00:00" if iso.endswith(("Z", "z")) else iso)
    except ValueError:
        return text
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond:06d}" if moment.microsecond else "") + "Z"


def _url(url: str) -> str:
    parts = urlsplit(url.strip())
    netloc = parts.netloc if "@" in parts.netloc else parts.netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


_NORMALIZERS: dict[str, Any] = {
    "destination": _destination,
    "deliveryWithResourceIdentity": _with_identity("destination", _destination),
    "filter": _filter,
    "labels": _as_set,
    "expirationTimeUtc": _instant,
    "eventDeliverySchema": lambda s: _enum(s, SCHEMAS),
    "retryPolicy": _retry,
    "deadLetterDestination": _dead_letter,
    "deadLetterWithResourceIdentity": _with_identity("deadLetterDestination", _dead_letter),
}


# --- diff -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One changed field: ``path`` (``retryPolicy.maxDeliveryAttempts``), current ``old``, desired ``new``.

    None stands for "absent". Webhook query values and secret attribute values are never shown (``(secret)``,
    ``(changed)``).
    """

    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Diff:
    """The changes, and the paths that could not be compared because the current value is not known."""

    changes: list[FieldChange]
    unverified: list[str]


def diff(
    desired: Mapping[str, Any],
    current: Mapping[str, Any],
    *,
    current_full_url: str | None = None,
    current_secrets: Mapping[str, str] | Iterable[Mapping[str, Any]] | None = None,
) -> Diff:
    """The field changes from ``current`` (GET ``properties``) to ``desired`` (writable ``properties``).

    ``current_full_url`` is getFullUrl's answer and ``current_secrets`` getDeliveryAttributes' answer (its
    mapping list, or header name -> value); either fills in what the GET hides. Lists are compared whole,
    except delivery attribute mappings (per header: ``...deliveryAttributeMappings[x-key].properties.value``);
    an object whose ``endpointType`` or ``type`` changes is shown whole.
    """
    hydrated = _hydrate(dict(current), current_full_url, _secret_values(current_secrets))
    out = Diff([], [])
    _walk("", normalize(hydrated), normalize(desired), out)
    return out


def _secret_values(secrets: Mapping[str, str] | Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    if secrets is None:
        return {}
    if isinstance(secrets, Mapping):
        return {str(k).lower(): v for k, v in secrets.items()}
    return {str(m.get("name")).lower(): (m.get("properties") or {}).get("value") for m in secrets}


def _hydrate(props: dict[str, Any], full_url: str | None, secrets: dict[str, str]) -> dict[str, Any]:
    for key, inner in (("destination", None), ("deliveryWithResourceIdentity", "destination")):
        wrapper = props.get(key)
        dest = (wrapper or {}).get(inner) if inner else wrapper
        if not isinstance(dest, dict):
            continue
        dest_props = dict(dest.get("properties") or {})
        if full_url and str(dest.get("endpointType")).lower() == "webhook":
            dest_props["endpointUrl"] = full_url
        mappings = []
        for m in dest_props.get("deliveryAttributeMappings") or []:
            mp = m.get("properties") or {}
            if mp.get("value") == HIDDEN and mp.get("isSecret") and str(m.get("name")).lower() in secrets:
                m = {**m, "properties": {**mp, "value": secrets[str(m.get("name")).lower()]}}
            mappings.append(m)
        if mappings:
            dest_props["deliveryAttributeMappings"] = mappings
        dest = {**dest, "properties": dest_props}
        props[key] = {**wrapper, inner: dest} if inner else dest
    return props


_ABSENT: Any = object()


def _walk(path: str, old: Any, new: Any, out: Diff) -> None:
    if isinstance(old, dict) and isinstance(new, dict) and _same_kind(old, new):
        for key in [*old, *(k for k in new if k not in old)]:
            _walk(f"{path}.{key}" if path else key, old.get(key, _ABSENT), new.get(key, _ABSENT), out)
    elif path.endswith(".deliveryAttributeMappings"):
        _walk_mappings(path, _by_name(old), _by_name(new), out)
    elif path.endswith(".endpointUrl") and old is not _ABSENT and new is not _ABSENT:
        _walk_url(path, old, new, out)
    elif old != new:
        out.changes.append(FieldChange(path, _shown(old), _shown(new)))


def _same_kind(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return old.get("endpointType") == new.get("endpointType") and old.get("type") == new.get("type")


def _by_name(mappings: Any) -> dict[str, Any]:
    return {} if mappings is _ABSENT else {m.get("name"): m for m in mappings}


def _walk_mappings(path: str, old: dict[str, Any], new: dict[str, Any], out: Diff) -> None:
    for name in [*old, *(n for n in new if n not in old)]:
        at = f"{path}[{name}]"
        o, n = old.get(name, _ABSENT), new.get(name, _ABSENT)
        if o is _ABSENT or n is _ABSENT or o.get("type") != n.get("type") or o.get("type") != "Static":
            _walk(at, o, n, out)
            continue
        op, np_ = o["properties"], n["properties"]
        _walk(at + ".properties", {k: v for k, v in op.items() if k != "value"},
              {k: v for k, v in np_.items() if k != "value"}, out)
        old_value, new_value = op.get("value"), np_.get("value")
        if old_value is UNKNOWN or new_value is UNKNOWN:
            out.unverified.append(at + ".properties.value")
        elif old_value != new_value:
            out.changes.append(FieldChange(at + ".properties.value", SECRET if op.get("isSecret") else old_value,
                                           CHANGED if np_.get("isSecret") else new_value))


def _walk_url(path: str, old: Any, new: Any, out: Diff) -> None:
    if isinstance(old, BaseUrlOnly) or isinstance(new, BaseUrlOnly):
        old_base, new_base = _base(old), _base(new)
        if old_base is None or new_base is None or old_base == new_base:
            out.unverified.append(path)
        else:
            out.changes.append(FieldChange(path, _shown_url(old), _shown_url(new)))
    elif old != new:
        shown_old, shown_new = redact_url(old), redact_url(new, against=old)
        out.changes.append(FieldChange(path, shown_old, shown_new if shown_new != shown_old else CHANGED))


def _shown_url(url: Any) -> str | None:
    return url.base if isinstance(url, BaseUrlOnly) else redact_url(url)


def _base(url: Any) -> str | None:
    if isinstance(url, BaseUrlOnly):
        return url.base
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def redact_url(url: str, *, against: str | None = None) -> str:
    """``url`` with each query value shown as ``(secret)``, or ``(changed)`` where it differs from ``against``.

    A password in the URL and the fragment are hidden as well; scheme, host and path are shown as they are.
    """
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username}:{SECRET}@" + netloc.rpartition("@")[2]
    shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    before = dict(p.partition("=")[::2] for p in urlsplit(against).query.split("&")) if against else {}
    params = []
    for part in parts.query.split("&") if parts.query else ():
        name, equals, value = part.partition("=")
        if not equals:
            params.append(SECRET)
        else:
            params.append(f"{name}={CHANGED if name in before and before[name] != value else SECRET}")
    return shown + ("?" + "&".join(params) if params else "") + ("#" + SECRET if parts.fragment else "")


def _shown(value: Any) -> Any:
    """``value`` for a FieldChange: absent is None, URLs redacted, secret attribute values hidden."""
    if value is _ABSENT:
        return None
    if isinstance(value, BaseUrlOnly):
        return value.base
    if value is UNKNOWN:
        return SECRET
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key == "endpointUrl" and isinstance(item, str):
            out[key] = redact_url(item)
        elif key == "value" and value.get("isSecret") is True:
            out[key] = SECRET
        else:
            out[key] = _shown(item)
    return out


def _webhook_url(norm: dict[str, Any]) -> Any:
    for dest in (norm.get("destination"), (norm.get("deliveryWithResourceIdentity") or {}).get("destination")):
        if isinstance(dest, dict) and dest.get("endpointType") == "WebHook":
            return dest["properties"].get("endpointUrl")
    return None


def _mappings(norm: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for dest in (norm.get("destination"), (norm.get("deliveryWithResourceIdentity") or {}).get("destination")):
        if isinstance(dest, dict):
            found.extend(dest.get("properties", {}).get("deliveryAttributeMappings") or [])
    return found


def needs_full_url(desired: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """True when both deliver to a webhook and the current URL is known only by its base: call getFullUrl.

    ``desired``: writable properties; ``current``: the GET resource or its ``properties``.
    """
    return (_webhook_url(normalize(desired)) is not None
            and isinstance(_webhook_url(normalize(_properties(current))), BaseUrlOnly))


def needs_secrets(desired: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """True when a hidden current secret attribute is also in ``desired``: call getDeliveryAttributes."""
    wanted = {m.get("name") for m in _mappings(normalize(desired))}
    return any(m["properties"].get("value") is UNKNOWN and m.get("name") in wanted
               for m in _mappings(normalize(_properties(current))))


def hidden_values(
    desired: Mapping[str, Desired | dict[str, Any]], current: Mapping[str, dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """The current names whose full URL (getFullUrl) and whose delivery attributes (getDeliveryAttributes) the
    caller must fetch before ``plan`` so that nothing stays unverified; names match case-insensitively."""
    wanted = {name.lower(): _desired_properties(spec) for name, spec in desired.items()}
    urls, secrets = [], []
    for name, resource in sorted(current.items()):
        props = wanted.get(name.lower())
        if props is not None and needs_full_url(props, resource):
            urls.append(name)
        if props is not None and needs_secrets(props, resource):
            secrets.append(name)
    return urls, secrets


# --- plan -----------------------------------------------------------------------------------------------------


class Action(str, Enum):
    """What applying the plan does to one subscription."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NO_CHANGE = "no-change"


class Desired(Protocol):
    """What ``plan`` needs of a desired subscription (``core.manifest.DesiredSubscription`` has it).

    ``system_topic``: False for workspace scope, True for the workspace's system topic (whatever its name), or
    the system topic's name.
    """

    properties: dict[str, Any]
    system_topic: bool | str


@dataclass(frozen=True)
class PlannedChange:
    """One step of a plan. ``desired`` holds writable properties, ``current`` the resource as GET returned it."""

    workspace_id: str
    name: str
    action: Action
    kind: str
    changes: list[FieldChange] = field(default_factory=list)
    desired: dict[str, Any] | None = None
    current: dict[str, Any] | None = None
    unverified: list[str] = field(default_factory=list)
    system_topic: str | None = None


def plan(
    desired: Mapping[str, Desired | dict[str, Any]],
    current: Mapping[str, dict[str, Any]],
    *,
    workspace_id: str,
    prune: bool,
    full_urls: Mapping[str, str] | None = None,
    secrets: Mapping[str, Any] | None = None,
) -> list[PlannedChange]:
    """The steps that turn the workspace's ``current`` subscriptions into ``desired``, ordered by name.

    ``desired`` maps name -> a ``Desired`` (``core.manifest.DesiredSubscription``), or to bare writable
    properties for a workspace-scope subscription;
    ``current`` maps name -> the resource from GET/list; ``full_urls`` and ``secrets`` (name -> getFullUrl /
    getDeliveryAttributes answers) fill in hidden values. Names compare case-insensitively. Subscriptions only in
    ``current`` are deleted only with ``prune``. A change of parent or of ``eventDeliverySchema`` is a delete
    followed by a create (the create lists the fields that force it, ``kind`` among them).
    """
    wanted = _by_lower(desired, "desired")
    have = _by_lower(current, "current")
    urls = {k.lower(): v for k, v in (full_urls or {}).items()}
    hidden = {k.lower(): v for k, v in (secrets or {}).items()}
    steps: list[PlannedChange] = []
    for key in sorted(wanted.keys() | have.keys()):
        name, spec = wanted.get(key, (None, None))
        found_name, resource = have.get(key, (None, None))
        if spec is None:
            if prune:
                steps.append(_step(workspace_id, found_name, Action.DELETE, current=resource))
            continue
        if resource is None:
            steps.append(_step(workspace_id, name, Action.CREATE, desired=spec))
            continue
        d = diff(_desired_properties(spec), _properties(resource), current_full_url=urls.get(key),
                 current_secrets=hidden.get(key))
        moved = _parent_changes(spec, resource)
        if moved or any(c.path == "eventDeliverySchema" for c in d.changes):
            steps.append(_step(workspace_id, found_name, Action.DELETE, current=resource))
            steps.append(_step(workspace_id, name, Action.CREATE, desired=spec, changes=moved + d.changes))
            continue
        action = Action.UPDATE if d.changes else Action.NO_CHANGE
        steps.append(_step(workspace_id, name, action, desired=spec, current=resource, changes=d.changes,
                           unverified=d.unverified))
    return steps


def _step(workspace_id: str, name: Any, action: Action, *, desired: Desired | dict[str, Any] | None = None,
          current: dict[str, Any] | None = None, changes: list[FieldChange] | None = None,
          unverified: list[str] | None = None) -> PlannedChange:
    kind, topic = _desired_parent(desired) if desired is not None else _parent_of(current or {})
    return PlannedChange(workspace_id, name, action, kind, changes or [],
                         _desired_properties(desired) if desired is not None else None, current, unverified or [],
                         topic)


def _desired_properties(desired: Desired | dict[str, Any]) -> dict[str, Any]:
    return desired if isinstance(desired, dict) else desired.properties


def _desired_parent(desired: Desired | dict[str, Any]) -> tuple[str, str | None]:
    topic = False if isinstance(desired, dict) else desired.system_topic
    if topic is False:
        return WORKSPACE, None
    return SYSTEM_TOPIC, topic if isinstance(topic, str) else None


def _by_lower(items: Mapping[str, Any], side: str) -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {}
    for name, value in items.items():
        if name.lower() in out:
            raise InvalidInputError(
                f"{side} subscriptions '{out[name.lower()][0]}' and '{name}' differ only in case",
                hint="Event Grid names are case-insensitive: keep one of them.",
            )
        out[name.lower()] = (name, value)
    return out


def _properties(resource: Mapping[str, Any]) -> dict[str, Any]:
    props = resource.get("properties")
    return dict(props) if isinstance(props, dict) else dict(resource)


_TOPIC = re.compile(r"/systemTopics/([^/]+)/eventSubscriptions/", re.IGNORECASE)


def _parent_of(resource: Mapping[str, Any]) -> tuple[str, str | None]:
    found = _TOPIC.search(str(resource.get("id") or ""))
    if found or "systemtopics" in str(resource.get("type") or "").lower():
        return SYSTEM_TOPIC, found.group(1) if found else None
    return WORKSPACE, None


def _parent_changes(spec: Desired | dict[str, Any], resource: Mapping[str, Any]) -> list[FieldChange]:
    kind, topic = _parent_of(resource)
    new_kind, new_topic = _desired_parent(spec)
    changes = [FieldChange("kind", kind, new_kind)] if kind != new_kind else []
    if kind == new_kind == SYSTEM_TOPIC and new_topic and topic and new_topic.lower() != topic.lower():
        changes.append(FieldChange("systemTopic", topic, new_topic))
    return changes


def update_body(change: PlannedChange) -> dict[str, Any]:
    """The PATCH body of an update: each changed top-level field, complete, from the desired side.

    The service replaces each top-level field it is sent whole. A field the desired side lacks is sent as its
    default (``filter``, ``retryPolicy``), as ``[]`` (``labels``), not at all when the other field of its pair is
    set (``destination`` / ``deliveryWithResourceIdentity``, the two dead-letter fields: the service drops it),
    else as ``null``: then ``subscription_update.needs_put(body)`` is true and the caller sends
    ``put_body(change)`` instead (Azure ignores a dead-letter null in a PATCH). A filter that drops a current
    subject filter sends it as ``""``, as the service stores "no subject filter".
    """
    if change.action is not Action.UPDATE or change.desired is None:
        raise ValueError(f"update_body needs an update, not {change.action.value}")
    desired = writable_properties(change.desired)
    current = _properties(change.current or {})
    fields = {re.split(r"[.\[]", c.path, maxsplit=1)[0] for c in change.changes}
    body: dict[str, Any] = {}
    for key in WRITABLE:
        if key not in fields:
            continue
        if key == "filter":
            body[key] = _filter_body(desired.get("filter"), current.get("filter") or {})
        elif key in desired:
            body[key] = desired[key]
        elif key == "retryPolicy":
            body[key] = _retry({})
        elif key == "labels":
            body[key] = []
        elif PAIRS.get(key) not in desired:
            body[key] = None
    return body


def _filter_body(desired: dict[str, Any] | None, current: dict[str, Any]) -> dict[str, Any]:
    out = dict(desired) if desired is not None else {"isSubjectCaseSensitive": False}
    for key in ("subjectBeginsWith", "subjectEndsWith"):
        if key not in out and current.get(key):
            out[key] = ""
    return out


def put_body(change: PlannedChange) -> dict[str, Any]:
    """The ``properties`` of a PUT that replaces the subscription with the desired one (when ``needs_put``)."""
    if change.desired is None:
        raise ValueError(f"put_body needs a desired subscription, not a {change.action.value}")
    return writable_properties(change.desired)


def summarize(changes: Iterable[PlannedChange]) -> dict[str, int]:
    """How many steps of each action: ``{"create": n, "update": n, "delete": n, "no-change": n}``."""
    counts = {action.value: 0 for action in Action}
    for change in changes:
        counts[change.action.value] += 1
    return counts


def to_json(changes: Iterable[PlannedChange]) -> list[dict[str, Any]]:
    """``plan -o json``: ``[{"workspace", "name", "action", "kind", "changes": [{"path", "old", "new"}],
    "unverified": [path]}]``, secrets redacted as in every ``FieldChange``."""
    return [
        {
            "workspace": c.workspace_id,
            "name": c.name,
            "action": c.action.value,
            "kind": c.kind,
            "changes": [{"path": f.path, "old": f.old, "new": f.new} for f in c.changes],
            "unverified": list(c.unverified),
        }
        for c in changes
    ]
