"""How a backup is judged (pure): counts read from the engine's output, compared; and that
PostgreSQL's counts share the dump's snapshot."""

from __future__ import annotations

from controllers.backups.engine import counts_of, differences, not_the_counts
from controllers.backups.postgres import COUNT_SQL, DUMP_SCRIPT


def test_counts_are_read_from_count_lines_only() -> None:
    text = "NOTICE: hello\nCOUNT public.notes 250\nCOUNT app.tags 2\nCOUNT bad line\nCOUNTED\n"
    assert counts_of(text) == {"public.notes": 250, "app.tags": 2}
    assert not_the_counts(text) == "NOTICE: hello\nCOUNT bad line\nCOUNTED"


def test_a_table_whose_name_has_spaces_is_counted_by_its_whole_name() -> None:
    assert counts_of("COUNT my notes 3\nCOUNT 2024 7\n") == {"my notes": 3, "2024": 7}


def test_a_restore_is_good_only_when_every_table_has_its_rows() -> None:
    dumped = {"public.notes": 250, "public.tags": 2}
    assert differences(dumped, dict(dumped)) == []
    assert differences(dumped, {"public.notes": 249, "public.tags": 2}) == [
        "public.notes: 250 rows at dump time, 249 restored"
    ]
    assert differences(dumped, {"public.notes": 250}) == [
        "public.tags: 2 rows at dump time, missing from the restore"
    ]
    assert differences({}, {"public.x": 0}) == [
        "public.x: not in the database at dump time, yet restored"
    ]


def test_the_dump_and_the_counts_share_one_snapshot() -> None:
    """The counts are taken in the transaction whose snapshot pg_dump dumps."""
    assert "REPEATABLE READ" in DUMP_SCRIPT and "pg_export_snapshot()" in DUMP_SCRIPT
    assert '--snapshot="$snapshot"' in DUMP_SCRIPT
    assert DUMP_SCRIPT.index("COUNTED") < DUMP_SCRIPT.index("pg_dump --snapshot")
    assert COUNT_SQL in DUMP_SCRIPT
