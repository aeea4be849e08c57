"""Watch paths: globs over repository paths, with `**` crossing folders and `*` not.

`src/**` matches everything under src/, `*.md` only files at the root, `**/*.md` any
Markdown file; a trailing `/` means the whole folder (`docs/` = `docs/**`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TOKENS = re.compile(r"\*\*/|\*\*|\*|\?|[^*?]+")


def _piece(token: str) -> str:
    if token == "**/":
        return "(?:.*/)?"
    if token == "**":
        return ".*"
    if token == "*":
        return "[^/]*"
    if token == "?":
        return "[^/]"
    return re.escape(token)


def _normalised(path: str) -> str:
    return path.strip().removeprefix("./").lstrip("/")


def compile_glob(pattern: str) -> re.Pattern[str]:
    text = _normalised(pattern)
    if text.endswith("/"):
        text += "**"
    return re.compile("".join(_piece(token) for token in _TOKENS.findall(text)) + r"\Z")


def matching(files: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """The files that at least one pattern matches."""
    compiled = [compile_glob(pattern) for pattern in patterns]
    return [f for f in files if any(c.match(_normalised(f)) for c in compiled)]
