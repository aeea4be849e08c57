"""Git checkouts through the `git` binary: one method per outside operation.

Every run has a deadline, never prompts (GIT_TERMINAL_PROMPT=0, ssh BatchMode), and hands
each output line to the caller as it comes, with secrets scrubbed. A token travels in the
environment (an http.extraHeader through GIT_CONFIG_*), never on the command line.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zaneops.adapters.ssh_keys import HostKey, SshEndpoint, parse_scanned

OnLine = Callable[[str], Awaitable[None]]
FULL_SHA = re.compile(r"[0-9a-f]{40}")
# user:password@ in a URL: never shown, even when it is not one of our secrets.
_URL_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
KEYSCAN_TIMEOUT = 10
MAX_SCAN_CHARS = 64 * 1024
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_ASKPASS": "/bin/true"}


class GitError(Exception):
    """A git command failed; the message is scrubbed of secrets and safe to show."""


@dataclass(frozen=True)
class GitAuth:
    """Plain-text credentials for one checkout (opened from their sealed form by the caller)."""

    token: str | None = field(default=None, repr=False)
    username: str = "x-access-token"
    ssh_key: str | None = field(default=None, repr=False)
    # The server's pinned host keys, as known_hosts lines: ssh accepts no other (and with
    # none, refuses every server: the caller pins a key before the first SSH run).
    known_hosts: tuple[str, ...] = ()

    def secrets(self) -> list[str]:
        found = [s for s in (self.token, self.ssh_key) if s]
        if self.token:
            found.append(_basic(self.username, self.token))
        return found


@dataclass(frozen=True)
class Repository:
    """What to check out: a URL, a branch, and optionally one commit of it."""

    url: str
    branch: str
    commit: str | None = None
    auth: GitAuth = field(default_factory=GitAuth)


def _basic(username: str, token: str) -> str:
    return base64.b64encode(f"{username}:{token}".encode()).decode()


def scrub(text: str, secrets: list[str]) -> str:
    """The text with every secret and URL password replaced by ***."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return _URL_USERINFO.sub(r"\g<scheme>***@", text)


def head_in(ls_remote_output: str, branch: str) -> str | None:
    """The branch's commit in `git ls-remote` output, which may hold ssh's notices too."""
    wanted = f"refs/heads/{branch}"
    for line in ls_remote_output.splitlines():
        commit, _, ref = line.partition("\t")
        if ref == wanted and FULL_SHA.fullmatch(commit):
            return commit
    return None


# git's closing advice after any remote failure: it says nothing about the cause.
_ADVICE = ("Please make sure you have the correct access rights", "and the repository exists.")


def failure_summary(output: str, lines: int = 2) -> str:
    """The last lines of a failed command's output that say what went wrong."""
    telling = [
        line.strip() for line in output.splitlines() if line.strip() and line.strip() not in _ADVICE
    ]
    return "; ".join(telling[-lines:]) or "no output"


def cloneable_url(url: str) -> str:
    """A local path as file://: git ignores --depth for plain local paths."""
    return f"file://{url}" if url.startswith("/") else url


