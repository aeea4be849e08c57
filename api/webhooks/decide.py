"""Whether a push deploys the service: its branch, and a watched file among the changes."""

from __future__ import annotations

from dataclasses import dataclass

from api.webhooks.globs import matching
from api.webhooks.payload import Push
from zaneops.specs import GitSource

BRANCH_PREFIX = "refs/heads/"


@dataclass(frozen=True)
class Deploy:
    commit: str | None  # None: the branch's head when the build clones


@dataclass(frozen=True)
class Ignore:
    reason: str


def pushed_branch(ref: str | None) -> str | None:
    """The branch of a ref; None when the ref names something else (a tag)."""
    if ref is None or ref.startswith(BRANCH_PREFIX):
        return ref.removeprefix(BRANCH_PREFIX) if ref else ref
    return None if ref.startswith("refs/") else ref


def _branch_reason(push: Push, branch: str) -> str | None:
    if push.ref is None:
        return None  # a plain call without a ref means the service's branch
    pushed = pushed_branch(push.ref)
    if pushed is None:
        return f"{push.ref} is not a branch"
    if pushed != branch:
        return f"push to {pushed!r}; the service builds {branch!r}"
    return None


def _watch_reason(push: Push, watch_paths: list[str]) -> str | None:
    if not watch_paths or push.files is None:
        return None  # nothing watched, or the host did not list the files: deploy
    if matching(push.files, watch_paths):
        return None
    return f"none of the {len(push.files)} changed files matches the watch paths"


def decide(push: Push, source: GitSource) -> Deploy | Ignore:
    """Whether a push to the service's Git source deploys (its branch, its watch paths)."""
    if push.deleted:
        return Ignore("the branch was deleted")
    watched = list(source.watch_paths)
    if watched and source.config_file is not None:  # its edit changes what runs
        watched.append(source.config_file)
    reason = _branch_reason(push, source.branch) or _watch_reason(push, watched)
    return Ignore(reason) if reason else Deploy(push.commit)
