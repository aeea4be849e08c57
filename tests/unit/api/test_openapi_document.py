"""The dashboard's types come from the API: the committed OpenAPI document is the current one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.openapi_document import openapi_document, render

COMMITTED = Path(__file__).resolve().parents[3] / "ui" / "src" / "api" / "openapi.json"
REGENERATE = "python -m api.openapi_document && (cd ui && npm run gen:types)"


def _changed(committed: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """The paths and schemas that differ, to say where without a 200 kB diff."""
    changed: list[str] = []
    for section, old, new in (
        ("paths", committed.get("paths", {}), fresh["paths"]),
        (
            "schemas",
            committed.get("components", {}).get("schemas", {}),
            fresh["components"]["schemas"],
        ),
    ):
        changed += [
            f"{section}: {name}"
            for name in sorted(old.keys() | new.keys())
            if old.get(name) != new.get(name)
        ]
    return changed


def test_committed_openapi_json_matches_the_api() -> None:
    """ui/src/api/openapi.json is, byte for byte, the document the API's models make now."""
    fresh = render(openapi_document())
    committed = COMMITTED.read_text(encoding="utf-8")
    if committed != fresh:
        where = _changed(json.loads(committed), json.loads(fresh)) or ["(only the formatting)"]
        pytest.fail(
            f"{COMMITTED} is stale; at the repository's root run\n  {REGENERATE}\n"
            "and commit ui/src/api/openapi.json and ui/src/api/schema.ts. Changed:\n  "
            + "\n  ".join(where[:20]),
            pytrace=False,
        )
