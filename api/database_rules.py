"""What an edit may not change of a database: what its data directory was made with."""

from __future__ import annotations

from typing import Any

from api.errors import invalid
from zaneops.common.secrets import MASK, SecretBox
from zaneops.specs.databases import ENGINES

Spec = dict[str, Any]


def refuse_database_rewrites(stored: Spec, new: Spec, box: SecretBox | None) -> None:
    """The engine, its major version and the credentials are written into the data
    directory when it is made: changing them in the spec would not change the server, or
    would start a new empty one over the data. Refused, naming the way that works."""
    before = stored.get("source") or {}
    if before.get("type") != "database":
        return
    after = new.get("source") or {}
    title = ENGINES[before["engine"]].title
    if after.get("type") != "database" or after.get("engine") != before["engine"]:
        raise invalid(
            "source",
            f"this service is a {title} database: its volume holds {title} data. Create a "
            "new service for another image or engine",
            "database_engine_changed",
        )
    if after.get("version") != before["version"]:
        raise invalid(
            "source.version",
            f"{title} {before['version']} -> {after.get('version')} is a major upgrade: the "
            "new server cannot read the old data directory, and a new empty one would hide "
            "your data. Create a new database at the new version and restore a backup of this "
            "one into it",
            "database_major_upgrade",
        )
    _credentials_kept(before["credentials"], after.get("credentials") or {}, box)


def _credentials_kept(before: Spec, after: Spec, box: SecretBox | None) -> None:
    for name in ("username", "database"):
        if after.get(name, before.get(name)) != before.get(name):
            raise invalid(
                f"source.credentials.{name}",
                f"the {name} was written into the data directory when the database was "
                "made: changing it here would not change the server",
                "database_credentials_changed",
            )
    password = after.get("password")
    same = password in (MASK, before["password"]) or (
        box is not None and password == box.open(before["password"])
    )
    if not same:
        raise invalid(
            "source.credentials.password",
            "the password was set in the data directory when the database was made: "
            "changing it here would lock every client out. Change it inside the database "
            "(ALTER USER), then here",
            "database_credentials_changed",
        )
