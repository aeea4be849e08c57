"""The volumes controller (`zaneops controller run volumes`)."""

from __future__ import annotations

from .controller import VolumesController


def build() -> VolumesController:
    return VolumesController()


__all__ = ["VolumesController", "build"]
