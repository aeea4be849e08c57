"""What the subcommands share: settings loaded with a readable error, and the admin notice."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import click
from pydantic import ValidationError

from zaneops.common.settings import ZaneSettings

if TYPE_CHECKING:
    from api.bootstrap import NewAdmin

SettingsT = TypeVar("SettingsT", bound=ZaneSettings)


def load_settings(settings_class: type[SettingsT]) -> SettingsT:
    """Settings from ZANE_* variables; a bad value is a one-line message naming the variable."""
    try:
        return settings_class()
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {problems(exc, settings_class)}") from exc


def problems(exc: ValidationError, settings_class: type[ZaneSettings] | None = None) -> str:
    """Each invalid field as its variable (or, for an option, its name) and the reason."""
    found = []
    for error in exc.errors():
        field = "_".join(map(str, error["loc"]))
        where = field
        if settings_class is not None and field in settings_class.model_fields:
            where = settings_class.env_name(field)
        found.append(f"{where}: {error['msg']}")
    return "; ".join(found)


def announce(admin: NewAdmin | None) -> None:
    if admin is None:
        return
    if admin.generated_password is None:
        click.echo(
            f"admin {admin.username!r} created with the password from ZANE_API_ADMIN_PASSWORD"
        )
    else:
        click.echo(
            f"admin {admin.username!r} created; password (shown only this once): "
            f"{admin.generated_password}"
        )
