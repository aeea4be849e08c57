"""What the CLI prints: a table for people, or JSON / YAML for scripts (-o json|yaml)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import yaml

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def rendered(items: Sequence[dict[str, Any]], columns: Sequence[Column], form: str) -> str:
    if form == "json":
        return json.dumps(list(items), indent=2, ensure_ascii=False)
    if form == "yaml":
        return yaml.safe_dump(list(items), sort_keys=False, allow_unicode=True).rstrip()
    rows = [[str(title) for title, _ in columns]]
    rows += [[_cell(read(item)) for _, read in columns] for item in items]
    widths = [max(len(row[n]) for row in rows) for n in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _cell(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)


def ready(item: dict[str, Any]) -> str:
    """A condition summary: the first condition that is not True, or Ready."""
    conditions = item.get("status", {}).get("conditions") or []
    for condition in conditions:
        if condition.get("status") != "True" and condition.get("type") != "Reconciled":
            return f"{condition.get('type')}: {condition.get('reason')}"
    return "Ready" if conditions else "Pending"


COLUMNS: dict[str, list[Column]] = {
    "projects": [("SLUG", lambda i: i["spec"]["slug"]), ("NAME", lambda i: i["spec"]["name"])],
    "environments": [
        ("SLUG", lambda i: i["spec"]["slug"]),
        ("VARIABLES", lambda i: len(i["spec"].get("variables") or {})),
        ("NETWORK", lambda i: i["status"].get("details", {}).get("network")),
    ],
    "services": [
        ("SLUG", lambda i: i["spec"]["slug"]),
        ("SOURCE", lambda i: source_label(i["spec"]["source"])),
        ("REPLICAS", lambda i: i["spec"].get("replicas")),
        ("STATE", ready),
    ],
    "domains": [
        (
            "DOMAIN",
            lambda i: (
                i["spec"]["domain"]
                + ("" if i["spec"].get("base_path", "/") == "/" else i["spec"]["base_path"])
            ),
        ),
        ("URL", lambda i: i["status"].get("details", {}).get("url")),
        ("STATE", ready),
    ],
    "volumes": [
        ("SLUG", lambda i: i["spec"]["slug"]),
        ("KIND", lambda i: i["spec"].get("kind")),
        ("STATE", ready),
    ],
    "deployments": [
        ("ID", lambda i: i["id"]),
        ("PHASE", lambda i: i.get("phase")),
        ("CREATED", lambda i: str(i.get("created_at", ""))[:19]),
    ],
}


def source_label(source: dict[str, Any]) -> str:
    """An image, a repository, or a database engine and version (postgres 15)."""
    if source.get("type") == "database":
        return f"{source.get('engine')} {source.get('version')}"
    return str(source.get("image") or source.get("repository_url"))
