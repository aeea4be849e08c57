"""The volumes controller: each volume row, converged into a Docker named volume or a host folder.

Data is never lost by accident: a deleted volume keeps its finalizer while any service still
mounts it; its data is removed only if the spec asks for a purge, and only if it is ours (a
Docker volume labelled for this row, or a host folder this controller created).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from uuid import UUID

import structlog

from zaneops.adapters.docker.volumes import DockerVolume, Node
from zaneops.adapters.hostfs import NotAFolder, Size
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, Controller, Result, TerminalError, Watch
from zaneops.specs import Condition, ConditionStatus, Status, VolumeSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject
from zaneops.specs.storage import host_paths_overlap

from .policy import HostRules, Refusal, host_path_refusal, users_of
from .ports import Folders, VolumeEngine, VolumeRows
from .settings import VolumesSettings

FINALIZER = "volumes.zaneops.dev/data"
READY = "Ready"
IN_USE = "InUse"
DEPLOYMENT_LINKS = ("current_deployment_id", "target_deployment_id")

log = structlog.get_logger("volumes")


class VolumesController(Controller):
    name = "volumes"
    kind = Kind.VOLUMES
    finalizer = FINALIZER

    def __init__(
        self,
        installation: InstallationSettings,
        settings: VolumesSettings,
        rows: VolumeRows,
        docker: VolumeEngine,
        folders: Folders,
    ) -> None:
        self.installation = installation
        self.settings = settings
        self.store = rows
        self.docker = docker
        self.folders = folders
        self._node: Node | None = None  # looked up at first need: start-up waits on no engine
        self._waiting: set[UUID] = set()  # deleted volumes still mounted by a service
        self.strays: list[str] = []  # our instance's labelled volumes with no row: kept
        self.watches = (Watch(Kind.SERVICES, self._volumes_of_service),)

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.rules = await self._host_rules()

    async def node(self) -> Node:
        """Where named volumes live: the node of the engine this controller talks to."""
        if self._node is None:
            self._node = await self.docker.local_node()
        return self._node

    async def _host_rules(self) -> HostRules:
        protected: list[PurePosixPath] = []
        for path in self.settings.protected_paths:
            protected += [PurePosixPath(path), PurePosixPath(await self.folders.resolve(path))]
        root = self.settings.host_root
        real_root = PurePosixPath(await self.folders.resolve(root))
        return HostRules(PurePosixPath(root), real_root, tuple(dict.fromkeys(protected)))

    # --- watches ---------------------------------------------------------------------------

    async def _volumes_of_service(self, service_id: UUID) -> Sequence[Key]:
        """A service changed: its environment's volumes may have gained or lost a user."""
        service = await self.store.get(Kind.SERVICES, service_id)
        if service is None or service.parent_id is None:
            # Gone, so its environment is unknown: wake the deletions waiting on users.
            return [Key(Kind.VOLUMES, volume_id) for volume_id in self._waiting]
        volumes = await self.store.list_children(Kind.VOLUMES, service.parent_id)
        return [volume.key for volume in volumes]

    # --- reconcile -------------------------------------------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        spec = VolumeSpec.model_validate(obj.spec)
        if spec.kind == "named":
            details, message = await self._ensure_named(ctx, obj)
        else:
            details, message = await self._ensure_folder(ctx, obj, spec)
        details["used_by"] = await self._users(obj, spec)
        ready = Condition(type=READY, status=ConditionStatus.TRUE, reason="Exists", message=message)
        status = obj.status.model_copy(update={"details": details}).with_condition(ready)
        return Result(status, requeue_after=self.settings.observe_seconds)

    async def _ensure_named(self, ctx: Context, obj: StoredObject) -> tuple[dict[str, Any], str]:
        name = naming.docker_volume(self.installation.instance, obj.id)
        volume = await self.docker.get(name)
        if volume is None:
            ctx.ensure_leader()
            volume = await self.docker.create(name, self._labels(obj))
        elif not self._ours(volume, obj):
            message = (
                f"a Docker volume named {name} exists without this volume's labels: it is "
                "left alone; remove or rename it by hand"
            )
            raise TerminalError("VolumeNameTaken", message, _not_ready(obj, "NotOurs", message))
        size = await self.folders.size(volume.mountpoint, self.settings.size_budget_seconds)
        node = await self.node()
        where = {"node_id": node.id, "node": node.hostname}
        details = {"docker_volume": name, **where, **_size_details(size)}
        return details, f"Docker volume {name} on node {node.hostname or node.id}"

    async def _ensure_folder(
        self, ctx: Context, obj: StoredObject, spec: VolumeSpec
    ) -> tuple[dict[str, Any], str]:
        assert spec.host_path is not None, "the spec model requires it for kind host_path"
        path = spec.host_path
        await self._check_host_path(obj, path)
        ctx.ensure_leader()
        try:
            created = await self.folders.ensure_folder(path)
        except NotAFolder as exc:
            message = f"host_path {exc}: point it at a folder"
            raise TerminalError(
                "HostPathNotAFolder", message, _not_ready(obj, "NotAFolder", message)
            ) from exc
        real = await self._check_host_path(obj, path)  # again: a link may have been swapped in
        size = await self.folders.size(path, self.settings.size_budget_seconds)
        before = obj.status.details
        ours = created or (before.get("host_path") == path and bool(before.get("created_here")))
        details = {"host_path": path, "real_path": real, "created_here": ours}
        return {**details, **_size_details(size)}, f"folder {path} is ready"

    async def _check_host_path(self, obj: StoredObject, path: str) -> str:
        """The resolved path, if the rules allow it; else a terminal refusal saying why."""
        real = await self.folders.resolve(path)
        refusal = host_path_refusal(path, real, self.rules) or await self._overlap(obj, path)
        if refusal is not None:
            status = _not_ready(obj, refusal.reason, refusal.message)
            raise TerminalError(refusal.reason, refusal.message, status)
        return real

    async def _overlap(self, obj: StoredObject, path: str) -> Refusal | None:
        """An older live volume, of any environment, whose folder is, holds or lies in this
        one: the API refuses it; two rows written at once are settled here, oldest first."""
        for other in await self.store.list_ids(Kind.VOLUMES):
            row = await self.store.get(Kind.VOLUMES, other)
            if row is None or row.is_deleted or row.id == obj.id:
                continue
            theirs = row.spec.get("host_path") if row.spec.get("kind") == "host_path" else None
            older = (row.created_at, row.id) < (obj.created_at, obj.id)
            if isinstance(theirs, str) and older and host_paths_overlap(theirs, path):
                message = (
                    f"host_path {path} overlaps {theirs}, the folder of volume {row.id}: "
                    "host folders may not be the same, nor lie in one another"
                )
                return Refusal("HostPathOverlaps", message)
        return None

    def _labels(self, obj: StoredObject) -> dict[str, str]:
        return {
            naming.LABEL_MANAGED: "true",
            naming.LABEL_INSTANCE: self.installation.instance,
            naming.LABEL_OWNER: f"{Kind.VOLUMES.value}/{obj.id}",
        }

    def _ours(self, volume: DockerVolume, obj: StoredObject) -> bool:
        wanted = self._labels(obj)
        return all(volume.labels.get(key) == value for key, value in wanted.items())

    async def _users(self, obj: StoredObject, spec: VolumeSpec) -> list[str]:
        """Services of the environment that mount it: in their spec or a running deployment.

        Services being deleted count until their row is gone: their containers may still run.
        """
        assert obj.parent_id is not None, "a volume belongs to an environment"
        specs: dict[str, list[dict[str, Any]]] = {}
        for service in await self.store.list_children(Kind.SERVICES, obj.parent_id):
            name = str(service.spec.get("slug") or service.id)
            specs[name] = [service.spec, *await self._deployed_specs(service)]
        return users_of(spec.slug, specs)

    async def _deployed_specs(self, service: StoredObject) -> list[dict[str, Any]]:
        found = []
        for link in DEPLOYMENT_LINKS:
            deployment_id = service.status.details.get(link)
            if not isinstance(deployment_id, str):
                continue
            row = await self.store.get(Kind.DEPLOYMENTS, UUID(deployment_id))
            if row is not None:
                found.append(dict(row.spec.get("service_spec") or {}))
        return found

    # --- deletion --------------------------------------------------------------------------

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        spec = VolumeSpec.model_validate(obj.spec)
        users = await self._users(obj, spec)
        if users:
            message = f"still mounted by {', '.join(users)}: kept until no service mounts it"
            return await self._hold(ctx, obj, "MountedByServices", message, users)
        if not spec.purge_on_delete:
            ctx.log.info("volume deleted, its data kept (purge_on_delete is off)")
            return self._release(obj)
        if spec.kind == "named":
            return await self._purge_named(ctx, obj)
        return await self._purge_folder(ctx, obj, spec)

    async def _purge_named(self, ctx: Context, obj: StoredObject) -> Result:
        name = naming.docker_volume(self.installation.instance, obj.id)
        volume = await self.docker.get(name)
        if volume is not None and not self._ours(volume, obj):
            ctx.log.warning("not purged: the Docker volume by its name is not ours", volume=name)
            return self._release(obj)
        if volume is not None:
            ctx.ensure_leader()
            if not await self.docker.remove(name):
                message = f"Docker volume {name} is still used by a container: purged once it stops"
                return await self._hold(ctx, obj, "UsedByContainer", message, [])
            ctx.log.info("volume purged", volume=name)
        return self._release(obj)

    async def _purge_folder(self, ctx: Context, obj: StoredObject, spec: VolumeSpec) -> Result:
        assert spec.host_path is not None
        keep = await self._reason_to_keep_folder(obj, spec.host_path)
        if keep is not None:
            ctx.log.warning("host folder not purged", host_path=spec.host_path, reason=keep)
            return self._release(obj)
        ctx.ensure_leader()
        await self.folders.remove_tree(spec.host_path)
        ctx.log.info("host folder purged", host_path=spec.host_path)
        return self._release(obj)

    async def _reason_to_keep_folder(self, obj: StoredObject, path: str) -> str | None:
        before = obj.status.details
        if before.get("host_path") != path or not before.get("created_here"):
            return "the folder existed before the volume: only folders created here are purged"
        real = await self.folders.resolve(path)
        refusal = host_path_refusal(path, real, self.rules)
        if refusal is not None:
            return refusal.message
        sharing = await self._volumes_sharing(obj, path)
        if sharing:
            return f"other volumes use the same folder: {', '.join(sharing)}"
        return None

    async def _volumes_sharing(self, obj: StoredObject, path: str) -> list[str]:
        sharing = []
        for volume_id in await self.store.list_ids(Kind.VOLUMES):
            row = await self.store.get(Kind.VOLUMES, volume_id)
            other = row.spec.get("host_path") if row is not None and row.id != obj.id else None
            if isinstance(other, str) and host_paths_overlap(other, path):
                sharing.append(str(volume_id))
        return sharing

    async def _hold(
        self, ctx: Context, obj: StoredObject, reason: str, message: str, users: list[str]
    ) -> Result:
        """Keep the finalizer, and say why in status (the runtime writes none while deleting)."""
        self._waiting.add(obj.id)
        condition = Condition(
            type=IN_USE, status=ConditionStatus.TRUE, reason=reason, message=message
        )
        details = {**obj.status.details, "used_by": users}
        status = obj.status.model_copy(update={"details": details}).with_condition(condition)
        if status != obj.status:
            ctx.ensure_leader()
            await self.store.write_status(Kind.VOLUMES, obj.id, status)
        return Result(requeue_after=self.settings.in_use_poll_seconds)

    def _release(self, obj: StoredObject) -> Result:
        self._waiting.discard(obj.id)
        return Result()

    async def forget(self, ctx: Context, key: Key) -> None:
        """The row is gone. Its data (if kept) stays: forgetting never deletes anything."""
        self._waiting.discard(key.id)

    # --- drift and strays ------------------------------------------------------------------

    async def find_drift(self) -> Sequence[Key]:
        """Named volumes removed by hand; labelled strays with no row are reported, not removed."""
        present = {v.name: v for v in await self.docker.list_managed(self.installation.instance)}
        drifted: list[Key] = []
        known: set[str] = set()
        for volume_id in await self.store.list_ids(Kind.VOLUMES):
            name = naming.docker_volume(self.installation.instance, volume_id)
            known.add(name)
            row = await self.store.get(Kind.VOLUMES, volume_id)
            if _live_named(row) and name not in present:
                drifted.append(Key(Kind.VOLUMES, volume_id))
        self._report_strays(sorted(name for name in present if name not in known))
        return drifted

    def _report_strays(self, strays: list[str]) -> None:
        """Never removed automatically: a row deleted without purge leaves its data on purpose."""
        if strays != self.strays:
            log.warning("labelled volumes without a row, kept", volumes=strays)
        self.strays = strays


def _live_named(row: StoredObject | None) -> bool:
    return row is not None and not row.is_deleted and row.spec.get("kind", "named") == "named"


def _not_ready(obj: StoredObject, reason: str, message: str) -> Status:
    condition = Condition(type=READY, status=ConditionStatus.FALSE, reason=reason, message=message)
    return obj.status.with_condition(condition)


def _size_details(size: Size | None) -> dict[str, Any]:
    if size is None:
        return {"size_bytes": None, "size_complete": False}
    return {"size_bytes": size.bytes, "size_complete": size.complete}


__all__ = ["FINALIZER", "VolumesController"]
