"""Private Git servers for the builds tests: smart HTTP behind Basic auth, and SSH with one key.

HTTP runs in a thread of the test process: a small handler checks the Authorization header and
hands the request to `git http-backend` (git's own CGI program). SSH runs sshd in a container
built FROM the local Debian base, the repository bind-mounted, one authorized key.
"""

from __future__ import annotations

import base64
import io
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from docker.errors import ImageNotFound
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer

from tests.support import swarm as sw

# testcontainers' reaper (Ryuk) is an image from a registry this machine cannot reach; each
# server here is removed by the context that started it (and remove_everything by its label).
testcontainers_config.ryuk_disabled = True

HTTP_BACKEND = "/usr/lib/git-core/git-http-backend"
SSHD_IMAGE = "zaneops/test-sshd:local"
SSHD_DOCKERFILE = """FROM zaneops/debian-base:bookworm
RUN apt-get update -q && apt-get install -y -q --no-install-recommends openssh-server git \\
    && rm -rf /var/lib/apt/lists/* && mkdir -p /run/sshd
CMD ["/usr/sbin/sshd", "-D", "-e"]
"""


def bare_copy(repo: Path, dest: Path) -> Path:
    """A bare clone of repo at dest: what a Git host serves."""
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(dest)], check=True, timeout=30)
    return dest


# --- smart HTTP ---------------------------------------------------------------------------


class _GitHttp(BaseHTTPRequestHandler):
    """Basic auth in front of git http-backend; the server carries root and the credentials."""

    server: _GitHttpServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet

    def _serve(self) -> None:
        if self.headers.get("Authorization") != self.server.expected_authorization:
            self._reply(401, [("WWW-Authenticate", 'Basic realm="git"')], b"")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._reply(*_run_backend(self.server.root, self.command, self.path, self.headers, body))

    def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _GitHttpServer(ThreadingHTTPServer):
    def __init__(self, root: Path, username: str, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _GitHttp)
        self.root = root
        basic = base64.b64encode(f"{username}:{token}".encode()).decode()
        self.expected_authorization = f"Basic {basic}"


def _run_backend(
    root: Path, method: str, target: str, headers: Message, body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request through git http-backend (CGI): its status, headers and body."""
    path, _, query = target.partition("?")
    env = {
        "GIT_PROJECT_ROOT": str(root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": "deployer",
        "GIT_PROTOCOL": headers.get("Git-Protocol", ""),
        "HTTP_CONTENT_ENCODING": headers.get("Content-Encoding", ""),
    }
    done = subprocess.run(
        [HTTP_BACKEND], input=body, env=env, capture_output=True, timeout=60, check=True
    )
    head, _, payload = done.stdout.partition(b"\r\n\r\n")
    status, replied = 200, []
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name:
            replied.append((name, value.strip()))
    return status, replied, payload


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, made with openssl; the certificate is its own CA."""
    cert, key = folder / "git-server.crt", folder / "git-server.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


@contextmanager
def https_git_server(root: Path, username: str, token: str) -> Iterator[tuple[str, Path]]:
    """Serves the bare repositories under root over HTTPS (tokens go only over https);
    yields the base URL and the certificate a client must trust (set GIT_SSL_CAINFO)."""
    server = _GitHttpServer(root, username, token)
    cert, key = self_signed_certificate(root.parent)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert
    finally:
        server.shutdown()
        server.server_close()


# --- SSH ----------------------------------------------------------------------------------


def new_deploy_key(folder: Path) -> tuple[str, str]:
    """A fresh ed25519 key pair: (private key text, public key line)."""
    key = folder / "deploy_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "deploy", "-f", str(key)],
        check=True,
        timeout=30,
    )
    return key.read_text(), (folder / "deploy_key.pub").read_text().strip()


def _ensure_sshd_image() -> None:
    client = sw.client()
    with suppress(ImageNotFound):
        client.images.get(SSHD_IMAGE)
        return
    dockerfile = io.BytesIO(SSHD_DOCKERFILE.encode())  # no COPY: no context needed
    client.images.build(fileobj=dockerfile, tag=SSHD_IMAGE, rm=True)


def _wait_for_banner(port: int, timeout: float = 20.0) -> None:
    """sshd listens a moment after its container starts; a clone before that would fail."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                if conn.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"sshd on port {port} never answered")
        time.sleep(0.2)


def new_host_key(folder: Path) -> tuple[Path, str]:
    """A fresh ed25519 host key for sshd: (private key file, its SHA256 fingerprint)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "ssh_host_ed25519_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", str(key)],
        check=True,
        timeout=30,
    )
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-f", f"{key}.pub"], check=True, capture_output=True, text=True
    )
    return key, listed.stdout.split()[1]


@contextmanager
def ssh_git_server(
    instance: str,
    root: Path,
    public_key: str,
    host_key: Path | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """sshd serving root at /srv/git for root@ with public_key; yields ssh://root@127.0.0.1:PORT.
    With host_key, sshd presents that key alone; with port, it listens there (a server
    replaced by another at the same address)."""
    _ensure_sshd_image()
    keys = root.parent / "authorized_keys"
    keys.write_text(public_key + "\n")
    keys.chmod(0o600)
    server = (
        DockerContainer(SSHD_IMAGE, labels={"zane.instance": instance})
        .with_volume_mapping(root, "/srv/git", "rw")
        .with_volume_mapping(keys, "/root/.ssh/authorized_keys", "ro")
    )
    # Loopback only: nothing but this machine's tests may reach it. with_bind_ports takes no
    # host address; its ports mapping goes to docker-py as is, which takes (address, port).
    server.ports["22/tcp"] = ("127.0.0.1", port)
    if host_key is not None:
        host_key.chmod(0o600)
        server.with_volume_mapping(host_key, "/etc/zane-host-key", "ro")
        server.with_command(["/usr/sbin/sshd", "-D", "-e", "-h", "/etc/zane-host-key"])
    with server:
        bound = int(server.get_exposed_port(22))
        _wait_for_banner(bound)
        yield f"ssh://root@127.0.0.1:{bound}"
