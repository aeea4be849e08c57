"""How the platform learns that a service is ready: an HTTP request or a command."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator

from ._base import NonEmptyStr, SpecModel, type_tag
from ._rules import refuse
from .fields import Duration, Port, UrlPath


class _HealthcheckTiming(SpecModel):
    """The timing both kinds of check share, with Docker's meaning for each field."""

    interval: Duration = Field(default=10.0, description="Time between two checks. Default 10s.")
    # Validated even when defaulted: a short interval must not meet the 5s default timeout.
    timeout: Duration = Field(
        default=5.0,
        validate_default=True,
        description="A check taking longer fails. At most the interval. Default 5s.",
    )
    start_period: Duration = Field(
        default=30.0,
        description="Failures in this window after start do not count; the first success ends "
        "it. Default 30s: slow starters get time, fast ones lose nothing.",
    )
    retries: int = Field(
        default=3, ge=1, le=100, description="Failures in a row that mark it unhealthy. Default 3."
    )

    @field_validator("timeout")
    @classmethod
    def _timeout_within_interval(cls, timeout: float, info: ValidationInfo) -> float:
        interval = info.data.get("interval")  # absent when the interval itself was invalid
        if interval is not None and timeout > interval:
            raise refuse(
                "timeout_longer_than_interval",
                f"the timeout ({timeout:g}s) must not be longer than the interval ({interval:g}s)",
            )
        return timeout


class HttpHealthcheck(_HealthcheckTiming):
    type: Literal["http"] = "http"
    path: UrlPath = Field(
        default="/",
        description="Healthy when GET on this path answers 2xx or 3xx. Run by the platform's "
        "probe: the image needs no HTTP client or shell.",
    )
    port: Port = Field(description="The container port to send the request to.")


class CommandHealthcheck(_HealthcheckTiming):
    type: Literal["command"] = "command"
    command: list[NonEmptyStr] = Field(
        min_length=1,
        description="Run in the container without a shell; healthy when it exits 0. "
        'For a shell, use ["sh", "-c", "..."].',
    )


Healthcheck = Annotated[
    Annotated[HttpHealthcheck, Tag("http")] | Annotated[CommandHealthcheck, Tag("command")],
    Discriminator(
        type_tag,
        custom_error_type="invalid_healthcheck_type",
        custom_error_message="a health check is an object whose type is 'http' or 'command'",
    ),
]
