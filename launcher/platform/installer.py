"""`zaneops up/down/status`: the steps, in order, over a Docker port and the build contexts.

Each step is idempotent and skips itself when the world already matches: an unchanged second
run builds nothing, creates nothing and deploys nothing.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from controllers.entry import ControllerEntry
from controllers.registry import ENTRIES
from launcher.platform import health
from launcher.platform.build_context import BuildContexts, build_dashboard
from launcher.platform.images import UPSTREAM_PROBE, ImageRecipe, Variant, recipes
from launcher.platform.secrets import ADMIN_PASSWORD, plan_secrets, secret_name
from launcher.platform.settings import ImageSource, Platform
from launcher.platform.stack import StackInputs, expected_hashes, render, stack_text
from launcher.platform.stack_parts import labels
from zaneops.adapters.docker.platform import ServiceState
from zaneops.common import naming

Echo = Callable[[str], None]


class DockerPort(Protocol):
    """What the installer needs from Docker (zaneops.adapters.docker.platform implements it)."""

    def image_exists(self, tag: str) -> bool: ...
    def build_image(
        self, context: Path, dockerfile: str, tag: str, labels: dict[str, str]
    ) -> None: ...
    def registry_reachable(self, image: str) -> bool: ...
    def secret_names(self, instance: str) -> set[str]: ...
    def create_secret(self, name: str, value: str, labels: dict[str, str]) -> None: ...
    def remove_secret(self, name: str) -> None: ...
    def ensure_network(self, name: str, labels: dict[str, str]) -> bool: ...
    def network_subnets(self, name: str) -> tuple[str, ...]: ...
    def deploy_stack(self, stack: str, compose_file: Path) -> None: ...
    def remove_stack(self, stack: str, network: str) -> None: ...
    def stack_services(self, stack: str) -> list[ServiceState]: ...
    def schedulable_managers(self) -> int: ...


@dataclass
class UpResult:
    admin_password: str | None = None  # set only by the run that created it
    built: list[str] = field(default_factory=list)
    deployed: bool = False
    images: dict[str, str] = field(default_factory=dict)


def choose_variant(source: ImageSource, reachable: Callable[[], bool]) -> Variant:
    """local/upstream as asked; auto asks the registry (only then) whether upstream is there."""
    if source == "auto":
        return "upstream" if reachable() else "local"
    return source


def platform_network(instance: str) -> str:
    return f"{instance}-platform"


class Installer:
    def __init__(
        self,
        platform: Platform,
        docker: DockerPort,
        contexts: BuildContexts,
        echo: Echo,
        controllers: tuple[ControllerEntry, ...] = ENTRIES,
    ) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.docker = docker
        self.contexts = contexts
        self.echo = echo
        self.instance = platform.instance
        self.controllers = controllers
        # Set as soon as it is created: shown even if a later step fails, or it would be lost.
        self.new_admin_password: str | None = None

    # --- up -------------------------------------------------------------------------------

    def up(self) -> UpResult:
        result = UpResult()
        result.images = self.ensure_images(result)
        result.admin_password = self.ensure_secrets()
        self.ensure_host_folders()
        front = naming.front_network(self.instance)
        if self.docker.ensure_network(front, labels(self.instance)):
            self.echo(f"network: {front} created")
        inputs = StackInputs(
            self.platform,
            result.images,
            self.controllers,
            self.docker.network_subnets(front),
            managers=self.docker.schedulable_managers(),
        )
        document = render(inputs)
        result.deployed = self.deploy(document)
        self.wait_healthy(expected_hashes(document))
        return result

    def ensure_images(self, result: UpResult) -> dict[str, str]:
        variant = choose_variant(
            self.settings.images,
            lambda: self.docker.registry_reachable(UPSTREAM_PROBE),
        )
        build_dashboard(self.contexts.repo / "ui", self.echo)
        plan = recipes(self.contexts.repo, variant, self.settings.image_marker)
        for recipe in plan.values():
            if not self.docker.image_exists(recipe.tag):
                self.build(recipe)
                result.built.append(recipe.tag)
        self.echo(f"images ({variant}): " + ", ".join(r.tag for r in plan.values()))
        return {component: recipe.tag for component, recipe in plan.items()}

    def build(self, recipe: ImageRecipe) -> None:
        self.echo(f"image {recipe.tag}: building")
        started = time.monotonic()
        image_labels = {naming.LABEL_MANAGED: "true", "zane.context-hash": recipe.tag}
        if recipe.component != "app":
            self.docker.build_image(recipe.context, recipe.dockerfile, recipe.tag, image_labels)
        else:
            with tempfile.TemporaryDirectory(prefix="zaneops-app-") as folder:
                context = self.contexts.app_context(recipe, Path(folder) / "context")
                self.docker.build_image(context, recipe.dockerfile, recipe.tag, image_labels)
        self.echo(f"image {recipe.tag}: built in {time.monotonic() - started:.0f} s")

    def ensure_secrets(self) -> str | None:
        """Creates what is missing; returns the admin password if it was created now."""
        prefix = f"{self.instance}_"
        existing = {
            name.removeprefix(prefix)
            for name in self.docker.secret_names(self.instance)
            if name.startswith(prefix)
        }
        plan = plan_secrets(existing)
        for name in plan.remove:
            self.docker.remove_secret(secret_name(self.instance, name))
        for name, value in plan.create.items():
            self.docker.create_secret(
                secret_name(self.instance, name), value, labels(self.instance)
            )
        if plan.create:
            self.echo(f"secrets created: {', '.join(sorted(plan.create))}")
        self.new_admin_password = plan.create.get(ADMIN_PASSWORD)
        return self.new_admin_password

    def ensure_host_folders(self) -> None:
        for folder in (
            self.platform.run_dir,
            self.platform.volumes_root,
            self.platform.builds_workdir,
            self.platform.backups_root,
            self.platform.stack_file.parent,
        ):
            folder.mkdir(parents=True, exist_ok=True)

    def deploy(self, document: dict[str, object]) -> bool:
        """Writes the stack file; runs `docker stack deploy` only if some service differs."""
        self.platform.stack_file.write_text(stack_text(document))
        states = self.docker.stack_services(self.instance)
        changed = health.differing(states, expected_hashes(document))
        if not changed:
            self.echo("stack: unchanged")
            return False
        self.echo(f"stack: deploying {self.platform.stack_file} ({', '.join(changed)})")
        self.docker.deploy_stack(self.instance, self.platform.stack_file)
        return True

    def wait_healthy(self, expected: dict[str, str]) -> None:
        """Prints a line whenever a component's state changes; raises past the deadline."""
        deadline = time.monotonic() + self.settings.wait_seconds
        shown: dict[str, str] = {}
        while True:
            states = self.docker.stack_services(self.instance)
            self._show(states, expected, shown)
            waiting = health.pending(states, expected)
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise health.PlatformFailed(f"not healthy in time: {', '.join(waiting)}")
            time.sleep(0.5)

    def _show(
        self, states: list[ServiceState], expected: dict[str, str], shown: dict[str, str]
    ) -> None:
        for state in states:
            wanted = expected.get(state.component, "")
            health.check_not_stuck(state, wanted)
            line = health.describe(state, wanted)
            if shown.get(state.component) != line:
                shown[state.component] = line
                self.echo(line)

    # --- down and status ------------------------------------------------------------------

    def down(self) -> None:
        """Removes the platform's services (and its private network); keeps volumes, secrets,
        users' services and their environments' networks."""
        self.docker.remove_stack(self.instance, platform_network(self.instance))

    def status(self) -> list[ServiceState]:
        return sorted(self.docker.stack_services(self.instance), key=lambda s: s.component)
