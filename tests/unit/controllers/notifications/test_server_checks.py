"""Server checks decided purely: a subject is named by its labels and cleaned of line breaks,
a disk is back under only 5 points below its threshold, and a spell's two messages have keys
of their own that a restart finds again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from controllers.notifications.server_checks import (
    STARTED,
    checks,
    ended_event,
    started_event,
)
from zaneops.specs.notifications import EventType

SINCE = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_a_subject_is_named_by_its_labels_without_line_breaks_or_missing_parts() -> None:
    down, disk = checks(90, 90)
    assert down.subject({"nodename": "web-1\nBcc: x", "instance": "10.0.0.2:9100"}) == "web-1Bcc: x"
    assert disk.subject({"nodename": "web-1", "device": "/dev/vda"}) == "web-1 /dev/vda"
    assert disk.subject({"nodename": "web-1"}) is None
    assert len(down.subject({"nodename": "x" * 500}) or "") == 120


def test_a_disk_is_back_under_five_points_below_its_threshold_and_down_waits_its_seconds() -> None:
    down, disk = checks(90, 120)
    assert disk.trouble.endswith("> 90") and disk.fine.endswith("< 85")
    assert "[120s]" in down.trouble and "last_over_time(node_uname_info[1h])" in down.trouble
    assert down.trouble.endswith("(max(count_over_time(node_uname_info[120s])) >= 3)")
    assert (down.type, disk.type) == (EventType.NODE_DOWN, EventType.DISK_FULL)


def test_a_spell_s_messages_have_their_own_keys_found_again_by_its_prefix() -> None:
    down, _ = checks(90, 90)
    started = started_event(down, "web-1", 1.0, SINCE, "https://zane.test/")
    later = SINCE + timedelta(minutes=5)
    ended = ended_event(down, "web-1", 1.0, since=SINCE, now=later, base="")
    prefix = down.prefix("web-1")
    assert started.key == f"{prefix}{STARTED}{SINCE.isoformat()}"
    assert ended.key == f"{prefix}:ended:{SINCE.isoformat()}"
    assert (started.title, ended.title) == ("Server down: web-1", "Server back: web-1")
    assert started.link == "https://zane.test/servers" and ended.link is None
    assert ended.occurred_at == later and started.project_id is None
