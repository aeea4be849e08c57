"""One module per controller; each runs as its own process (`zaneops controller run NAME`)."""

from __future__ import annotations

# name → "module:factory". Filled in as the slices land.
REGISTRY: dict[str, str] = {
    "builds": "controllers.builds:build",
    "routes": "controllers.routes:build",
    "services": "controllers.services:build",
    "volumes": "controllers.volumes:build",
}
