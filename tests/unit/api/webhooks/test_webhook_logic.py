"""The pure logic of auto-deploy webhooks: watch-path globs, push payloads, the decision."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from api.errors import ApiError
from api.webhooks.decide import Deploy, Ignore, decide, pushed_branch
from api.webhooks.globs import matching
from api.webhooks.payload import NotAPush, Push, read_push
from api.webhooks.signatures import signature_problem
from zaneops.specs import GitSource

SHA = "a" * 40
GIT = GitSource(repository_url="https://git.example.com/a/b.git", branch="main")


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("src/**", "src/app/main.py", True),
        ("src/**", "docs/src/x", False),
        ("*.md", "README.md", True),
        ("*.md", "docs/guide.md", False),
        ("**/*.md", "docs/guide.md", True),
        ("**/*.md", "README.md", True),
        ("docs/", "docs/a/b.txt", True),
        ("./api/*.py", "api/app.py", True),
        ("api/?.py", "api/ab.py", False),
        ("a+b/*.txt", "a+b/c.txt", True),
    ],
)
def test_watch_path_globs_cross_folders_only_with_double_star(
    pattern: str, path: str, expected: bool
) -> None:
    """`**` crosses folders, `*` and `?` stay within one, other characters are literal."""
    assert bool(matching([path], [pattern])) is expected


def _push(headers: dict[str, str], body: object) -> Push:
    found = read_push(headers, json.dumps(body).encode())
    assert isinstance(found, Push)
    return found


def test_a_github_push_gives_ref_commit_and_the_files_of_every_commit() -> None:
    """Added, modified and removed files of all commits are read, once each."""
    push = _push(
        {"x-github-event": "push"},
        {
            "ref": "refs/heads/main",
            "after": SHA.upper(),
            "commits": [
                {"added": ["a.py"], "modified": ["b.py"], "removed": []},
                {"added": [], "modified": ["b.py"], "removed": ["c.py"]},
            ],
        },
    )
    assert (push.host, push.ref, push.commit) == ("GitHub", "refs/heads/main", SHA)
    assert push.files == ["a.py", "b.py", "c.py"]


def test_a_gitlab_push_with_more_commits_than_listed_has_unknown_files() -> None:
    """GitLab lists at most 20 commits: beyond that the files are unknown, so it deploys."""
    body = {
        "ref": "refs/heads/main",
        "checkout_sha": SHA,
        "total_commits_count": 30,
        "commits": [{"added": ["x"], "modified": [], "removed": []}],
    }
    push = _push({"x-gitlab-event": "Push Hook"}, body)
    assert (push.host, push.commit, push.files) == ("GitLab", SHA, None)


def test_a_gitea_push_is_named_by_its_own_header_not_the_github_one() -> None:
    """Gitea also sends X-GitHub-Event; its own header names the host."""
    push = _push({"x-github-event": "push", "x-gitea-event": "push"}, {"ref": "refs/heads/x"})
    assert push.host == "Gitea"


def test_another_event_is_not_a_push() -> None:
    """A GitHub ping or a GitLab tag push is recognised and ignored, not deployed."""
    assert isinstance(read_push({"x-github-event": "ping"}, b"{}"), NotAPush)
    assert isinstance(read_push({"x-gitlab-event": "Tag Push Hook"}, b"{}"), NotAPush)


def test_an_empty_body_is_a_plain_push_of_the_branch_head() -> None:
    """A script may POST nothing: the service's branch head is built."""
    push = read_push({}, b"")
    assert push == Push("generic", None, None, None, False)
    assert decide(push, GIT) == Deploy(None)


def test_a_form_encoded_github_body_is_read_from_its_payload_field() -> None:
    """GitHub's default content type wraps the JSON in payload=..."""
    raw = b"payload=" + json.dumps({"ref": "refs/heads/main", "after": SHA}).encode()
    push = read_push(
        {"x-github-event": "push", "content-type": "application/x-www-form-urlencoded"}, raw
    )
    assert isinstance(push, Push) and push.commit == SHA


@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        (b"{not json", 400, None),
        (b"[1, 2]", 422, None),
        (b'{"ref": 12}', 422, "ref"),
        (b'{"after": "xyz"}', 422, "after"),
        (b'{"commits": [{"added": "a.py"}]}', 422, "commits.0.added"),
    ],
)
def test_a_bad_body_is_refused_naming_the_problem(
    raw: bytes, status: int, field: str | None
) -> None:
    """Bad JSON is a 400; a wrong field is a 422 naming the field."""
    with pytest.raises(ApiError) as caught:
        read_push({}, raw)
    assert caught.value.status == status
    assert [e.field for e in caught.value.errors] == ([field] if field else [])


def test_a_push_to_another_branch_or_a_tag_is_ignored_with_the_reason() -> None:
    """Only the service's branch deploys; the reason names both branches."""
    other = decide(Push("GitHub", "refs/heads/dev", SHA, None, False), GIT)
    assert other == Ignore("push to 'dev'; the service builds 'main'")
    tag = decide(Push("GitHub", "refs/tags/v1", SHA, None, False), GIT)
    assert isinstance(tag, Ignore) and "not a branch" in tag.reason
    assert pushed_branch("feature/x") == "feature/x"


def test_watch_paths_decide_only_when_the_payload_lists_files() -> None:
    """Listed files must match a watch path; no list at all deploys."""
    source = GIT.model_copy(update={"watch_paths": ["api/**"]})
    assert decide(Push("g", "refs/heads/main", SHA, ["api/x.py"], False), source) == Deploy(SHA)
    ignored = decide(Push("g", "refs/heads/main", SHA, ["ui/x.ts"], False), source)
    assert isinstance(ignored, Ignore) and "watch paths" in ignored.reason
    assert decide(Push("g", "refs/heads/main", SHA, None, False), source) == Deploy(SHA)


def test_a_deleted_branch_is_ignored() -> None:
    """GitHub's zero `after` on a branch deletion never deploys."""
    push = _push({"x-github-event": "push"}, {"ref": "refs/heads/main", "after": "0" * 40})
    assert push.deleted and decide(push, GIT) == Ignore("the branch was deleted")


def test_signatures_are_checked_only_when_sent() -> None:
    """A right HMAC or GitLab token passes, a wrong one is named, none is no check."""
    raw, secret = b'{"ref": "x"}', "s3cret"
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    assert signature_problem({"x-hub-signature-256": f"sha256={digest}"}, raw, secret) is None
    assert signature_problem({"x-gitea-signature": digest}, raw, secret) is None
    assert signature_problem({"x-hub-signature-256": "sha256=00"}, raw, secret)
    assert signature_problem({"x-gitlab-token": "nope"}, raw, secret)
    assert signature_problem({"x-gitlab-token": secret}, raw, secret) is None
    assert signature_problem({}, raw, secret) is None


def test_an_edit_of_the_config_file_deploys_even_outside_the_watch_paths() -> None:
    """The repository's zaneops.yaml changes what runs, so its edit is always watched."""
    source = GitSource(
        repository_url="https://h.example/a/b", watch_paths=["api/**"], config_file="zaneops.yaml"
    )
    push = Push("g", "refs/heads/main", SHA, ["zaneops.yaml"], False)
    assert decide(push, source) == Deploy(SHA)
    unwatched = GitSource(repository_url="https://h.example/a/b", watch_paths=["api/**"])
    assert isinstance(decide(push, unwatched), Ignore)
