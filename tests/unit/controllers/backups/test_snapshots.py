"""The pure part of volume snapshots: manifests, their comparison, the repository's password
and place, and reading what restic printed."""

from __future__ import annotations

import hashlib

from controllers.backups import snapshots as rs
from zaneops.adapters.s3 import Bucket

OUTPUT = (
    "B aaa  ./notes.txt\n"
    "B bbb  ./sub dir/a file\n"
    'SUMMARY {"message_type":"summary","snapshot_id":"8799123e","total_bytes_processed":12}\n'
    "M aaa  ./notes.txt\n"
    "M ccc  ./sub dir/a file\n"
    "M link notes.txt  ./latest\n"
    "M ddd  ./new\n"
)


def test_a_manifest_reads_each_file_and_link_by_its_path_relative_to_the_volume() -> None:
    """Files keep their checksum, links their target; "./" is dropped, spaces are kept."""
    manifest = rs.manifest_of(OUTPUT)
    assert manifest.lines == {
        "notes.txt": "aaa",
        "sub dir/a file": "ccc",
        "latest": "link notes.txt",
        "new": "ddd",
    }
    assert manifest.files == 3


def test_a_manifest_digest_is_the_sha256_of_its_sorted_lines() -> None:
    """The digest does not depend on the order the lines came in."""
    lines = {"b": "2", "a": "1"}
    expected = hashlib.sha256(b"1  a\n2  b\n").hexdigest()
    assert rs.digest_of(lines) == expected == rs.digest_of(dict(reversed(lines.items())))


def test_the_files_that_changed_while_read_are_those_that_differ_between_the_manifests() -> None:
    """Changed, added and removed paths are named; the same ones are not."""
    before = rs.manifest_of(OUTPUT, rs.BEFORE_LINE)
    after = rs.manifest_of(OUTPUT)
    assert rs.changed_while_read(before, after) == ["latest", "new", "sub dir/a file"]


def test_a_restore_is_judged_path_by_path() -> None:
    """A missing file, an extra one and another content are each named."""
    recorded = {"a": "1", "b": "2", "c": "3"}
    restored = {"a": "1", "b": "9", "d": "4"}
    assert rs.differences(recorded, restored) == [
        "b: restored with other contents",
        "c: missing from the restore",
        "d: not in the snapshot, yet restored",
    ]
    assert rs.differences(recorded, dict(recorded)) == []


def test_a_repository_password_is_derived_per_volume_from_the_sealing_key() -> None:
    """Same key and volume, same password; another volume or key, another one."""
    one = rs.repository_password("key", "v1")
    assert one == rs.repository_password("key", "v1")
    assert one != rs.repository_password("key", "v2")
    assert one != rs.repository_password("other", "v1")
    assert "key" not in one


def test_an_s3_repository_takes_its_keys_from_the_environment_and_hides_them() -> None:
    """The secret goes to restic's environment, never into the repository's name or repr."""
    bucket = Bucket("http://127.0.0.1:9000/", "us-east-1", "b", "AK", "SECRET")
    repository = rs.s3_repository(bucket, "zaneops/prod/restic/v1", "pw")
    assert repository.environment["RESTIC_REPOSITORY"] == (
        "s3:http://127.0.0.1:9000/b/zaneops/prod/restic/v1"
    )
    assert repository.environment["AWS_SECRET_ACCESS_KEY"] == "SECRET"
    assert "SECRET" not in repr(repository) and "pw" not in repr(repository)


def test_restic_summary_and_the_failed_step_are_read_from_its_output() -> None:
    """The summary line gives the snapshot id; the last STEP line says what failed."""
    assert rs.summary_of(OUTPUT)["snapshot_id"] == "8799123e"
    assert rs.failed_step("STEP check\nok\nSTEP restore\nboom") == "restore"
    assert rs.failed_step("nothing") is None
