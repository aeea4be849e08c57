"""The routes controller: domain specs converged into Caddy through its admin API."""

from controllers.routes.controller import RoutesController, build

__all__ = ["RoutesController", "build"]
