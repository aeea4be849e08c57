"""The builds controller (`zaneops controller run builds`): Git source → image → deployment."""

from __future__ import annotations

from .controller import BuildsController


def build() -> BuildsController:
    return BuildsController()


__all__ = ["BuildsController", "build"]
