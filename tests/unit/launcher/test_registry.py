"""One entry registers a controller: the stack, local mode and `controller run` all follow it.

tests/support/noop.py is a controller added by following docs/architecture.md and nothing
else; these tests hold the platform to what that page promises.
"""

from __future__ import annotations

import subprocess
import sys

from controllers.registry import ENTRIES
from launcher.controller_process import find_entry, reference
from launcher.local_processes import platform_components
from launcher.platform.settings import Platform, PlatformSettings
from launcher.platform.stack import StackInputs, render
from tests.support import noop
from tests.support.processes import REPO

IMAGES = {
    "app": "zaneops/app:a",
    "postgres": "p",
    "redis": "r",
    "mariadb": "zaneops/mariadb:d",
    "proxy": "c",
    "probe": "b",
    "metrics": "m",
    "node-exporter": "n",
}


def stack_with(*extra: object) -> dict[str, object]:
    platform = Platform("zaneops", PlatformSettings(controller_replicas=2))
    services: dict[str, object] = render(StackInputs(platform, IMAGES, (*ENTRIES, noop.ENTRY)))[
        "services"
    ]
    return services


def test_a_new_entry_is_its_own_swarm_service_with_only_what_it_declares() -> None:
    """controller-noop: runs its entry by reference, no host mounts, its memory, its settings."""
    service = stack_with()["controller-noop"]
    assert isinstance(service, dict)
    assert service["command"] == ["controller", "run", "tests.support.noop:ENTRY"]
    assert service["volumes"] == []
    assert service["networks"] == ["platform"]
    assert service["deploy"]["replicas"] == 2
    assert service["deploy"]["resources"]["limits"]["memory"] == "64M"
    assert service["environment"]["ZANE_RUNTIME_WORKERS"] == "1"


def test_a_new_entry_is_one_more_local_process() -> None:
    """Local mode starts the API and one `zaneops controller run` per entry."""
    components = platform_components((*ENTRIES, noop.ENTRY))
    by_name = {component.name: component.argv for component in components}
    assert set(by_name) == {"api", *(e.component for e in ENTRIES), "controller-noop"}
    assert by_name["controller-noop"][-3:] == ("controller", "run", "tests.support.noop:ENTRY")
    assert by_name["controller-services"][-1] == "services"


def test_controller_run_finds_an_entry_by_name_or_by_its_module() -> None:
    """What the stack and local mode write is what `zaneops controller run` reads back."""
    for entry in (*ENTRIES, noop.ENTRY):
        assert find_entry(reference(entry)) is entry


def test_a_controller_process_imports_its_own_package_and_no_other_controller() -> None:
    """`controller run networks` loads controllers.networks only: each process spares the
    modules of the other controllers (memory on a small server)."""
    script = (
        "import sys; from launcher.controller_process import find_entry; "
        "find_entry('networks'); "
        "print(sorted(m for m in sys.modules if m.count('.') == 1 "
        "and m.startswith('controllers.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    loaded = done.stdout.strip()
    assert "'controllers.networks'" in loaded
    for other in ("backups", "builds", "notifications", "routes", "runs", "services", "volumes"):
        assert f"'controllers.{other}'" not in loaded, loaded
