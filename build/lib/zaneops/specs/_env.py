"""Environment variables: names a shell accepts, values Docker can pass."""

from __future__ import annotations

import re

from ._rules import Rule, apply_rules

ENV_VAR_NAME_MAX_LENGTH = 255
ENV_VAR_VALUE_MAX_BYTES = 32 * 1024

_NAME_CHARS = re.compile(r"[A-Za-z0-9_]+")

_NAME_RULES: tuple[Rule, ...] = (
    (lambda v: not v, "a variable name must not be empty"),
    (
        lambda v: len(v) > ENV_VAR_NAME_MAX_LENGTH,
        "a variable name must be at most 255 characters, got {length}",
    ),
    (
        lambda v: not _NAME_CHARS.fullmatch(v),
        "a variable name may contain only letters, digits and '_', got {value}",
    ),
    (lambda v: v[0].isdigit(), "a variable name must not start with a digit, got {value}"),
)

_VALUE_RULES: tuple[Rule, ...] = (
    (
        lambda v: len(v.encode()) > ENV_VAR_VALUE_MAX_BYTES,
        "a variable's value must be at most 32 KiB (32768 bytes in UTF-8)",
    ),
    # The process environment is NUL-separated: a NUL would cut the value short.
    (lambda v: "\0" in v, "a variable's value must not contain a NUL character"),
)


def check_env_var_name(value: str) -> str:
    return apply_rules(value, _NAME_RULES, "invalid_env_var_name")


def check_env_var_value(value: str) -> str:
    return apply_rules(value, _VALUE_RULES, "invalid_env_var_value")
