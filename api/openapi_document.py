"""The API's OpenAPI document, built without Postgres or Redis, for the dashboard's types.

`python -m api.openapi_document [PATH]` writes it (default ui/src/api/openapi.json) as stable
JSON; `npm run gen:types` in ui/ then turns that file into ui/src/api/schema.ts.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from api.app import create_app
from api.settings import ApiSettings
from zaneops.common.settings import InstallationSettings

DEFAULT_PATH = Path("ui/src/api/openapi.json")


def openapi_document() -> dict[str, Any]:
    """The document the running API serves at /api/v1/openapi.json.

    Only the app is created: its lifespan, which opens Postgres and Redis, never runs. The
    settings are explicit so that no ZANE_* variable of the shell changes the document: a
    dashboard folder that is a file serves no dashboard, and no proxy is trusted.
    """
    settings = ApiSettings.chosen(dashboard_dir=os.devnull, trusted_proxies="")
    document: dict[str, Any] = create_app(settings, InstallationSettings.chosen()).openapi()
    return document


def render(document: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indents, one final newline."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    path.write_text(render(openapi_document()), encoding="utf-8")


if __name__ == "__main__":
    main()
