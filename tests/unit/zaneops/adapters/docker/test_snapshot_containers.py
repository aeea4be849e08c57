"""The snapshot containers' adapter, with a fake docker-py client: a named volume that is not on
this engine's node is never mounted (Docker would make it, empty)."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

import pytest
from docker.errors import NotFound

from zaneops.adapters.docker.snapshots import Mounted, SnapshotContainers, VolumeMissing


async def test_a_named_volume_missing_here_is_not_made_empty_by_mounting_it() -> None:
    client: Any = MagicMock()
    client.api.inspect_volume.side_effect = NotFound("no such volume")
    containers = SnapshotContainers(client)
    with pytest.raises(VolumeMissing):
        await containers.run(
            "restic",
            "scratch",
            "true",
            environment={},
            mounts=[Mounted("volume", "t-vol-1", "/data", read_only=True)],
            labels={},
            network="none",
            timeout=5,
        )
    client.containers.create.assert_not_called()
