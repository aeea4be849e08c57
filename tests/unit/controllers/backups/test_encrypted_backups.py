"""Backups encrypted at rest, the controller's side with fakes (the dump stream through age and
its decryption are the adapter's: tests/unit/zaneops/adapters/test_age.py runs the real age;
tests/e2e/test_backups.py the whole thing)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from controllers.backups.controller import SCHEDULE, BackupsController
from controllers.backups.settings import BackupsSettings
from zaneops.adapters.age import AgeFailed
from zaneops.adapters.docker.dumps import Ran, Streamed
from zaneops.common import backup_key
from zaneops.common.secrets import new_key
from zaneops.common.settings import InstallationSettings
from zaneops.specs import Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

from .test_controller import DB_SPEC, ENV, NOW, Dumps, Rows, ctx, row

KEY = new_key()
CIPHERTEXT = b"age-encryption.org/v1\n-> X25519 ...\n--- ...\n\x00\x01ciphertext"
PLAINTEXT = b"PGDMP the dump"


class AgeDumps(Dumps):
    """Records the recipient a dump was encrypted for; "decrypts" by giving PLAINTEXT (or
    refusing as age does), and keeps what each copy_in sent into a container."""

    def __init__(self, encrypt_failure: str | None = None, refuse: str | None = None) -> None:
        super().__init__(payload=CIPHERTEXT)
        self.encrypt_failure, self.refuse = encrypt_failure, refuse
        self.recipients: list[str | None] = []
        self.decrypted: list[tuple[str, Path]] = []
        self.copied: list[tuple[Path, bytes]] = []

    async def stream_to_file(
        self,
        container_id: str,
        command: list[str],
        dest: Path,
        stderr_limit: int,
        recipient: str | None = None,
    ) -> Streamed:
        self.recipients.append(recipient)
        dest.write_bytes(self.payload)
        digest = hashlib.sha256(self.payload).hexdigest()
        return Streamed(0, len(self.payload), digest, "", self.encrypt_failure)

    async def decrypt_file(self, identity: str, source: Path, dest: Path, timeout: float) -> None:
        self.decrypted.append((identity, source))
        if self.refuse is not None:
            raise AgeFailed(self.refuse)
        dest.write_bytes(PLAINTEXT)

    async def copy_in(self, container_id: str, source: Path, folder: str, name: str) -> None:
        self.copied.append((source, source.read_bytes()))

    async def run_in(self, container_id: str, command: list[str]) -> Ran:
        return Ran(0, "")


def controller(rows: Rows, dumps: Dumps, root: Path, key: str | None = KEY) -> BackupsController:
    installation = InstallationSettings.model_construct(instance="t")
    return BackupsController(installation, BackupsSettings(root=root), rows, dumps, sealing_key=key)


def _with_status(obj: StoredObject, status: Status | None) -> StoredObject:
    assert status is not None
    return StoredObject(**{**obj.__dict__, "status": status})


async def _dumped(made: BackupsController, backup: StoredObject) -> Status:
    started = await made.reconcile(ctx(), backup)
    result = await made.reconcile(ctx(), _with_status(backup, started.status))
    assert result.status is not None
    return result.status


def _verifying(service: StoredObject, root: Path) -> StoredObject:
    """An encrypted backup dumped into <root>/<env>/<id>.pgdump.age, to be verified."""
    made = row(Kind.BACKUPS, {"service_id": str(service.id), "encrypted": True})
    relative = f"{ENV}/{made.id}.pgdump.age"
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_bytes(CIPHERTEXT)
    details = {
        "phase": "VERIFYING",
        "file": relative,
        "sha256": hashlib.sha256(CIPHERTEXT).hexdigest(),
        "image": "zaneops/postgres:15",
        "tables": {},
    }
    return _with_status(made, Status(details=details))


async def test_an_encrypted_backup_is_dumped_through_age_for_the_derived_recipient(
    tmp_path: Path,
) -> None:
    """The stream is encrypted for the recipient derived from the sealing key; its file is
    named .age, and the size and sha256 recorded are the stored (encrypted) file's."""
    service = row(Kind.SERVICES, DB_SPEC)
    backup = row(Kind.BACKUPS, {"service_id": str(service.id), "encrypted": True})
    dumps = AgeDumps()
    status = await _dumped(controller(Rows(service, backup), dumps, tmp_path), backup)
    assert status.details["phase"] == "VERIFYING", status
    assert dumps.recipients == [backup_key.recipient(KEY)]
    stored = tmp_path / str(status.details["file"])
    assert stored.name == f"{backup.id}.pgdump.age"
    assert stored.read_bytes() == CIPHERTEXT
    assert status.details["sha256"] == hashlib.sha256(CIPHERTEXT).hexdigest()


