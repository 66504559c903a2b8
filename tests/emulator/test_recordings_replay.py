"""The Azure CLI recordings in ``shared/reference/recordings``, replayed against the emulator over HTTPS.

Each VCR cassette (``01_*.yaml`` .. ``07_*.yaml``; ``08`` holds error texts, not interactions) is one test. Its
requests are sent in order to a fresh emulator, moved onto the seeded workspace: the recorded source scope (a
custom topic or a storage account, everything before ``/providers/Microsoft.EventGrid/eventSubscriptions``)
becomes ``local-workspace``, and the operation polls follow the ``Azure-AsyncOperation`` / ``Location`` URL the
emulator answered to the preceding write. The recording's api-version, ``$top`` and ``$filter`` are kept.

Per interaction the replay checks the status code, which of ``Azure-AsyncOperation`` / ``Location`` /
``Retry-After`` are present, the key set of the body (recursively: ``properties``, ``destination``, ``filter``,
mappings, list items) and every value both bodies hold, against what Azure answered. The recorded answers go
through the same adaptations as the requests (``adapt_answer``). What differs for a documented reason is in
``EXTRA_KEYS``, ``MISSING_KEYS`` and ``DIFFERENT_VALUES`` below; the regional lists of recording 05 move to the
seeded region and topic type (``REGION``, ``TOPIC_TYPES``).

The recordings are looked for at ``<repo>/../shared/reference/recordings`` (as test_conformance.py looks for
``shared/specs``). When they are missing the tests skip, saying where the recordings come from, or fail under
``CI=true`` (tests/shared_data.py).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from emulator_support import RG, SCOPE, SUB, local, raw
from shared_data import require, shared_path

from amlevents.emulator.eventgrid.validation import DEFAULT_EVENT_TYPES

RECORDINGS = shared_path("reference", "recordings")
EXPECTED_RECORDINGS = ("01", "02", "03", "04", "05", "06", "07")
MISSING = "<shared/reference/recordings missing>"
ES = "/providers/Microsoft.EventGrid/eventSubscriptions"
LRO_HEADERS = ("azure-asyncoperation", "location", "retry-after")
SECRET_CODE = "code=secret"

# --- what legitimately differs ---------------------------------------------------------------------------------
# Paths are dotted key paths, ``[]`` for list items (``value[].properties.topic``); fnmatch patterns; the value says
# which recordings (by number, "*" = all) the entry covers and why.

# Keys the emulator answers that Azure's recorded body does not have.
EXTRA_KEYS: dict[str, tuple[str, str]] = {
    # Azure's 2020-10-15-preview answers omit isSubjectCaseSensitive when it is false; the emulator serves the
    # 2025-02-15 contract, whose examples (EventSubscriptions_GetForResource, _CreateOrUpdateForResource) return it.
    "*properties.filter.isSubjectCaseSensitive": ("*", "2025-02-15 answers carry isSubjectCaseSensitive: false"),
    # The recordings show "systemData": null (01-06) or no systemData (07, azure-mgmt-eventgrid 3.0.0rc9); ARM fills
    # systemData (createdBy/At, lastModifiedBy/At) for event subscriptions in the 2025-02-15 swagger.
    "*systemData.*": ("*", "the emulator fills ARM systemData where Azure answered null"),
    "systemData": ("07", "recording 07 was made with an SDK whose answers carried no systemData key"),
}
# Keys Azure answered that the emulator legitimately does not. None: every recorded key must be there.
MISSING_KEYS: dict[str, tuple[str, str]] = {}
# Paths present in both bodies whose values legitimately differ.
DIFFERENT_VALUES: dict[str, tuple[str, str]] = {
    "*systemData": ("*", "null in the recordings, a systemData object in the emulator (see EXTRA_KEYS)"),
}

# The regional lists of recording 05 (az's `event-subscription list --location [--topic-type] [--resource-group]`)
# move to the seeded world like the rest: subscription and resource group, the workspace's location for the
# recorded region, and the workspace topic type for the storage account one.
REGION = "eastus"
TOPIC_TYPES = {"microsoft.storage.storageaccounts": "Microsoft.MachineLearningServices.Workspaces"}

# The storage account topic type's default event types (what Azure filled in when the request named none, and what
# the CLI's update copied back from its GET) <-> the AML workspace topic type's defaults: a workspace fills its own
# five when none are given (event types that are sent are stored as sent, whatever the topic type).
STORAGE_DEFAULT_TYPES = ["Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobDeleted"]
AML_DEFAULT_TYPES = list(DEFAULT_EVENT_TYPES)

# Recording 06's final GET is given in a comment of the cassette (not as an interaction): after the create, secret
# static values read back as "Hidden". Replayed as a GET right after interaction 0.
GET_FROM_COMMENT: dict[tuple[str, int], list[dict[str, Any]]] = {
    ("06", 0): [
        {"properties": {"value": "somestaticvalue1", "isSecret": False}, "name": "somestaticname1", "type": "Static"},
        {"properties": {"value": "Hidden", "isSecret": True}, "name": "somestaticname2", "type": "Static"},
        {"properties": {"value": "Hidden", "isSecret": True}, "name": "somestaticname3", "type": "Static"},
        {"properties": {"sourceField": "data.key1"}, "name": "somedynamicattribname1", "type": "Dynamic"},
    ],
}


# --- loading ---------------------------------------------------------------------------------------------------

def require_recordings() -> None:
    require("the Azure CLI recordings (NN_*.yaml)", RECORDINGS,
            lambda folder: folder.is_dir() and any(folder.glob("[0-9][0-9]_*.yaml")))


def recording_names() -> list[str]:
    found = sorted(p.stem for p in RECORDINGS.glob("[0-9][0-9]_*.yaml")) if RECORDINGS.is_dir() else []
    return found or [MISSING]


@dataclass
class Interaction:
    index: int
    method: str
    path: str
    query: list[tuple[str, str]]
    body: Any
    status: int
    answer: Any  # the parsed JSON answer, None for an empty body, the raw text when it is not JSON
    headers: dict[str, str] | None  # lower-cased names; None when the cassette kept no response headers


def _json_or_text(text: Any) -> Any:
    if text is None or text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def load(stem: str) -> list[Interaction]:
    cassette = yaml.safe_load((RECORDINGS / f"{stem}.yaml").read_text())
    out = []
    for i, item in enumerate(cassette):
        request, response = item["request"], item["response"]
        uri = urlsplit(request["uri"])
        headers = response.get("headers")
        out.append(Interaction(
            i, request["method"].upper(), uri.path, parse_qsl(uri.query, keep_blank_values=True),
            _json_or_text(request.get("body")), int(response["status"]["code"]),
            _json_or_text((response.get("body") or {}).get("string")),
            None if headers is None else {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in headers.items()}))
    return out


def source_of(path: str) -> str | None:
    """The recorded source scope: the path before /providers/Microsoft.EventGrid/eventSubscriptions."""
    at = path.lower().find(ES.lower())
    return path[:at] if at >= 0 else None


# --- adapting requests and answers to the seeded workspace -----------------------------------------------------

def adapt_event_types(types: list[str]) -> list[str]:
    # Storage's default pair <-> the AML defaults (see STORAGE_DEFAULT_TYPES); the recordings name no other types.
    if types == STORAGE_DEFAULT_TYPES:
        return list(AML_DEFAULT_TYPES)
    unmapped = [t for t in types if t not in AML_DEFAULT_TYPES]
    assert not unmapped, f"no AML equivalent chosen for {unmapped}"
    return list(types)


def adapt_url(url: str) -> str:
    # The cassettes redact the webhook's secret query value (<HIDDEN>, REDACTED); a concrete one lets getFullUrl's
    # answer be compared and lets the replay check that no other answer leaks it.
    return re.sub(r"code=(?:<HIDDEN>|REDACTED)", SECRET_CODE, url)


def _walk_adapt(node: Any, source: str, is_answer: bool) -> Any:
    if isinstance(node, list):
        return [_walk_adapt(x, source, is_answer) for x in node]
    if not isinstance(node, dict):
        return adapt_url(node) if isinstance(node, str) else node
    out = {k: _walk_adapt(v, source, is_answer) for k, v in node.items()}
    if isinstance(out.get("includedEventTypes"), list):
        out["includedEventTypes"] = adapt_event_types(out["includedEventTypes"])
    if is_answer and isinstance(out.get("id"), str) and out["id"].lower().startswith(source.lower() + "/"):
        # The resource id moves with its source scope.
        out["id"] = SCOPE + out["id"][len(source):]
    if is_answer and isinstance(out.get("topic"), str) and out["topic"].lower() == source.lower():
        out["topic"] = same_casing(out["topic"], source)
    return out


def same_casing(recorded: str, source: str) -> str:
    """The workspace id cased as Azure cased the source id in ``topic``, segment by segment.

    The recordings show ``/subscriptions/{s}/resourceGroups/{rg}/providers/microsoft.storage/storageaccounts/{n}``:
    ``resourceGroups`` kept, the provider namespace and type lowered. A segment whose case the recording cannot
    show (all lower case in the source) keeps the workspace id's spelling.
    """
    got, src, scope = recorded.split("/"), source.split("/"), SCOPE.split("/")
    assert len(got) == len(src) == len(scope), (recorded, source)
    return "/".join(w.lower() if g != s and g == s.lower() else w for g, s, w in zip(got, src, scope))


def adapt_answer(answer: Any, source: str) -> Any:
    """A recorded answer as Azure would give it for the seeded workspace."""
    answer = _walk_adapt(answer, source, is_answer=True)
    if "/providers/microsoft.eventgrid/topics/" in source.lower():
        # A custom topic has no event types, so Azure answered no includedEventTypes; an AML workspace is a system
        # topic source and gets its topic type's defaults filled in, as the storage account source in 04 does.
        resources = answer.get("value", [answer]) if isinstance(answer, dict) else []
        for resource in resources:
            flt = (resource.get("properties") or {}).get("filter")
            if isinstance(flt, dict) and "includedEventTypes" not in flt:
                flt["includedEventTypes"] = list(AML_DEFAULT_TYPES)
    return answer


def adapt_request(body: Any, source: str) -> Any:
    return _walk_adapt(body, source, is_answer=False)


def _set_schema(schema: str) -> Any:
    def apply(body: Any) -> Any:
        props = body.get("properties", body)  # an answer or PUT body has properties; a PATCH body is them
        if "eventDeliverySchema" in props:
            props["eventDeliverySchema"] = schema
        return body
    return apply


# Recording-specific adaptations, applied to the request body and to the recorded answer of one interaction.
SPECIFIC: dict[tuple[str, int], Any] = {
    # 07 joins two Azure tests: the PATCH (B) went to a subscription created with EventGridSchema, here it goes to
    # the CloudEventSchemaV1_0 one the PUT (A) made. az's update re-sends the schema its GET returned, and the
    # service refuses a schema change (MD#17010; emulator check_schema_change), so it re-sends CloudEventSchemaV1_0.
    ("07", 1): _set_schema("CloudEventSchemaV1_0"),
}


def subscription_from_answer(resource: dict[str, Any], source: str) -> dict[str, Any]:
    """A PUT body recreating a subscription a recorded answer shows: its writable properties, the webhook URL
    rebuilt from endpointBaseUrl with the (redacted) secret code."""
    props = {k: v for k, v in resource["properties"].items() if k not in ("topic", "provisioningState")}
    dest = copy.deepcopy(props.get("destination") or {})
    if dest.get("endpointType") == "WebHook":
        base = dest["properties"].pop("endpointBaseUrl")
        dest["properties"]["endpointUrl"] = f"{base}?{SECRET_CODE}"
    return adapt_request({"properties": {**props, "destination": dest}}, source)


def preconditions(key: str, interactions: list[Interaction]) -> list[tuple[str, dict[str, Any]]]:
    """(name, PUT body) of the subscriptions a recording presumes exist when it starts."""
    first = interactions[0]
    source = source_of(first.path)
    name = first.path.rsplit("/", 1)[-1]
    if key == "02":  # update: the GET it starts with shows the subscription as test_advanced_filters left it
        return [(name, subscription_from_answer(first.answer, source))]
    if key == "03":  # delete: any existing webhook subscription (the recording deletes 01/02's, its body unshown)
        url = f"https://devexpfuncappdestination.azurewebsites.net/runtime/webhooks/EventGrid?{SECRET_CODE}"
        return [(name, {"properties": {"destination": {"endpointType": "WebHook",
                                                       "properties": {"endpointUrl": url}}}})]
    if key == "05":  # list: the subscriptions the list answered
        return [(item["name"], subscription_from_answer(item, source)) for item in first.answer["value"]]
    return []


# --- comparing -------------------------------------------------------------------------------------------------

def key_paths(node: Any, prefix: str = "") -> set[str]:
    """Every key's dotted path (list items as ``[]``)."""
    paths: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            path = f"{prefix}.{k}" if prefix else k
            paths.add(path)
            paths |= key_paths(v, path)
    elif isinstance(node, list):
        for item in node:
            paths |= key_paths(item, prefix + "[]")
    return paths


