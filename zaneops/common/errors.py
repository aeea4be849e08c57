"""Errors every layer may raise and the API maps to HTTP statuses."""

from __future__ import annotations


class ZaneError(Exception):
    """Base of the platform's own errors."""


class NotFound(ZaneError):
    """The object does not exist (or is already gone)."""


class Conflict(ZaneError):
    """The write lost a race or breaks a uniqueness rule; nothing was changed."""


class InUse(ZaneError):
    """The object is still needed by something else and cannot be removed yet."""


class Unavailable(ZaneError):
    """An outside system (the database, Docker, Caddy) cannot be reached."""
