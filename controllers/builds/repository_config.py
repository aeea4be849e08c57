"""Config as code: the repository's config file read from the checkout and laid over the
deployment's service spec before the build. Any problem stops the deploy, naming the file's
line, column and field, and nothing is changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from zaneops.common.yaml_marks import (
    MAX_BYTES,
    Marked,
    Problem,
    YamlProblem,
    load,
    problem_line,
    validation_problems,
)
from zaneops.specs import ServiceSpec
from zaneops.specs.repository_config import (
    AppliedRepositoryConfig,
    ReplacesASecret,
    RepositoryConfig,
    applied_to,
    set_fields,
)

from .plan import Failure

INVALID = "InvalidConfigFile"


@dataclass(frozen=True)
class FromRepository:
    service_spec: dict[str, Any]  # the deployment's, with the file's section over it; valid
    applied: AppliedRepositoryConfig


def inside(root: Path, relative: str, field_name: str) -> Path:
    """A path of the checkout; a symlink may not lead outside it."""
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise Failure("InvalidSource", f"source.{field_name} leads outside the repository")
    return path


def read_config(checkout: Path, relative: str, service: ServiceSpec) -> FromRepository:
    marked = _load(_text(checkout, relative), relative)
    try:
        config = RepositoryConfig.model_validate(marked.value)
    except ValidationError as exc:
        _refuse(relative, marked, list(validation_problems(exc)))
    try:  # the result must still be a service: a job cannot get a health check
        merged = applied_to(service, config)
        ServiceSpec.model_validate(merged)
    except ValidationError as exc:
        _refuse(relative, marked, list(validation_problems(exc, ("service",))))
    except ReplacesASecret as exc:
        _refuse(relative, marked, [Problem(("service", "env", exc.index, "name"), str(exc))])
    return FromRepository(merged, AppliedRepositoryConfig(file=relative, fields=set_fields(config)))


def _text(checkout: Path, relative: str) -> str:
    root = checkout.resolve()
    path = inside(root, relative, "config_file")
    if not path.is_file():
        raise Failure(
            "ConfigFileNotFound",
            f"no file {relative} in the commit: add it, or turn config as code off in the "
            "service's source (config_file)",
        )
    if path.stat().st_size > MAX_BYTES:
        raise Failure(INVALID, f"{relative}: the file is larger than {MAX_BYTES} bytes")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Failure(INVALID, f"{relative}: not UTF-8 text") from None


def _load(text: str, relative: str) -> Marked:
    try:
        return load(text)
    except YamlProblem as exc:
        at = f"{exc.mark.line}:{exc.mark.column}:" if exc.mark else ""
        raise Failure(INVALID, f"{relative}:{at} {exc}") from None


def _refuse(relative: str, marked: Marked, problems: list[Problem]) -> NoReturn:
    lines = [problem_line(relative, marked, problem) for problem in problems]
    raise Failure(INVALID, "the config file cannot be applied:\n" + "\n".join(lines))
