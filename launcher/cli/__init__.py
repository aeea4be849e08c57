"""The `zaneops` command: one module per group of subcommands, assembled here."""

from __future__ import annotations

import click

from launcher.cli import (
    client_commands,
    database_commands,
    local_commands,
    node_commands,
    platform_commands,
    process_commands,
    restore_commands,
    settings_command,
)


@click.group()
def main() -> None:
    """ZaneOps: a self-hosted PaaS that converges Docker Swarm and Caddy to specs in Postgres."""


for module in (
    process_commands,
    local_commands,
    platform_commands,
    settings_command,
    client_commands,
    database_commands,
    node_commands,
    restore_commands,
):
    for command in module.COMMANDS:
        main.add_command(command)

if __name__ == "__main__":
    main()
