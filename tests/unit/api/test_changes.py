"""The pending-changes diff and the deployment rows a deploy inserts (pure logic)."""

from __future__ import annotations

import uuid

from api.changes import CHANGED_SECRET, pending_changes
from api.deployment_rows import new_deployment
from zaneops.common.secrets import MASK, SecretBox, new_key

IMAGE = {"slug": "web", "source": {"type": "image", "image": "nginx:1"}, "replicas": 1}
GIT = {"slug": "app", "source": {"type": "git", "repository_url": "https://h.example/a/b"}}


def test_changed_variables_are_reported_one_by_one() -> None:
    """Variables diff by name: one edit, one addition, one removal, nothing else."""
    live = {**IMAGE, "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    pending = {**IMAGE, "env": [{"name": "A", "value": "9"}, {"name": "C", "value": "3"}]}
    changes = [(c.path, c.change) for c in pending_changes(live, pending, None)]
    assert changes == [("env.A.value", "changed"), ("env.B", "removed"), ("env.C", "added")]


def test_secrets_compare_by_plaintext_and_never_show() -> None:
    """Resealing the same secret is no change; a new secret shows only as a changed mask."""
    box = SecretBox(new_key())
    live = {**IMAGE, "env": [{"name": "T", "value": box.seal("x"), "secret": True}]}
    same = {**IMAGE, "env": [{"name": "T", "value": box.seal("x"), "secret": True}]}
    other = {**IMAGE, "env": [{"name": "T", "value": box.seal("y"), "secret": True}]}
    assert pending_changes(live, same, box) == []
    [change] = pending_changes(live, other, box)
    assert (change.live, change.pending) == (MASK, CHANGED_SECRET)


def test_nothing_deployed_shows_every_field_as_added() -> None:
    """Without a live snapshot the whole spec is pending."""
    changes = pending_changes(None, IMAGE, None)
    assert {c.path for c in changes} == {"slug", "source", "replicas"}
    assert all(c.change == "added" for c in changes)


def test_image_deploy_names_the_image_and_needs_no_build() -> None:
    """An image source is deployed as that image, without a build."""
    new = new_deployment(IMAGE, "deploy")
    assert new.spec["image"] == "nginx:1"
    assert new.build is None


def test_git_deploy_leaves_the_image_to_a_build() -> None:
    """A Git source has no image yet and a build for this very deployment."""
    new = new_deployment(GIT, "redeploy")
    assert new.spec["image"] is None
    assert new.build is not None
    assert new.build["deployment_id"] == str(new.id)


def test_rollback_reuses_the_image_that_ran() -> None:
    """Rolling back a built deployment needs no new build."""
    earlier = uuid.uuid4()
    new = new_deployment(GIT, "rollback", image="zane/app:abc", rollback_of=earlier)
    assert (new.spec["image"], new.spec["rollback_of"], new.build) == (
        "zane/app:abc",
        str(earlier),
        None,
    )


def test_fields_the_live_deployment_took_from_its_repository_are_not_pending() -> None:
    """The repository's file set replicas and one variable: only the person's edit is pending."""
    live = {**IMAGE, "replicas": 2, "env": [{"name": "LOG", "value": "debug"}]}
    pending = {**IMAGE, "replicas": 1, "command": ["serve"], "env": []}
    changes = pending_changes(live, pending, None, from_repository=["replicas", "env.LOG"])
    assert [(c.path, c.change) for c in changes] == [("command", "added")]


def test_a_backup_schedule_takes_effect_at_once_and_is_never_pending() -> None:
    """The backups controller reads the schedule from the service: nothing to deploy."""
    policy = {"schedule": "0 3 * * *", "keep_last": 7}
    assert pending_changes(IMAGE, {**IMAGE, "backup": policy}, None) == []
    changes = pending_changes(IMAGE, {**IMAGE, "backup": policy, "replicas": 2}, None)
    assert [c.path for c in changes] == ["replicas"]