def leaves(node: Any, prefix: str = "") -> dict[str, Any]:
    """Path (list items by index) -> value, for scalars, nulls and lists holding no objects."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            out.update(leaves(v, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(node, list) and any(isinstance(x, dict) for x in node):
        out = {}
        for i, x in enumerate(node):
            out.update(leaves(x, f"{prefix}[{i}]"))
        return out
    return {prefix: node}


def at_path(node: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    return node


def allowed(table: dict[str, tuple[str, str]], key: str, path: str) -> bool:
    return any(fnmatchcase(path, pattern) and which in ("*", key) for pattern, (which, _why) in table.items())


def shape_differences(key: str, expected: Any, actual: Any) -> dict[str, list[str]]:
    want, got = key_paths(expected), key_paths(actual)
    return {"missing": sorted(p for p in want - got if not allowed(MISSING_KEYS, key, p)),
            "extra": sorted(p for p in got - want if not allowed(EXTRA_KEYS, key, p))}


def value_differences(key: str, expected: Any, actual: Any) -> list[str]:
    present = key_paths(actual)
    out = []
    for path, want in leaves(expected).items():
        if not path or re.sub(r"\[\d+\]", "[]", path) not in present or allowed(DIFFERENT_VALUES, key, path):
            continue
        try:
            got = at_path(actual, path)
        except (KeyError, IndexError, TypeError):
            out.append(f"{path}: Azure {want!r}, emulator has no such item")
            continue
        if got != want:
            out.append(f"{path}: Azure {want!r}, emulator {got!r}")
    return out


def expected_headers(method: str, recorded: dict[str, str] | None) -> dict[str, bool]:
    """Which LRO headers Azure sent: from the cassette, or (where it kept no headers) az-cli.md §5's pattern."""
    if recorded is not None:
        return {h: h in recorded for h in LRO_HEADERS}
    return {"azure-asyncoperation": method in ("PUT", "PATCH", "DELETE"), "location": method == "DELETE",
            "retry-after": False}


