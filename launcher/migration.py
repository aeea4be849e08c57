"""`zaneops migrate`: the schema, then the components' roles allowed to log in."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings


class MigrationSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_MIGRATE_")
    read_by: ClassVar[str] = "zaneops migrate (the migrate service of the stack)"

    api_database_url: str = Field(
        default="",
        description="The API's URL (role zane_api): after migrating, that role may log in "
        "with its password. Empty: left as it is.",
    )
    controllers_database_url: str = Field(
        default="",
        description="The controllers' URL (role zane_controller), likewise.",
    )

    def component_urls(self) -> list[str]:
        return [url for url in (self.api_database_url, self.controllers_database_url) if url]