class Git:
    """Runs git with a deadline per command; the caller picks the work folder."""

    def __init__(
        self, timeout_seconds: float = 600.0, binary: str = "git", keyscan: str = "ssh-keyscan"
    ) -> None:
        self._timeout = timeout_seconds
        self._binary = binary
        self._keyscan = keyscan

    async def scan_host_keys(self, endpoint: SshEndpoint) -> list[HostKey]:
        """The host keys the server presents now (ssh-keyscan), to pin at first use."""
        args = ["-T", str(KEYSCAN_TIMEOUT), "-p", str(endpoint.port), "--", endpoint.address]
        process = await asyncio.create_subprocess_exec(
            self._keyscan,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(KEYSCAN_TIMEOUT + 5):
                out, err = await process.communicate()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            message = f"{endpoint.token} sent no SSH host key within {KEYSCAN_TIMEOUT} s"
            raise GitError(message) from None
        keys = parse_scanned(out.decode(errors="replace")[:MAX_SCAN_CHARS], endpoint)
        if not keys:
            said = failure_summary(err.decode(errors="replace")[:MAX_SCAN_CHARS])
            raise GitError(f"{endpoint.token} sent no SSH host key ({said})")
        return keys

    async def head_of(self, repo: Repository, on_line: OnLine) -> str | None:
        """The commit the branch points at on the remote; None if the remote has no such branch."""
        url, ref = cloneable_url(repo.url), f"refs/heads/{repo.branch}"
        args = ["ls-remote", "--heads", "--", url, ref]
        out = await self._run(args, repo.auth, on_line, quiet=True)
        return head_in(out, repo.branch)

    async def checkout(self, repo: Repository, dest: Path, on_line: OnLine) -> str:
        """A shallow checkout of the branch head or of repo.commit into dest; returns its commit."""
        source, auth = cloneable_url(repo.url), repo.auth
        if repo.commit is None:
            shallow = ["--depth", "1", "--single-branch", "--branch", repo.branch]
            await self._run(["clone", *shallow, "--", source, str(dest)], auth, on_line)
        elif not await self._fetch_commit(source, dest, repo.commit, auth, on_line):
            await on_line("the server refused a fetch by commit: cloning the whole history instead")
            await self._full_clone_at(source, dest, repo.commit, auth, on_line)
        head = await self._run(["-C", str(dest), "rev-parse", "HEAD"], auth, on_line, quiet=True)
        return head.strip()

    async def on_branch(self, repo: Repository, dest: Path, commit: str, on_line: OnLine) -> bool:
        """Whether `commit` (checked out in dest) is on the branch: reachable from its head.
        Fetches the branch's history, without file contents, into the checkout."""
        local = str(dest)
        shallow = await self._run(
            ["-C", local, "rev-parse", "--is-shallow-repository"], repo.auth, on_line, quiet=True
        )
        tracking = f"refs/remotes/origin/{repo.branch}"
        fetch = ["-C", local, "fetch", "-q", "--filter=blob:none"]
        if shallow.strip() == "true":
            fetch.append("--unshallow")
        refspec = f"+refs/heads/{repo.branch}:{tracking}"
        await self._run([*fetch, "--", "origin", refspec], repo.auth, on_line, quiet=True)
        ancestry = ["-C", local, "merge-base", "--is-ancestor", commit, tracking]
        try:
            await self._run(ancestry, repo.auth, on_line, quiet=True)
        except GitError:
            return False
        return True

    async def _fetch_commit(
        self, source: str, dest: Path, commit: str, auth: GitAuth, on_line: OnLine
    ) -> bool:
        """Servers only hand out full hashes they were asked for by name, and some refuse it."""
        if not FULL_SHA.fullmatch(commit):
            return False
        dest.mkdir(parents=True, exist_ok=True)
        await self._run(["init", "-q", str(dest)], auth, on_line, quiet=True)
        await self._run(["-C", str(dest), "remote", "add", "--", "origin", source], auth, on_line)
        try:
            await self._run(
                ["-C", str(dest), "fetch", "--depth", "1", "--", "origin", commit], auth, on_line
            )
        except GitError:
            _empty(dest)
            return False
        await self._run(["-C", str(dest), "checkout", "-q", "FETCH_HEAD"], auth, on_line)
        return True

    async def _full_clone_at(
        self, source: str, dest: Path, commit: str, auth: GitAuth, on_line: OnLine
    ) -> None:
        await self._run(["clone", "--no-checkout", "--", source, str(dest)], auth, on_line)
        await self._run(["-C", str(dest), "checkout", "-q", commit], auth, on_line)

    async def _run(
        self, args: list[str], auth: GitAuth, on_line: OnLine, quiet: bool = False
    ) -> str:
        """Run one git command to completion; its output lines go to on_line unless quiet."""
        with _credentials_env(auth) as env:
            process = await asyncio.create_subprocess_exec(
                self._binary,
                *args,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                async with asyncio.timeout(self._timeout):
                    output = await _collect(process, auth, on_line, quiet)
            except BaseException:  # timed out or cancelled: git must not outlive us
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
                raise
        if process.returncode != 0:
            command = args[0] if args[0] != "-C" else args[2]
            raise GitError(f"git {command} failed: {failure_summary(output)}")
        return output


async def _collect(
    process: asyncio.subprocess.Process, auth: GitAuth, on_line: OnLine, quiet: bool
) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    secrets = auth.secrets()
    async for raw in process.stdout:
        line = scrub(raw.decode(errors="replace").rstrip("\r\n"), secrets)
        lines.append(line)
        if not quiet:
            await on_line(line)
    await process.wait()
    return "\n".join(lines)


@contextlib.contextmanager
def _credentials_env(auth: GitAuth) -> Iterator[dict[str, str]]:
    """The environment for one git run; the pinned host keys and an SSH key live in private
    temp files meanwhile."""
    env = {**os.environ, **_GIT_ENV}
    if auth.token:
        header = f"Authorization: Basic {_basic(auth.username, auth.token)}"
        env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader")
        env["GIT_CONFIG_VALUE_0"] = header
    with tempfile.TemporaryDirectory(prefix="zane-ssh-") as folder:
        known = Path(folder) / "known_hosts"
        known.write_text("".join(f"{line}\n" for line in auth.known_hosts))
        ssh = [
            "ssh",
            *("-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"),
            *("-o", f"UserKnownHostsFile={known}", "-o", "GlobalKnownHostsFile=/dev/null"),
            *("-o", "UpdateHostKeys=no", "-o", "LogLevel=ERROR"),
        ]
        if auth.ssh_key:
            key = Path(folder) / "key"
            key.touch(mode=0o600)
            key.write_text(auth.ssh_key.strip() + "\n")
            ssh += ["-i", str(key), "-o", "IdentitiesOnly=yes"]
        env["GIT_SSH_COMMAND"] = shlex.join(ssh)
        yield env


def _empty(folder: Path) -> None:
    """Leave folder absent, so a clone can start over in it."""
    shutil.rmtree(folder, ignore_errors=True)