def webhook_destinations(answer: Any) -> list[dict[str, Any]]:
    resources = answer.get("value", [answer]) if isinstance(answer, dict) else []
    found = []
    for resource in resources:
        props = resource.get("properties") or {}
        for dest in (props.get("destination"), (props.get("deliveryWithResourceIdentity") or {}).get("destination")):
            if isinstance(dest, dict) and dest.get("endpointType") == "WebHook":
                found.append(dest["properties"])
    return found


def secret_values(node: Any) -> set[str]:
    """The values of secret static delivery attributes a request sends."""
    if isinstance(node, list):
        return set().union(*(secret_values(x) for x in node))
    if not isinstance(node, dict):
        return set()
    found = {node["value"]} if node.get("isSecret") is True and isinstance(node.get("value"), str) else set()
    return found.union(*(secret_values(v) for v in node.values()))


# --- requests --------------------------------------------------------------------------------------------------

def settle(server: Any, response: Any) -> None:
    """Follow a write's Azure-AsyncOperation until Succeeded (no provisioning delay: the first poll)."""
    url = response.headers["Azure-AsyncOperation"]
    status = raw(server, "GET", local(server, url)).json()["status"]
    assert status == "Succeeded", status


def put(server: Any, name: str, body: dict[str, Any]) -> None:
    response = raw(server, "PUT", f"{SCOPE}{ES}/{name}", body=body)
    assert response.status_code == 201, (name, response.status_code, response.text)
    settle(server, response)


