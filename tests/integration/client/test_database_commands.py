"""`zaneops db ...` against the real API (no controllers: what the commands ask and show)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.client.conftest import Installation
from tests.integration.client.test_commands import applied
from zaneops.common.secrets import MASK


def test_a_database_is_made_shown_backed_up_and_listed_from_the_command_line(
    platform: Installation, tmp_path: Path
) -> None:
    applied(platform, tmp_path)  # the shop project and its production environment
    made = platform.run("db", "create", "shop/production", "db", "--engine", "postgres")
    assert made.exit_code == 0, made.output
    assert "{{services.db.DATABASE_URL}}" in made.output

    masked = platform.run("db", "url", "shop/production/db")
    assert masked.output.strip() == f"postgresql://app:{MASK}@db:5432/app"
    revealed = platform.run("db", "url", "shop/production/db", "--reveal")
    password = revealed.output.strip().split(":")[2].split("@")[0]
    assert len(password) == 32 and MASK not in revealed.output

    queued = platform.run("db", "backup", "shop/production/db")
    assert queued.exit_code == 0 and "queued" in queued.output
    listed = platform.run("db", "backups", "shop/production/db", "-o", "json")
    [backup] = json.loads(listed.output)
    assert backup["spec"]["trigger"] == "manual" and backup["phase"] is None

    # Nothing verified it (no controller here): a restore is refused, with exit code 1.
    refused = platform.run("db", "restore", backup["id"], "copy")
    assert refused.exit_code == 1 and "only a verified backup" in refused.output


def test_a_database_command_on_something_else_says_what_it_needs(
    platform: Installation, tmp_path: Path
) -> None:
    applied(platform, tmp_path)
    wrong = platform.run("db", "url", "shop/production")
    assert wrong.exit_code == 2 and "is not a service" in wrong.output
    web = platform.run("db", "url", "shop/production/web")
    assert web.exit_code == 1 and "not a database" in web.output


def test_a_mariadb_is_made_from_the_command_line_with_its_mysql_url(
    platform: Installation, tmp_path: Path
) -> None:
    applied(platform, tmp_path)
    made = platform.run("db", "create", "shop/production", "shopdb", "--engine", "mariadb")
    assert made.exit_code == 0, made.output
    masked = platform.run("db", "url", "shop/production/shopdb")
    assert masked.output.strip() == f"mysql://app:{MASK}@shopdb:3306/app"
    queued = platform.run("db", "backup", "shop/production/shopdb")
    assert queued.exit_code == 0 and "queued" in queued.output
