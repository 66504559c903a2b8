"""Stage 4: the desired-state manifest — reading YAML/JSON (``document``), its JSON Schema, the model, building
desired subscriptions from it (``build``), reading a file as a whole (``read``) and exporting one (``export``).
"""

from __future__ import annotations

from amlevents.core.manifest.read import (
    Manifest,
    WorkspaceSpec,
    dump_manifest,
    load_manifest,
    manifest_summary,
)
from amlevents.core.manifest.schema import manifest_schema

__all__ = [
    "Manifest",
    "WorkspaceSpec",
    "dump_manifest",
    "load_manifest",
    "manifest_schema",
    "manifest_summary",
]