def emulator_path(it: Interaction, last_write: Any, server: Any) -> str:
    """The recorded path moved onto the seeded workspace, or the emulator's own operation URL for a poll."""
    lowered = it.path.lower()
    if "/operationsstatus/" in lowered or "/operationresults/" in lowered:
        assert last_write is not None, f"interaction {it.index} polls an operation before any write"
        header = "Azure-AsyncOperation" if "/operationsstatus/" in lowered else "Location"
        url = last_write.headers.get(header)
        assert url, f"interaction {it.index} polls {header}, which the emulator's write did not send"
        return local(server, url)
    if "/providers/microsoft.eventgrid/locations/" in lowered:
        return regional_path(it.path)
    source = source_of(it.path)
    assert source is not None, f"interaction {it.index}: no event subscription path in {it.path}"
    return SCOPE + it.path[len(source):]


def regional_path(path: str) -> str:
    """A recorded subscription- or resource-group-wide list moved onto the seeded world (see REGION)."""
    path = re.sub(r"^/subscriptions/[^/]+", f"/subscriptions/{SUB}", path, flags=re.I)
    path = re.sub(r"^(/subscriptions/[^/]+/resourceGroups/)[^/]+", rf"\g<1>{RG}", path, flags=re.I)
    path = re.sub(r"(/locations/)[^/]+", rf"\g<1>{REGION}", path, flags=re.I)
    return re.sub(r"(/topicTypes/)([^/]+)", lambda m: m[1] + TOPIC_TYPES.get(m[2].lower(), m[2]), path, flags=re.I)


