"""The local stand-ins for destinations outside HTTP: the dead-letter container and the spool.

- Dead-letter: ``<dead-letter dir>/<storage account>/<container>/<subscription>/<event id>.json``, one JSON
  document per event (``core.delivery.deadletter``), standing in for the blob the service writes.
- Spool: ``<spool dir>/<sanitized destination resource id>.jsonl``, one JSON line per delivered event for Event
  Hub, Service Bus queue/topic, Storage queue and Hybrid Connection destinations (and Azure Functions that no
  ``--route-function`` maps to a URL): ``{"time", "subscription", "endpointType", "resourceId", "properties"
  (the delivery attributes, secret values redacted), "event"}``.

Directories are created 0700 and files 0600 (events can carry business data); writes are serialised per process.
Nothing secret is written: events carry no secrets of ours, and secret attribute values are redacted.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from amlevents.core.delivery import dead_letter_path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_lock = threading.Lock()


def spool_name(resource_id: str) -> str:
    """The spool file name of a destination resource id: runs of other characters than ``[A-Za-z0-9._-]`` become
    ``_``, lower-cased (ARM ids compare case-insensitively), ``.jsonl`` appended."""
    cleaned = _UNSAFE.sub("_", resource_id.strip().strip("/")).strip("_.").lower()[:200]
    return (cleaned or "destination") + ".jsonl"


def _private_dirs(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def append_spool(spool_dir: Path, resource_id: str, line: dict[str, Any]) -> Path:
    """Append one JSON line to the spool of ``resource_id``; its path."""
    path = spool_dir / spool_name(resource_id)
    data = json.dumps(line, separators=(",", ":")) + "\n"
    with _lock:
        _private_dirs(spool_dir)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(data)
    return path


def write_dead_letter(root: Path, account: str, container: str, subscription: str, event_id: str,
                      record: dict[str, Any]) -> Path:
    """Write a dead-letter record (replacing one of the same event and subscription); its path."""
    path = root.joinpath(*dead_letter_path(account, container, subscription, event_id))
    with _lock:
        _private_dirs(path.parent)
        tmp = path.with_suffix(".json.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2)
        os.replace(tmp, path)
    return path
