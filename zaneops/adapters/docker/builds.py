"""Image builds and built images, through the Engine API (docker-py's low-level client).

A build streams its output as it happens. Closing that stream (the build task cancelled,
timed out, or its leader deposed) makes the engine stop a classic build and remove its
intermediate container at once: we shut the socket down from the event loop's side.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import APIError, ImageNotFound, NotFound

from zaneops.adapters.docker.streams import in_thread
from zaneops.common.naming import LABEL_INSTANCE, LABEL_MANAGED

LABEL_BUILD = "zane.build"


@dataclass(frozen=True)
class BuildRequest:
    """One `docker build`: paths on this host, the tag to give, what to label the image with."""

    context_dir: str
    dockerfile: str  # absolute; may lie outside the context (docker-py then sends it along)
    tag: str
    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildOutput:
    """One piece of a build's stream: text to log, an error, or the built image's id."""

    text: str = ""
    error: str = ""
    image_id: str = ""


@dataclass(frozen=True)
class BuiltImage:
    id: str
    tags: tuple[str, ...]
    labels: dict[str, str]
    created: int  # unix seconds
    size: int  # bytes


def _output(raw: dict[str, Any]) -> BuildOutput:
    if "error" in raw:
        detail = raw.get("errorDetail") or {}
        return BuildOutput(error=str(detail.get("message") or raw["error"]))
    aux = raw.get("aux") or {}
    return BuildOutput(text=str(raw.get("stream", "")), image_id=str(aux.get("ID", "")))


def _image(raw: dict[str, Any]) -> BuiltImage:
    tags = tuple(t for t in raw.get("RepoTags") or () if t != "<none>:<none>")
    return BuiltImage(
        id=raw["Id"],
        tags=tags,
        labels=dict(raw.get("Labels") or {}),
        created=int(raw.get("Created", 0)),
        size=int(raw.get("Size", 0)),
    )


class _Hangup:
    """Ends a build stream from outside its reading thread: shutting the socket down wakes it."""

    def __init__(self) -> None:
        self.sock: Any = None
        self.client: Any = None

    def capture(self, response: Any, *_: Any, **__: Any) -> Any:
        if self.sock is None and response.request.path_url.split("?")[0].endswith("/build"):
            raw = response.raw._fp.fp.raw  # the SocketIO under the chunked response
            self.sock = getattr(raw, "_sock", raw)
        return response

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()


class DockerBuilds:
    """The one place the platform builds, inspects and removes images."""

    def __init__(self, client: docker.DockerClient | None = None) -> None:
        self._client = client or docker.from_env(timeout=60)
        self._api: Any = self._client.api

    def close(self) -> None:
        self._client.close()

    async def image_exists(self, reference: str) -> bool:
        try:
            await asyncio.to_thread(self._api.inspect_image, reference)
        except (ImageNotFound, NotFound):
            return False
        return True

    async def build(self, request: BuildRequest) -> AsyncIterator[BuildOutput]:
        """The build's output as it comes; closing the iterator stops the build."""

        def open_stream() -> tuple[Iterator[BuildOutput], _Hangup]:
            hangup = _Hangup()
            api = docker.from_env().api  # its own session: the hook sees only this build
            hangup.client = api
            api.hooks["response"].append(hangup.capture)
            stream = api.build(
                path=request.context_dir,
                dockerfile=request.dockerfile,
                tag=request.tag,
                buildargs=request.build_args or None,
                target=request.target,
                labels=request.labels,
                rm=True,
                forcerm=True,  # a failed or stopped step leaves no container behind
                decode=True,
            )
            return (_output(raw) for raw in stream), hangup

        async for output in in_thread(open_stream):
            yield output

    async def list_images(self, instance: str) -> list[BuiltImage]:
        """Images this installation built (managed, its instance, a build id): nothing else."""
        labels = [f"{LABEL_MANAGED}=true", f"{LABEL_INSTANCE}={instance}", LABEL_BUILD]
        found = await asyncio.to_thread(self._api.images, filters={"label": labels})
        return [_image(raw) for raw in found]

    async def remove_image(self, reference: str) -> bool:
        """False if the engine refuses (a container still uses it); True once it is gone."""
        try:
            await asyncio.to_thread(self._api.remove_image, reference)
        except (ImageNotFound, NotFound):
            return True
        except APIError:
            return False
        return True
