"""Each runs test gets its own instance name, as the services tests do (the same fixture)."""

from __future__ import annotations

from tests.integration.controllers.services.conftest import instance

__all__ = ["instance"]
