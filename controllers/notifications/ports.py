"""What the notifications controller needs from the outside world; the adapters provide each."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol
from uuid import UUID

from zaneops.adapters.messaging import Answer, SmtpServer
from zaneops.adapters.postgres.notifications import BackupSchedule
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject
from zaneops.specs.status import Status


class Rows(Protocol):
    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None: ...

    async def write_status(self, kind: Kind, object_id: UUID, status: Status) -> bool: ...


class Log(Protocol):
    async def insert_once(
        self, channel_id: UUID, spec: Mapping[str, Any]
    ) -> StoredObject | None: ...

    async def newest_of_group(
        self, channel_id: UUID, group: str, since: datetime
    ) -> StoredObject | None: ...

    async def trim(self, channel_id: UUID, keep: int) -> int: ...

    async def live_channels(self) -> list[StoredObject]: ...

    async def changed_since(self, kind: Kind, since: datetime, limit: int) -> list[UUID]: ...

    async def backup_schedules(self) -> list[BackupSchedule]: ...

    async def services_with_alerts(self) -> list[StoredObject]: ...

    async def newest_key(self, prefix: str) -> str | None: ...


class Metrics(Protocol):
    async def value(self, query: str) -> float | None: ...

    async def vector(self, query: str) -> list[tuple[dict[str, str], float]]: ...


class Sender(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer: ...

    async def send_email(self, server: SmtpServer, message: EmailMessage) -> Answer: ...
