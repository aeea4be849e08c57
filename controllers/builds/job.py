"""One build, run as a background task: check out, build (or reuse the image), record it.

A job never writes the build's status itself: it updates job.status and asks for a
reconcile, so the runtime stays the only writer of the row (no write can overtake another).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from uuid import UUID

from zaneops.adapters.docker.builds import LABEL_BUILD, BuildRequest
from zaneops.adapters.git import FULL_SHA, GitAuth, GitError, Repository, scrub
from zaneops.adapters.ssh_keys import HostKey, ssh_endpoint
from zaneops.common.errors import Conflict
from zaneops.common.naming import LABEL_INSTANCE, LABEL_MANAGED, LABEL_OWNER
from zaneops.common.secrets import SecretBox, SecretsUnavailable
from zaneops.runtime.controller import LeaseLost
from zaneops.specs import BuildSpec, DeploymentSpec, GitSource, Status
from zaneops.specs.kinds import Kind

from .logs import BuildLog
from .plan import Failure, LineSplitter, Phase, build_failure, image_ref, last_lines, with_phase
from .ports import BuildRows, GitPort, HostKeyPins, ImageBuilder
from .repository_config import FromRepository, inside, read_config
from .settings import BuildsSettings

# Why a job was stopped from outside. Only a cancel is reported: after a lost lease or a
# shutdown the row stays CLONING/BUILDING, and the next leader retries it.
CANCEL, LEASE_LOST, SHUTDOWN = "cancel", "lease_lost", "shutdown"
CANCELLED = "Cancelled"
HOST_KEY_REFUSED = "Host key verification failed"  # what ssh says when the key is not pinned


@dataclass
class Job:
    build_id: UUID
    service_id: UUID
    spec: BuildSpec
    status: Status
    task: asyncio.Task[None] | None = None
    stop_reason: str | None = None

    @property
    def done(self) -> bool:
        return self.task is not None and self.task.done()

    def stop(self, reason: str) -> None:
        if self.stop_reason is None and self.task is not None and not self.task.done():
            self.stop_reason = reason
            self.task.cancel()


Report = Callable[[Job], None]


@dataclass
class Builder:
    """What every job shares: settings, git, the engine, the store, the secret box."""

    instance: str
    settings: BuildsSettings
    git: GitPort
    host_keys: HostKeyPins
    docker: ImageBuilder
    store: BuildRows
    box: SecretBox | None
    ensure_leader: Callable[[], None] = lambda: None

    async def run(self, job: Job, log: BuildLog, report: Report) -> None:
        checkout = self.settings.workdir / job.build_id.hex
        try:
            async with asyncio.timeout(job.spec.timeout):
                image, commit, config = await self._produce(job, log, checkout, report)
            await self._record_image(job.spec.deployment_id, image, commit, config)
            job.status = with_phase(
                job.status, Phase.SUCCEEDED, "Built", image, image=image, commit_sha=commit
            )
        except asyncio.CancelledError:
            if job.stop_reason != CANCEL:
                raise  # lease lost or shutting down: say nothing, the next leader retries
            job.status = with_phase(job.status, Phase.CANCELLED, CANCELLED, "cancelled on request")
        except LeaseLost:  # deposed while recording: leave the row to the next leader
            job.stop_reason = LEASE_LOST
            return
        except TimeoutError:
            message = f"the build ran longer than its timeout ({job.spec.timeout:g} s)"
            job.status = self._failed(job, "TimedOut", message + self._tail(log))
        except Failure as failure:
            job.status = self._failed(job, failure.reason, failure.message)
        except Exception as exc:  # the engine or the database failed us: say what happened
            job.status = self._failed(job, "BuildError", f"{exc}{self._tail(log)}")
        finally:  # in a thread: a big checkout must not stall the event loop
            await asyncio.to_thread(shutil.rmtree, checkout, ignore_errors=True)
        report(job)

    def _failed(self, job: Job, reason: str, message: str) -> Status:
        phase = Phase.CANCELLED if reason == CANCELLED else Phase.FAILED
        return with_phase(job.status, phase, reason, message)

    def _tail(self, log: BuildLog) -> str:
        return last_lines(list(log.tail), self.settings.failure_log_lines)

    # --- producing the image ---------------------------------------------------------------

    async def _produce(
        self, job: Job, log: BuildLog, checkout: Path, report: Report
    ) -> tuple[str, str, FromRepository | None]:
        source = job.spec.source
        self._refuse_local_source(source.repository_url)
        repo = Repository(source.repository_url, source.branch, source.commit, self._auth(source))
        repo = await self._with_host_keys(repo, log)
        commit = await self._known_commit(repo, log)
        reuse_unseen = source.config_file is None  # else the file is read from a checkout
        if reuse_unseen and commit is not None and await self._reusable(job, commit, log):
            return image_ref(self.instance, job.service_id, commit, source), commit, None
        shutil.rmtree(checkout, ignore_errors=True)
        try:
            commit = await self.git.checkout(repo, checkout, log.write)
            on_branch = repo.commit is None or await self.git.on_branch(
                repo, checkout, commit, log.write
            )
        except GitError as exc:
            raise await self._clone_failure(exc, repo, log) from None
        if not on_branch:
            raise Failure(
                "CommitNotOnBranch",
                f"commit {commit} is not on branch {repo.branch!r}: only commits the branch "
                "holds are built",
            )
        config = await self._repository_config(job, checkout, log)
        ref = image_ref(self.instance, job.service_id, commit, source)
        if not await self._reusable(job, commit, log):
            job.status = with_phase(job.status, Phase.BUILDING, "Building", commit_sha=commit)
            report(job)
            await self._build(job, checkout, ref, log)
        return ref, commit, config

    async def _repository_config(
        self, job: Job, checkout: Path, log: BuildLog
    ) -> FromRepository | None:
        """The config file's service section over the deployment's spec, checked before
        the build so a bad file stops the deploy early."""
        relative = job.spec.source.config_file
        if relative is None:
            return None
        deployment = await self._deployment(job.spec.deployment_id)
        config = read_config(checkout, relative, deployment.service_spec)
        fields = ", ".join(config.applied.fields) or "nothing"
        await log.write(f"{relative}: the service's {fields} taken from the repository")
        return config

    async def _with_host_keys(self, repo: Repository, log: BuildLog) -> Repository:
        """Over SSH, the server's pinned keys travel with the run; at first use, the keys it
        presents now are pinned (and said in the log), and every later run requires them."""
        endpoint = ssh_endpoint(repo.url)
        if endpoint is None:
            return repo
        keys = await self.host_keys.pinned(endpoint.token)
        if not keys:
            try:
                scanned = await self.git.scan_host_keys(endpoint)
            except GitError as exc:
                raise Failure("CloneFailed", str(exc)) from None
            self.ensure_leader()
            keys = await self.host_keys.pin(scanned, seen_for=scrub(repo.url, []))
            shown = ", ".join(f"{key.key_type} {key.fingerprint}" for key in keys)
            await log.write(
                f"first connection to {endpoint.token}: its SSH host key is now pinned ({shown});"
                " later builds refuse any other key (review or forget it under SSH hosts)"
            )
        known = tuple(key.line for key in keys)
        return replace(repo, auth=replace(repo.auth, known_hosts=known))

    async def _clone_failure(self, exc: GitError, repo: Repository, log: BuildLog) -> Failure:
        endpoint = ssh_endpoint(repo.url)
        if endpoint is None or HOST_KEY_REFUSED not in str(exc):
            return Failure("CloneFailed", f"{exc}{self._tail(log)}")
        known = repo.auth.known_hosts
        pinned = ", ".join(HostKey(*line.split(" ", 2)).fingerprint for line in known)
        try:
            presented = ", ".join(k.fingerprint for k in await self.git.scan_host_keys(endpoint))
        except GitError:
            presented = "unknown"
        return Failure(
            "HostKeyChanged",
            f"{endpoint.token} presented the SSH host key {presented}, not the one pinned at "
            f"first use ({pinned}): someone may be impersonating the Git server. If its key "
            "really changed, forget the old one under SSH hosts and deploy again.",
        )

    def _refuse_local_source(self, url: str) -> None:
        """A file:// URL or a path reads this controller's own disk: only from the allowed
        folder (ZANE_BUILDS_LOCAL_SOURCES_ROOT), and never at all unless one is set."""
        path = local_path(url)
        if path is None:
            return
        root = self.settings.local_sources_root
        if not root:
            raise Failure(
                "LocalSourceRefused",
                f"{url} is on the build server's own disk: local sources are off (set "
                "ZANE_BUILDS_LOCAL_SOURCES_ROOT to allow a folder); use a Git server's URL",
            )
        allowed = Path(root).resolve()
        if not path.resolve().is_relative_to(allowed):
            raise Failure(
                "LocalSourceRefused", f"{url} is outside the allowed local folder {allowed}"
            )

    async def _known_commit(self, repo: Repository, log: BuildLog) -> str | None:
        """The commit to build if it can be known without cloning (a full hash, a branch head)."""
        if repo.commit is not None:
            return repo.commit if FULL_SHA.fullmatch(repo.commit) else None
        try:
            head = await self.git.head_of(repo, log.write)
        except GitError as exc:
            raise await self._clone_failure(exc, repo, log) from None
        if head is None:
            raise Failure("CloneFailed", f"the repository has no branch {repo.branch!r}")
        return head

    async def _reusable(self, job: Job, commit: str, log: BuildLog) -> bool:
        ref = image_ref(self.instance, job.service_id, commit, job.spec.source)
        if await self.docker.image_exists(ref):
            await log.write(f"{ref} was built before from the same commit and inputs: reusing it")
            return True
        return False

    def _auth(self, source: GitSource) -> GitAuth:
        credentials = source.credentials
        if credentials is None:
            return GitAuth()
        try:
            return GitAuth(
                token=self._open(credentials.token),
                username=credentials.username,
                ssh_key=self._open(credentials.ssh_key),
            )
        except SecretsUnavailable as exc:
            raise Failure("CredentialsUnavailable", str(exc)) from None

    def _open(self, value: str | None) -> str | None:
        if value is None:
            return None
        if self.box is None:
            raise SecretsUnavailable("ZANE_SECRET_KEY is not set: the credentials cannot be read")
        return self.box.open(value)

    async def _build(self, job: Job, checkout: Path, ref: str, log: BuildLog) -> None:
        request = self._request(job, checkout, ref)
        splitter = LineSplitter()
        async for output in self.docker.build(request):
            for line in splitter.feed(output.text):
                await log.write(line)
            if output.error:
                for line in splitter.rest():
                    await log.write(line)
                await log.write(output.error)
                raise build_failure(output.error, log.tail, self.settings.failure_log_lines)
        if not await self.docker.image_exists(ref):
            raise Failure(
                "BuildFailed", f"the engine ended the build without an image{self._tail(log)}"
            )

    def _request(self, job: Job, checkout: Path, ref: str) -> BuildRequest:
        source = job.spec.source
        root = checkout.resolve()
        context = inside(root, source.context, "context")
        dockerfile = inside(root, source.dockerfile_path, "dockerfile_path")
        if not dockerfile.is_file():
            raise Failure("DockerfileNotFound", f"no file {source.dockerfile_path} in the commit")
        labels = {
            LABEL_MANAGED: "true",
            LABEL_INSTANCE: self.instance,
            LABEL_OWNER: f"services/{job.service_id}",
            LABEL_BUILD: str(job.build_id),
        }
        return BuildRequest(
            str(context), str(dockerfile), ref, dict(source.build_args), source.target, labels
        )

    # --- recording it ----------------------------------------------------------------------

    async def _deployment(self, deployment_id: UUID) -> DeploymentSpec:
        row = await self.store.get(Kind.DEPLOYMENTS, deployment_id)
        if row is None or row.is_deleted:
            raise Failure(CANCELLED, "its deployment was deleted")
        return DeploymentSpec.model_validate(row.spec)

    async def _record_image(
        self, deployment_id: UUID, image: str, commit: str, config: FromRepository | None
    ) -> None:
        """The image (and what the repository's file set) on the deployment, guarded by its
        generation: a cancel racing us wins."""
        while True:
            row = await self.store.get(Kind.DEPLOYMENTS, deployment_id)
            if row is None or row.is_deleted:
                raise Failure(CANCELLED, "its deployment was deleted")
            spec = DeploymentSpec.model_validate(row.spec)
            if spec.cancel_requested:
                raise Failure(CANCELLED, "cancelled on request")
            if spec.image == image and spec.commit_sha == commit:
                return
            updated = {**row.spec, "image": image, "commit_sha": commit}
            if config is not None:  # the deployment's snapshot gets what the file set
                updated["service_spec"] = config.service_spec
                updated["from_repository"] = config.applied.model_dump(mode="json")
            self.ensure_leader()
            try:
                await self.store.update_spec(
                    Kind.DEPLOYMENTS, deployment_id, updated, row.generation
                )
                return
            except Conflict:
                continue  # changed meanwhile (a cancel?): look again


def local_path(url: str) -> Path | None:
    """The folder a file:// URL or a plain path names; None for a remote URL."""
    if url.startswith("file://"):
        return Path(url.removeprefix("file://"))
    return Path(url) if url.startswith("/") else None
