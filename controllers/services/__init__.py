"""The services controller (`zaneops controller run services`)."""

from __future__ import annotations

from .controller import ServicesController


def build() -> ServicesController:
    return ServicesController()


__all__ = ["ServicesController", "build"]