async def test_a_backup_not_asked_encrypted_goes_through_no_age(tmp_path: Path) -> None:
    service = row(Kind.SERVICES, DB_SPEC)
    backup = row(Kind.BACKUPS, {"service_id": str(service.id)})
    dumps = AgeDumps()
    status = await _dumped(controller(Rows(service, backup), dumps, tmp_path), backup)
    assert dumps.recipients == [None]
    assert str(status.details["file"]).endswith(".pgdump")


async def test_a_failure_of_age_fails_the_backup_with_its_words_and_leaves_no_file(
    tmp_path: Path,
) -> None:
    service = row(Kind.SERVICES, DB_SPEC)
    backup = row(Kind.BACKUPS, {"service_id": str(service.id), "encrypted": True})
    dumps = AgeDumps(encrypt_failure="age exited with code 1: write error")
    status = await _dumped(controller(Rows(service, backup), dumps, tmp_path), backup)
    assert status.details["phase"] == "FAILED"
    condition = status.conditions[0]
    assert condition.reason == "EncryptFailed"
    assert "encrypting the dump failed: age exited with code 1: write error" in condition.message
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


async def test_an_encrypted_backup_without_a_sealing_key_is_refused_before_dumping(
    tmp_path: Path,
) -> None:
    service = row(Kind.SERVICES, DB_SPEC)
    backup = row(Kind.BACKUPS, {"service_id": str(service.id), "encrypted": True})
    dumps = AgeDumps()
    made = controller(Rows(service, backup), dumps, tmp_path, key=None)
    status = await _dumped(made, backup)
    assert status.conditions[0].reason == "NotSupported"
    assert dumps.recipients == []


async def test_the_verification_restores_the_decrypted_copy_and_removes_it(
    tmp_path: Path,
) -> None:
    """The sha256 is checked on the stored file; the scratch server gets the plaintext,
    decrypted with the derived identity; no plaintext is left in the backups folder."""
    service = row(Kind.SERVICES, DB_SPEC)
    backup = _verifying(service, tmp_path)
    dumps = AgeDumps()
    result = await controller(Rows(service, backup), dumps, tmp_path).reconcile(ctx(), backup)
    assert result.status is not None and result.status.details["phase"] == "VERIFIED"
    assert [identity for identity, _ in dumps.decrypted] == [backup_key.identity(KEY)]
    [(copied, sent)] = dumps.copied
    assert sent == PLAINTEXT
    assert not copied.exists()
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{backup.id}.pgdump.age"]


async def test_a_file_that_cannot_be_decrypted_fails_with_ages_words(tmp_path: Path) -> None:
    service = row(Kind.SERVICES, DB_SPEC)
    backup = _verifying(service, tmp_path)
    dumps = AgeDumps(refuse="no identity matched any of the recipients")
    result = await controller(Rows(service, backup), dumps, tmp_path).reconcile(ctx(), backup)
    assert result.status is not None and result.status.details["phase"] == "FAILED"
    condition = result.status.conditions[0]
    assert condition.reason == "DecryptFailed"
    assert condition.message == (
        "the backup file could not be decrypted: no identity matched any of the recipients"
    )
    assert dumps.copied == []


async def test_a_restore_into_a_new_database_loads_the_decrypted_copy(tmp_path: Path) -> None:
    service = row(Kind.SERVICES, DB_SPEC)
    source = _verifying(service, tmp_path)
    verified = _with_status(source, Status(details={**source.status.details, "phase": "VERIFIED"}))
    restore = row(
        Kind.BACKUPS,
        {"service_id": str(service.id), "restore_from": str(verified.id)},
        phase="RESTORING",
        started_at=NOW.isoformat(),
    )
    dumps = AgeDumps()
    made = controller(Rows(service, verified, restore), dumps, tmp_path)
    result = await made.reconcile(ctx(), restore)
    assert result.status is not None and result.status.details["phase"] == "VERIFIED", result
    [(copied, sent)] = dumps.copied
    assert sent == PLAINTEXT and not copied.exists()


async def test_the_schedule_makes_encrypted_backups_when_the_policy_says_so(
    tmp_path: Path,
) -> None:
    policy = {"schedule": "0 3 * * *", "encrypt": True}
    service = row(Kind.SERVICES, {**DB_SPEC, "backup": policy})
    last = row(
        Kind.BACKUPS,
        {"service_id": str(service.id), "trigger": "schedule"},
        created=NOW - timedelta(days=1, hours=1),
    )
    rows = Rows(service, last)
    await controller(rows, Dumps(), tmp_path).reconcile_global(ctx(), SCHEDULE)
    assert [made["encrypted"] for made in rows.made if made.get("service_id")] == [True]


async def test_deleting_an_encrypted_backup_removes_its_age_file(tmp_path: Path) -> None:
    service = row(Kind.SERVICES, DB_SPEC)
    backup = _verifying(service, tmp_path)
    await controller(Rows(service, backup), AgeDumps(), tmp_path).finalize(ctx(), backup)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
