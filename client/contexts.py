"""Where the CLI sends its calls and with which token: named contexts in the user's config
(several installations), or ZANE_URL and ZANE_TOKEN for CI (they win over any context)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONFIG_ENV = "ZANE_CONFIG"  # another config file than the default (tests, several users)


class NoContext(Exception):
    """Nothing says where the API is: log in first."""


@dataclass(frozen=True)
class Context:
    name: str
    url: str
    token: str


def config_path() -> Path:
    chosen = os.environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "zaneops" / "contexts.yaml"


def _read() -> dict[str, Any]:
    path = config_path()
    if not path.exists():
        return {"current": None, "contexts": {}}
    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise NoContext(f"{path} cannot be read: {exc}") from None
    found = loaded.get("contexts") if isinstance(loaded, dict) else None
    if not isinstance(found, dict | None):
        raise NoContext(f"{path} is not a contexts file (log in again to write it)")
    return {"current": loaded.get("current"), "contexts": dict(found or {})}


def _write(config: dict[str, Any]) -> None:
    """Only its owner may read it: it holds API tokens."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".contexts-")  # 0600, new
    with os.fdopen(descriptor, "w") as handle:
        yaml.safe_dump(config, handle, sort_keys=True)
    os.replace(temporary, path)


def save(context: Context, make_current: bool = True) -> None:
    config = _read()
    config["contexts"][context.name] = {"url": context.url, "token": context.token}
    if make_current or not config["current"]:
        config["current"] = context.name
    _write(config)


def use(name: str) -> None:
    config = _read()
    if name not in config["contexts"]:
        known = ", ".join(sorted(config["contexts"])) or "none"
        raise NoContext(f"no context named {name!r} (known: {known})")
    config["current"] = name
    _write(config)


def listed() -> tuple[str | None, list[Context]]:
    config = _read()
    contexts = [
        Context(name, str(values["url"]), str(values["token"]))
        for name, values in sorted(config["contexts"].items())
    ]
    return config["current"], contexts


def current(name: str | None = None) -> Context:
    """ZANE_URL + ZANE_TOKEN if set, else the named context, else the current one."""
    url, token = os.environ.get("ZANE_URL"), os.environ.get("ZANE_TOKEN")
    if url and token and name is None:
        return Context("(environment)", url, token)
    chosen, contexts = listed()
    wanted = name or chosen
    for context in contexts:
        if context.name == wanted:
            return context
    raise NoContext("not logged in: run `zaneops login URL` (or set ZANE_URL and ZANE_TOKEN)")
