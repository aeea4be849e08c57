"""Where a host-path volume may live, and who mounts a volume: pure rules, no filesystem."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from controllers.volumes.policy import HostRules, host_path_refusal, users_of
from controllers.volumes.settings import DEFAULT_PROTECTED
from zaneops.specs.storage import host_paths_overlap as overlaps

ROOT = "/var/lib/zaneops/volumes"
RULES = HostRules(
    root=PurePosixPath(ROOT),
    real_root=PurePosixPath(ROOT),
    protected=tuple(PurePosixPath(p) for p in DEFAULT_PROTECTED),
)


def reason(path: str, resolved: str | None = None) -> str | None:
    refusal = host_path_refusal(path, resolved or path, RULES)
    return None if refusal is None else refusal.reason


def test_a_folder_under_the_root_is_allowed_even_though_the_root_is_a_platform_folder() -> None:
    """The default root lies in /var/lib/zaneops, which is otherwise protected."""
    assert reason(f"{ROOT}/shop/db") is None


@pytest.mark.parametrize(
    "path",
    ["/", "/etc", "/etc/nginx", "/var/run/docker.sock", "/var/lib/docker/volumes", "/var"],
)
def test_system_folders_the_docker_socket_and_what_holds_them_are_protected(path: str) -> None:
    """Each of them is refused as protected, with a message naming what it is."""
    assert reason(path) == "HostPathProtected"


def test_the_docker_socket_is_named_as_such_in_the_message() -> None:
    """The person sees why: it gives control of the host."""
    refusal = host_path_refusal("/run/docker.sock", "/run/docker.sock", RULES)
    assert refusal is not None and "Docker socket" in refusal.message


def test_the_platforms_own_folders_outside_the_root_are_protected() -> None:
    """/var/lib/zaneops/local (the platform's state) is not excused by the root."""
    assert reason("/var/lib/zaneops/local") == "HostPathProtected"
    assert reason("/var/lib/zaneops") == "HostPathProtected"


def test_a_path_outside_the_root_is_refused_with_the_root_in_the_message() -> None:
    refusal = host_path_refusal("/srv/data", "/srv/data", RULES)
    assert refusal is not None and refusal.reason == "HostPathOutsideRoot"
    assert ROOT in refusal.message


def test_the_root_itself_is_refused() -> None:
    """It holds every volume's data: no single volume may bind all of it."""
    assert reason(ROOT) is not None


def test_a_symlink_escaping_the_root_is_refused_by_its_resolved_path() -> None:
    assert reason(f"{ROOT}/link/data", "/srv/elsewhere/data") == "HostPathEscapesRoot"


def test_a_symlink_to_a_protected_folder_is_refused_as_protected() -> None:
    assert reason(f"{ROOT}/link", "/etc") == "HostPathProtected"


def test_folders_overlap_when_one_lies_in_the_other() -> None:
    assert overlaps("/a/b", "/a/b/c") and overlaps("/a/b", "/a/b")
    assert not overlaps("/a/b", "/a/bc")


def test_users_are_the_services_whose_spec_or_deployment_mounts_the_slug() -> None:
    """A service that dropped the mount from its spec still uses it while deployed with it."""
    mounting = {"volumes": [{"volume": "data", "container_path": "/d"}]}
    specs = {
        "web": [{"volumes": []}, mounting],
        "db": [mounting],
        "cache": [{"volumes": [{"volume": "other", "container_path": "/o"}]}],
    }
    assert users_of("data", specs) == ["db", "web"]
