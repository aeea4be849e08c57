"""A push, read from what GitHub, GitLab, Gitea/Forgejo or a plain script sends.

The headers say which host sent it and which event it is; the body gives the ref, the
pushed commit and, when the host lists them, the changed files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.errors import ApiError, from_validation
from zaneops.specs.fields import CommitSha

NO_COMMIT = "0" * 40  # GitHub's and Gitea's `after` when a branch is deleted


class _Lenient(BaseModel):
    # Hosts send much more than we read; unknown fields are not errors.
    model_config = ConfigDict(extra="ignore")


class CommitFiles(_Lenient):
    added: list[str] | None = None
    modified: list[str] | None = None
    removed: list[str] | None = None

    def files(self) -> list[str] | None:
        lists = [self.added, self.modified, self.removed]
        if all(found is None for found in lists):
            return None
        return [path for found in lists for path in found or []]


class PushBody(_Lenient):
    """The fields read; GitHub, GitLab and Gitea share most of them."""

    ref: str | None = Field(default=None, description="refs/heads/<branch>, or a branch name.")
    checkout_sha: CommitSha | None = None  # GitLab: the head after the push
    after: CommitSha | None = None
    commit: CommitSha | None = None  # a plain script may name the commit so
    deleted: bool = False
    commits: list[CommitFiles] | None = None
    total_commits_count: int | None = None  # GitLab: more commits than the list holds
    changed_files: list[str] | None = None  # a plain script may list them so

    def pushed_commit(self) -> str | None:
        for sha in (self.checkout_sha, self.after, self.commit):
            if sha is not None and sha != NO_COMMIT:
                return sha
        return None

    def is_deletion(self) -> bool:
        return self.deleted or (self.after == NO_COMMIT and self.checkout_sha is None)

    def changed(self) -> list[str] | None:
        """The changed files, or None when the payload does not (fully) list them."""
        if self.changed_files is not None:
            return self.changed_files
        if not self.commits:
            return None
        if self.total_commits_count is not None and self.total_commits_count > len(self.commits):
            return None
        per_commit = [commit.files() for commit in self.commits]
        if any(files is None for files in per_commit):
            return None
        return sorted({path for files in per_commit for path in files or []})


@dataclass(frozen=True)
class Push:
    host: str
    ref: str | None
    commit: str | None
    files: list[str] | None
    deleted: bool


@dataclass(frozen=True)
class NotAPush:
    host: str
    reason: str


# (header, host, the event name of a branch push)
_EVENT_HEADERS = (
    ("x-github-event", "GitHub", "push"),
    ("x-gitlab-event", "GitLab", "Push Hook"),
    ("x-gitea-event", "Gitea", "push"),
    ("x-forgejo-event", "Forgejo", "push"),
    ("x-gogs-event", "Gogs", "push"),
)


def event_of(headers: Mapping[str, str]) -> tuple[str, str | None]:
    """The host, and the event it names if it is not a push (None: a push, or a plain call)."""
    # Gitea and Forgejo also send X-GitHub-Event: their own header wins.
    for header, host, push in reversed(_EVENT_HEADERS):
        event = headers.get(header)
        if event is not None:
            return host, None if event.strip() == push else event
    return "generic", None


def _json_text(raw: bytes, content_type: str) -> str:
    """The JSON text; GitHub's form encoding wraps it in a `payload` field."""
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_body", f"the body is not UTF-8 text: {exc.reason}") from exc
    if content_type.startswith("application/x-www-form-urlencoded"):
        fields = parse_qs(text)
        if "payload" not in fields:
            raise ApiError(400, "invalid_body", "a form-encoded body needs a 'payload' field")
        return fields["payload"][0]
    return text


def _document(raw: bytes, content_type: str) -> dict[str, Any]:
    text = _json_text(raw, content_type)
    if not text.strip():
        return {}  # an empty body: deploy the branch's head
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ApiError(422, "invalid_input", "the body must be a JSON object (or empty)")
    return document


def read_push(headers: Mapping[str, str], raw: bytes) -> Push | NotAPush:
    """The push the request describes; bad JSON or field types are a 4xx naming the problem."""
    host, other_event = event_of(headers)
    if other_event is not None:
        return NotAPush(host, f"{host} event {other_event!r} is not a push")
    try:
        body = PushBody.model_validate(_document(raw, headers.get("content-type", "")))
    except ValidationError as exc:
        raise from_validation(exc) from exc
    return Push(host, body.ref, body.pushed_commit(), body.changed(), body.is_deletion())
