"""The `zaneops` command answers bad input with a message, not a traceback."""

from __future__ import annotations

from tests.support.processes import run_cli


def test_an_unknown_controller_is_refused_with_the_known_names() -> None:
    """`zaneops controller run nope` exits 1 with 'unknown controller', no traceback."""
    result = run_cli("controller", "run", "nope")
    assert result.returncode == 1
    assert "unknown controller 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_controller_reference_to_a_missing_module_is_refused() -> None:
    """`zaneops controller run missing.module:build` names the missing module."""
    result = run_cli("controller", "run", "missing.module:build")
    assert result.returncode == 1
    assert "missing" in result.stderr and "Traceback" not in result.stderr


def test_an_invalid_setting_is_refused_naming_the_variable_and_the_reason() -> None:
    """ZANE_RUNTIME_WORKERS=lots → 'ZANE_RUNTIME_WORKERS: Input should be ...', exit 1."""
    result = run_cli("controller", "run", "nope", env={"ZANE_RUNTIME_WORKERS": "lots"})
    assert result.returncode == 1
    assert "ZANE_RUNTIME_WORKERS: Input should be a valid integer" in result.stderr


def test_migrate_against_an_unreachable_database_says_so() -> None:
    """`zaneops migrate` with nothing listening → 'cannot reach the database', exit 1."""
    unreachable = {"ZANE_DATABASE_URL": "postgresql://zane:zane@127.0.0.1:1/zane"}
    result = run_cli("migrate", env=unreachable)
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr and "Traceback" not in result.stderr