# --- the tests -------------------------------------------------------------------------------------------------

def test_the_recordings_to_replay_are_all_found():
    require_recordings()
    found = {name[:2] for name in recording_names()}
    assert set(EXPECTED_RECORDINGS) <= found, sorted(set(EXPECTED_RECORDINGS) - found)


def test_the_allowlists_name_real_recordings():
    tables = [EXTRA_KEYS, MISSING_KEYS, DIFFERENT_VALUES]
    assert all(which == "*" or which in EXPECTED_RECORDINGS for t in tables for which, _ in t.values())
    assert all(key in EXPECTED_RECORDINGS for key, _ in [*SPECIFIC, *GET_FROM_COMMENT])


class Replay:
    """One recording's interactions sent in order; ``failures`` collects every disagreement with Azure."""

    def __init__(self, server: Any, recording: str) -> None:
        self.server, self.recording, self.key = server, recording, recording[:2]
        self.interactions = load(recording)
        self.source = next(source_of(it.path) for it in self.interactions if source_of(it.path))
        self.last_write: Any = None  # the emulator's answer to the latest PUT, PATCH or DELETE
        self.previous_answer: Any = None
        self.secrets: set[str] = set()
        self.failures: list[str] = []

    def run(self) -> list[str]:
        for name, body in preconditions(self.key, self.interactions):
            put(self.server, name, body)
        for it in self.interactions:
            self.step(it)
        return self.failures

    def fail(self, it: Interaction, message: str) -> None:
        self.failures.append(f"{self.recording} #{it.index} {it.method} {it.path}: {message}")

    def path(self, it: Interaction) -> str:
        return emulator_path(it, self.last_write, self.server)

    def expected(self, it: Interaction, specific: Any) -> Any:
        """Azure's answer, adapted like the request."""
        answer = it.answer
        if isinstance(answer, str) and "same single subscription as above" in answer:
            # The cassette abbreviates this answer to '{"value":[ ...same single subscription as above... ]}'.
            answer = self.previous_answer
        if not isinstance(it.answer, str):
            self.previous_answer = it.answer
        if answer is None:
            return None
        answer = specific(adapt_answer(answer, self.source))
        if "/operationsstatus/" in it.path.lower():
            # Azure's status names its poll: id is the poll URL (without the :443 its header spells), name the
            # operation id in lower case. Here the poll URL is the emulator's Azure-AsyncOperation.
            url = self.last_write.headers["Azure-AsyncOperation"]
            answer.update(id=url, name=urlsplit(url).path.rsplit("/", 1)[-1].lower())
        return answer

    def step(self, it: Interaction) -> None:
        path = self.path(it)
        specific = SPECIFIC.get((self.key, it.index), lambda body: body)
        body = specific(adapt_request(it.body, self.source)) if it.body is not None else None
        self.secrets |= secret_values(body)
        response = raw(self.server, it.method, path, body=body, params=dict(it.query))
        answer = response.json() if response.content else None
        expected = self.expected(it, specific)
        if it.method in ("PUT", "PATCH", "DELETE"):
            self.last_write = response

        # (1) the status, and which LRO headers Azure sent
        if response.status_code != it.status:
            self.fail(it, f"status: Azure {it.status}, emulator {response.status_code} {response.text[:300]}")
            return
        sent = {h: h in {k.lower() for k in response.headers} for h in LRO_HEADERS}
        if sent != expected_headers(it.method, it.headers):
            self.fail(it, f"LRO headers: Azure {expected_headers(it.method, it.headers)}, emulator {sent}")

        # (2) the body: its key set, then every value both bodies hold
        if expected is None:
            if response.content:
                self.fail(it, f"Azure answered an empty body, the emulator {response.text[:300]}")
        else:
            diff = shape_differences(self.key, expected, answer)
            if diff["missing"] or diff["extra"]:
                self.fail(it, f"keys: {diff}")
            for difference in value_differences(self.key, expected, answer):
                self.fail(it, difference)

        # (3) what must hold whatever the recording shows
        if it.method in ("PUT", "PATCH"):  # every replayed PUT creates
            state = (answer or {}).get("properties", {}).get("provisioningState")
            if state != {"PUT": "Creating", "PATCH": "Updating"}[it.method]:
                self.fail(it, f"provisioningState {state!r} on a {it.method}")
        for dest in webhook_destinations(answer):
            if dest.get("endpointUrl") is not None or "?" in (dest.get("endpointBaseUrl") or "?"):
                self.fail(it, f"webhook destination shows its query: {dest}")
        if "getfullurl" not in path.lower() and SECRET_CODE in response.text:
            self.fail(it, f"the webhook's secret query leaks: {response.text[:300]}")
        if it.method != "PUT":  # a PUT answer echoes secret attribute values, as Azure's does (recording 06)
            leaked = sorted(s for s in self.secrets if f'"{s}"' in response.text)
            if leaked:
                self.fail(it, f"secret delivery attribute values returned: {leaked}")
        if (self.key, it.index) in GET_FROM_COMMENT:
            self.get_from_comment(it, path)

    def get_from_comment(self, it: Interaction, path: str) -> None:
        got = raw(self.server, "GET", path, params=dict(it.query))
        props = got.json().get("properties", {}) if got.status_code == 200 else {}
        mappings = (props.get("destination") or {}).get("properties", {}).get("deliveryAttributeMappings")
        if (got.status_code, props.get("provisioningState"), mappings) != (
                200, "Succeeded", GET_FROM_COMMENT[(self.key, it.index)]):
            self.fail(it, f"the GET after it (from the cassette's comment): status {got.status_code}, "
                          f"provisioningState {props.get('provisioningState')!r}, mappings {mappings}")


@pytest.mark.parametrize("recording", recording_names())
def test_recording_replays_with_azures_statuses_and_shapes(recording, emulator):
    require_recordings()
    failures = Replay(emulator, recording).run()
    assert not failures, "\n".join(failures)
