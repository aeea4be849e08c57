"""`zaneops settings`: every setting of every component, its default, and who reads it."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import click
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from api.settings import ApiSettings
from launcher.metrics_exporter import ExporterSettings
from launcher.migration import MigrationSettings
from launcher.platform.settings import PlatformSettings
from zaneops.common.settings import InstallationSettings, ZaneSettings
from zaneops.runtime.settings import RuntimeSettings

if TYPE_CHECKING:
    from controllers.entry import ControllerEntry


def settings_classes(
    entries: Sequence[ControllerEntry] | None = None,
) -> list[type[ZaneSettings]]:
    """Every settings class, in the order a newcomer meets them; controllers' from entries."""
    if entries is None:
        from controllers.registry import ENTRIES

        entries = ENTRIES
    own = [settings for entry in entries for settings in entry.settings]
    return [
        InstallationSettings,
        RuntimeSettings,
        *own,
        ApiSettings,
        ExporterSettings,
        MigrationSettings,
        PlatformSettings,
    ]


def describe(settings: type[ZaneSettings]) -> Iterator[str]:
    yield f"# {settings.read_by or settings.__name__}  ({settings.__module__})"
    for name, info in settings.model_fields.items():
        yield f"{settings.env_name(name)}={default_text(info)}"
        for line in textwrap.wrap(info.description or "", width=92):
            yield f"    {line}"


def default_text(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return "(required)"
    else:
        value = info.default
    if isinstance(value, list | tuple | dict):
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@click.command("settings")
def settings_command() -> None:
    """Print every ZANE_* setting with its default, its description and where it is read.

    Any of them can also come from a file named like the variable in lower case in
    /run/secrets (ZANE_SECRETS_DIR); a variable wins over a file.
    """
    click.echo("# Secret files: ZANE_SECRETS_DIR (default /run/secrets), read if it exists.\n")
    for settings in settings_classes():
        click.echo("\n".join(describe(settings)))
        click.echo("")


COMMANDS = (settings_command,)
