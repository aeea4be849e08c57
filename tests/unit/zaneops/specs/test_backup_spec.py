"""What a backups row may be: a database's backup, a volume's snapshot, or the platform's own
database's, never a mix that the controller would have to guess about."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from zaneops.specs.backup import BackupSpec


def refused(**spec: object) -> str:
    with pytest.raises(ValidationError) as caught:
        BackupSpec.model_validate(spec)
    return str(caught.value)


def test_a_backup_names_a_service_or_the_platform_not_both_nor_neither() -> None:
    """service_id xor platform."""
    assert "not both nor neither" in refused()
    assert "not both nor neither" in refused(service_id=str(uuid.uuid4()), platform=True)
    assert BackupSpec.model_validate({"platform": True}).service_id is None


def test_the_platforms_backup_is_of_no_volume_and_is_not_restored_through_a_row() -> None:
    """A volume or a restore on a platform backup is refused by name."""
    assert "no volume" in refused(platform=True, volume_id=str(uuid.uuid4()))
    assert "zaneops restore" in refused(platform=True, restore_from=str(uuid.uuid4()))
