"""Which Git URLs reach an SSH server, how known_hosts names it, and what a key's
fingerprint is (as ssh-keygen computes it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from zaneops.adapters.ssh_keys import HostKey, SshEndpoint, parse_scanned, ssh_endpoint


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ssh://git@example.com/owner/app.git", SshEndpoint("example.com", 22)),
        ("ssh://git@example.com:2222/owner/app.git", SshEndpoint("example.com", 2222)),
        ("git+ssh://example.com/app.git", SshEndpoint("example.com", 22)),
        ("git@github.com:owner/app.git", SshEndpoint("github.com", 22)),
        ("github.com:owner/app.git", SshEndpoint("github.com", 22)),
        ("ssh://root@[::1]:2222/srv/git/app.git", SshEndpoint("[::1]", 2222)),
        ("ssh://root@127.0.0.1:40022/srv/git/app.git", SshEndpoint("127.0.0.1", 40022)),
    ],
)
def test_ssh_urls_name_their_server(url: str, expected: SshEndpoint) -> None:
    assert ssh_endpoint(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/owner/app.git",
        "http://example.com:8080/app.git",
        "file:///srv/git/app.git",
        "/srv/git/app.git",
        "./relative/app.git",
        "ssh://-oProxyCommand=touch%20x/app.git",  # an option where the host goes
        "-oProxyCommand=x:app.git",
        "ssh://example.com:99999/app.git",
    ],
)
def test_other_urls_and_hosts_that_are_not_names_reach_no_ssh_server(url: str) -> None:
    assert ssh_endpoint(url) is None


def test_known_hosts_names_a_server_alone_on_22_and_bracketed_with_any_other_port() -> None:
    assert SshEndpoint("example.com").token == "example.com"
    assert SshEndpoint("example.com", 2222).token == "[example.com]:2222"
    assert SshEndpoint("[::1]", 2222).token == "[::1]:2222"
    assert SshEndpoint("[::1]", 2222).address == "::1"


def test_a_fingerprint_is_what_ssh_keygen_shows(tmp_path: Path) -> None:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    key_type, blob = (tmp_path / "key.pub").read_text().split()[:2]
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-f", f"{key}.pub"], check=True, capture_output=True, text=True
    )
    assert HostKey("h", key_type, blob).fingerprint == listed.stdout.split()[1]


def test_scanned_keys_are_named_by_the_endpoint_and_junk_is_dropped() -> None:
    endpoint = SshEndpoint("127.0.0.1", 2222)
    output = "\n".join(
        [
            "# 127.0.0.1:2222 SSH-2.0-OpenSSH_9.2p1",
            "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJzuFR7xDbW8ymeUVcFZyvbUbXJRC2dR",
            "[127.0.0.1]:2222 ssh-ed25519 AAAAsecondkeyofthesametype0000000000000000000000000000",
            "other.host ecdsa-sha2-nistp256 not*base64",
            "x ssh-dss AAAAB3NzaC1kc3MAAACBAP",
            "short line",
        ]
    )
    [key] = parse_scanned(output, endpoint)
    assert key.host == "[127.0.0.1]:2222" and key.key_type == "ssh-ed25519"
    assert key.key.startswith("AAAAC3Nz")
    assert key.line == f"[127.0.0.1]:2222 ssh-ed25519 {key.key}"
