"""``diff``: the field changes from a current event subscription to a desired one, with secrets never shown.

Both sides go through ``core.plan_normalize.normalize`` first, so only real changes remain.

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
  subscription) and ``core.plan.hidden_values`` (per plan) tell the caller when to call getFullUrl so that
  nothing stays unverified.
- **Secret attribute values** are compared only when both are known; otherwise the field is unverified
  (``needs_secrets`` says when to call getDeliveryAttributes). A changed secret shows ``(secret)`` ->
  ``(changed)``; a secret value never appears in a ``FieldChange``, nor does a query value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from amlevents.core.plan.normalize import UNKNOWN, BaseUrlOnly, normalize, properties_of
from amlevents.core.redact import redact_url
from amlevents.core.subscription import HIDDEN, destination_of

SECRET = "(secret)"
CHANGED = "(changed)"


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
    dest = destination_of(props)
    if not isinstance(dest, dict):
        return props
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
    wrapper = props.get("deliveryWithResourceIdentity")
    if wrapper:
        props["deliveryWithResourceIdentity"] = {**wrapper, "destination": dest}
    else:
        props["destination"] = dest
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
        shown_old, shown_new = _redacted(old), _redacted(new, against=old)
        out.changes.append(FieldChange(path, shown_old, shown_new if shown_new != shown_old else CHANGED))


def _shown_url(url: Any) -> str | None:
    return _redacted(url.base if isinstance(url, BaseUrlOnly) else url)  # a base may hold a password


def _base(url: Any) -> str | None:
    if isinstance(url, BaseUrlOnly):
        return url.base
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _redacted(url: str, *, against: str | None = None) -> str:
    """``url`` as the plan shows it: each secret (query value, password, fragment: core.redact's one policy) as
    ``(secret)``, or ``(changed)`` where it differs from ``against``."""
    return redact_url(url, SECRET, against=against, changed=CHANGED)


def _shown(value: Any) -> Any:
    """``value`` for a FieldChange: absent is None, URLs redacted, secret attribute values hidden."""
    if value is _ABSENT:
        return None
    if isinstance(value, BaseUrlOnly):
        return _redacted(value.base)
    if value is UNKNOWN:
        return SECRET
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key == "endpointUrl" and isinstance(item, str):
            out[key] = _redacted(item)
        elif key == "value" and value.get("isSecret") is True:
            out[key] = SECRET
        else:
            out[key] = _shown(item)
    return out


def _webhook_url(norm: dict[str, Any]) -> Any:
    dest = destination_of(norm)
    if isinstance(dest, dict) and dest.get("endpointType") == "WebHook":
        return dest["properties"].get("endpointUrl")
    return None


def _mappings(norm: dict[str, Any]) -> list[dict[str, Any]]:
    dest = destination_of(norm)
    return list(dest.get("properties", {}).get("deliveryAttributeMappings") or []) if isinstance(dest, dict) else []


def needs_full_url(desired: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """True when both deliver to a webhook and the current URL is known only by its base: call getFullUrl.

    ``desired``: writable properties; ``current``: the GET resource or its ``properties``.
    """
    return hidden_reads(desired, current)[0]


def needs_secrets(desired: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """True when a hidden current secret attribute is also in ``desired``: call getDeliveryAttributes."""
    return hidden_reads(desired, current)[1]


def hidden_reads(desired: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[bool, bool]:
    """``(needs_full_url, needs_secrets)``, each side normalized once (a fleet's plan asks for 5,000 pairs)."""
    want, have = normalize(desired), normalize(properties_of(current))
    full_url = _webhook_url(want) is not None and isinstance(_webhook_url(have), BaseUrlOnly)
    wanted = {m.get("name") for m in _mappings(want)}
    secrets = any(m["properties"].get("value") is UNKNOWN and m.get("name") in wanted for m in _mappings(have))
    return full_url, secrets
