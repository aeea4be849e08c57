"""SSH endpoints of Git URLs and the host keys their servers present, as plain values.

A host key is pinned the first time a build reaches a server (trust on first use, like
ssh's accept-new, but kept in the database rather than in one container's home folder, so
it survives restarts and is the same for every replica) and required on every later use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

SSH_SCHEMES = ("ssh", "git+ssh", "ssh+git")
# A DNS name or an IPv4 address; an IPv6 address comes in brackets. Nothing else reaches ssh.
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]")
# scp-like syntax: [user@]host:path (a colon before any slash, and no scheme).
_SCP_LIKE = re.compile(r"(?:[^@/:\s]+@)?(?P<host>[^@/:\s\[\]]+|\[[^\]\s]+\]):(?!//)")
KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
MAX_KEY_CHARS = 4096  # a 16 384-bit RSA key is ~2 800 base64 characters


@dataclass(frozen=True)
class SshEndpoint:
    host: str  # as ssh is given it: a name, an IPv4 address or a bracketed IPv6 one
    port: int = 22

    @property
    def token(self) -> str:
        """How known_hosts names it: the host alone on port 22, else [host]:port."""
        bare = self.host.strip("[]")
        return bare if self.port == 22 else f"[{bare}]:{self.port}"

    @property
    def address(self) -> str:
        """The host as ssh-keyscan takes it (no brackets)."""
        return self.host.strip("[]")


@dataclass(frozen=True)
class HostKey:
    host: str  # the known_hosts token of the endpoint
    key_type: str
    key: str  # base64, as in known_hosts

    @property
    def fingerprint(self) -> str:
        """As `ssh-keygen -l` shows it: SHA256: and the unpadded base64 of the key's hash."""
        digest = hashlib.sha256(base64.b64decode(self.key)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    @property
    def line(self) -> str:
        return f"{self.host} {self.key_type} {self.key}"


def ssh_endpoint(url: str) -> SshEndpoint | None:
    """The SSH server a Git URL reaches, or None when it is not reached over SSH."""
    scheme, found, _ = url.partition("://")
    if found:
        if scheme.lower() not in SSH_SCHEMES:
            return None
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        if host.startswith("["):
            host = host[: host.index("]") + 1] if "]" in host else host
        else:
            host = host.partition(":")[0]
        try:
            port = parts.port or 22
        except ValueError:
            return None
        return _endpoint(host, port)
    match = _SCP_LIKE.match(url)
    if match is None or url.startswith(("/", ".")):
        return None
    return _endpoint(match["host"], 22)


def _endpoint(host: str, port: int) -> SshEndpoint | None:
    if not _HOST.fullmatch(host) or not 0 < port < 65536:
        return None
    return SshEndpoint(host, port)


def parse_scanned(output: str, endpoint: SshEndpoint) -> list[HostKey]:
    """The keys in ssh-keyscan's output, named by the endpoint's token whatever it printed."""
    found: dict[str, HostKey] = {}
    for raw in output.splitlines():
        fields = raw.split()
        if len(fields) < 3 or raw.startswith("#"):
            continue
        key_type, key = fields[1], fields[2]
        if key_type in KEY_TYPES and _is_base64(key):
            found.setdefault(key_type, HostKey(endpoint.token, key_type, key))
    return sorted(found.values(), key=lambda hk: hk.key_type)


def _is_base64(text: str) -> bool:
    if len(text) > MAX_KEY_CHARS:
        return False
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
