"""Volume snapshots with restic, the pure part: the scripts the snapshot containers run (no
user string in them: every name comes from the environment), the repository's password
(derived from the sealing key, never stored), and the manifest that judges a restore.

A manifest is one line per regular file, "<sha256>  <path>", and per symbolic link,
"link <target>  <path>", sorted; its digest is the sha256 of those lines. Paths are relative
to the volume's root (sha256sum escapes a name holding a newline or a backslash)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from zaneops.adapters.docker.snapshots import Mounted
from zaneops.adapters.s3 import Bucket

MOUNT = "/data"  # the volume; restic restores a snapshot of "." taken there into the target
RESTORE_ROOT = "/restore"  # where a restore lands (a new volume, or a scratch folder)
REPOSITORY_MOUNT = "/repository"  # a local repository, mounted there
MANIFEST_LINE = "M "  # prefixes each manifest line on stdout
BEFORE_LINE = "B "  # the manifest before the backup, when the volume is not paused
SUMMARY_LINE = "SUMMARY "
_SHELL_MANIFEST = (
    # Regular files' checksums, then links' targets; LC_ALL=C: a byte order, as Python sorts.
    'manifest() { (cd "$1" && { find . -type f -print0 | LC_ALL=C sort -z '
    "| xargs -0 -r sha256sum; "
    "find . -type l -printf 'link %l  %p\\n'; } | LC_ALL=C sort | sed \"s/^/$2/\"); }\n"
)

# Env: BACKUP_TAG; MANIFEST_BEFORE=1 when the volume is not paused (files may change meanwhile).
SNAPSHOT_SCRIPT = (
    "set -eu\n"
    + _SHELL_MANIFEST
    + "restic cat config >/dev/null 2>&1 || restic init >&2\n"
    + 'if [ "${MANIFEST_BEFORE:-0}" = 1 ]; then manifest /data "B "; fi\n'
    + "cd /data\n"
    + 'restic backup --json --host zaneops --tag "$BACKUP_TAG" . '
    + "| grep '\"message_type\":\"summary\"' | sed 's/^/SUMMARY /'\n"
    + 'manifest /data "M "\n'
)

# Env: SNAPSHOT_ID, CHECK_SUBSET ("" for every pack, else e.g. "25%").
VERIFY_SCRIPT = (
    "set -eu\n"
    + _SHELL_MANIFEST
    + "echo 'STEP check' >&2\n"
    + 'if [ -n "${CHECK_SUBSET:-}" ]; then restic check --read-data-subset "$CHECK_SUBSET" >&2; '
    + "else restic check --read-data >&2; fi\n"
    + "echo 'STEP restore' >&2\n"
    + 'restic restore "$SNAPSHOT_ID" --target /restore --verify >&2\n'
    + 'manifest /restore "M "\n'
)

# Env: SNAPSHOT_ID. The new volume is mounted at /restore. One not empty is not restored into:
# its manifest is printed (a restore cut off by a crash after it ended is recognised by it).
RESTORE_SCRIPT = (
    "set -eu\n"
    + _SHELL_MANIFEST
    + 'if [ -n "$(ls -A /restore)" ]; then manifest /restore "M "; exit 3; fi\n'
    + 'restic restore "$SNAPSHOT_ID" --target /restore --verify >&2\n'
    + 'manifest /restore "M "\n'
)
NOT_EMPTY_EXIT = 3

# Env: BACKUP_TAG. Forgets the snapshots this backup made (found by their tag, even one whose
# id was never recorded), then prunes the data no snapshot needs.
FORGET_SCRIPT = (
    "set -eu\n"
    + "restic cat config >/dev/null 2>&1 || exit 0\n"  # no repository: nothing to forget
    + 'ids=$(restic snapshots --json --tag "$BACKUP_TAG" '
    + '| grep -o \'"id":"[0-9a-f]*"\' | cut -d\'"\' -f4)\n'
    + 'if [ -n "$ids" ]; then restic forget $ids --prune >&2; fi\n'
)
_STEP_LINE = "STEP "


@dataclass(frozen=True)
class Repository:
    """Where a volume's snapshots are: the environment and mounts restic needs, and the
    network its container joins (none for a folder; the host's, to reach a store)."""

    environment: dict[str, str]
    mounts: list[Mounted]
    network: str

    def __repr__(self) -> str:  # the password and keys stay out of logs
        return f"Repository({self.environment.get('RESTIC_REPOSITORY')})"


def local_repository(folder: str, password: str) -> Repository:
    environment = {"RESTIC_REPOSITORY": REPOSITORY_MOUNT, "RESTIC_PASSWORD": password}
    mounts = [Mounted("bind", folder, REPOSITORY_MOUNT, read_only=False)]
    return Repository(environment, mounts, "none")


def s3_repository(bucket: Bucket, key: str, password: str) -> Repository:
    environment = {
        "RESTIC_REPOSITORY": f"s3:{bucket.endpoint.rstrip('/')}/{bucket.name}/{key.strip('/')}",
        "RESTIC_PASSWORD": password,
        "AWS_ACCESS_KEY_ID": bucket.access_key_id,
        "AWS_SECRET_ACCESS_KEY": bucket.secret_access_key,
        "AWS_DEFAULT_REGION": bucket.region,
    }
    return Repository(environment, [], "host")


def failed_step(stderr: str) -> str | None:
    """The last step a script said it started ("check", "restore"), from its stderr."""
    steps = [line[len(_STEP_LINE) :] for line in stderr.splitlines() if line.startswith(_STEP_LINE)]
    return steps[-1] if steps else None


def repository_password(sealing_key: str, volume_id: str) -> str:
    """The repository's password: derived from the sealing key and the volume, never stored
    (whoever keeps the sealing key can open the snapshots on another machine)."""
    message = f"restic-repository:{volume_id}".encode()
    return hmac.new(sealing_key.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """What a volume held: each file's line, by path."""

    lines: dict[str, str]  # path -> "<sha256>" or "link <target>"

    @property
    def files(self) -> int:
        return sum(1 for entry in self.lines.values() if not entry.startswith("link "))

    @property
    def digest(self) -> str:
        return digest_of(self.lines)


def digest_of(lines: Mapping[str, str]) -> str:
    joined = "".join(f"{lines[path]}  {path}\n" for path in sorted(lines))
    return hashlib.sha256(joined.encode()).hexdigest()


def manifest_of(output: str, prefix: str = MANIFEST_LINE) -> Manifest:
    """The manifest from a script's stdout (lines starting with `prefix`)."""
    lines: dict[str, str] = {}
    for raw in output.splitlines():
        if not raw.startswith(prefix):
            continue
        entry, _, path = raw[len(prefix) :].partition("  ")
        lines[path.removeprefix("./")] = entry
    return Manifest(lines)


def summary_of(output: str) -> dict[str, object]:
    """restic's backup summary (snapshot_id, total_files_processed, ...), from stdout."""
    for raw in output.splitlines():
        if raw.startswith(SUMMARY_LINE):
            found: dict[str, object] = json.loads(raw[len(SUMMARY_LINE) :])
            return found
    raise ValueError("restic printed no summary")


def changed_while_read(before: Manifest, after: Manifest) -> list[str]:
    """The paths whose content (or presence) differs between two manifests of a volume."""
    paths = set(before.lines) | set(after.lines)
    return sorted(p for p in paths if before.lines.get(p) != after.lines.get(p))


def differences(recorded: Mapping[str, str], restored: Mapping[str, str]) -> list[str]:
    """What a restore lacks, has too much of, or holds otherwise, path by path."""
    problems = []
    for path in sorted(set(recorded) | set(restored)):
        was, now = recorded.get(path), restored.get(path)
        if was is None:
            problems.append(f"{path}: not in the snapshot, yet restored")
        elif now is None:
            problems.append(f"{path}: missing from the restore")
        elif was != now:
            problems.append(f"{path}: restored with other contents")
    return problems


def without(lines: Mapping[str, str], paths: list[str]) -> dict[str, str]:
    dropped = set(paths)
    return {path: entry for path, entry in lines.items() if path not in dropped}


def named(problems: list[str], at_most: int = 10) -> str:
    shown = "; ".join(problems[:at_most])
    more = len(problems) - at_most
    return shown + (f"; and {more} more" if more > 0 else "")
