"""Names: slugs, host names and domain names."""

from __future__ import annotations

import re

from ._rules import Rule, apply_rules, refuse

SLUG_MAX_LENGTH = 63
DNS_NAME_MAX_LENGTH = 253
DNS_LABEL_MAX_LENGTH = 63

# Slugs and (lowercased) DNS labels share an alphabet.
_LOWERCASE_ALNUM_HYPHEN = re.compile(r"[a-z0-9-]+")

_SLUG_RULES: tuple[Rule, ...] = (
    (lambda v: not v, "a slug must not be empty"),
    (lambda v: len(v) > SLUG_MAX_LENGTH, "a slug must be at most 63 characters, got {length}"),
    (lambda v: v != v.lower(), "a slug must be lowercase, got {value}"),
    (
        lambda v: not _LOWERCASE_ALNUM_HYPHEN.fullmatch(v),
        "a slug may contain only lowercase letters, digits and hyphens, got {value}",
    ),
    (lambda v: not v[0].isalpha(), "a slug must start with a letter, got {value}"),
    (lambda v: v.endswith("-"), "a slug must not end with a hyphen, got {value}"),
)

_DNS_NAME_RULES: tuple[Rule, ...] = (
    (lambda v: not v, "a host name must not be empty"),
    (lambda v: len(v) > DNS_NAME_MAX_LENGTH, "a host name must be at most 253 characters"),
    (lambda v: v.endswith("."), "a host name must not end with a dot, got {value}"),
    (lambda v: "*" in v, "a wildcard is not allowed here, got {value}"),
    (
        lambda v: "." not in v and v != "localhost",
        "a host name needs at least two labels, like example.com (or is localhost), got {value}",
    ),
)

_LABEL_RULES: tuple[Rule, ...] = (
    (lambda v: not v, "a host name must not have an empty label (a leading dot or '..')"),
    (
        lambda v: len(v) > DNS_LABEL_MAX_LENGTH,
        "the label {value} is {length} characters; a label has at most 63",
    ),
    (
        lambda v: not _LOWERCASE_ALNUM_HYPHEN.fullmatch(v),
        "the label {value} may contain only letters, digits and hyphens",
    ),
    (
        lambda v: v.startswith("-") or v.endswith("-"),
        "the label {value} must not start or end with a hyphen",
    ),
)


def check_slug(value: str) -> str:
    return apply_rules(value, _SLUG_RULES, "invalid_slug")


def check_dns_name(value: str, error_type: str = "invalid_dns_name") -> str:
    """Validate a host name and return it lowercased (DNS is case-insensitive)."""
    name = apply_rules(value.lower(), _DNS_NAME_RULES, error_type)
    for label in name.split("."):
        apply_rules(label, _LABEL_RULES, error_type)
    return name


def check_domain_name(value: str) -> str:
    """A host name, or `*.` followed by one: a wildcard covers exactly one whole leftmost label."""
    prefix = "*." if value.startswith("*.") else ""
    rest = value.removeprefix(prefix)
    if "*" in rest:
        raise refuse(
            "invalid_domain_name",
            f"a wildcard must be the whole leftmost label, as in *.example.com, got {value!r}",
        )
    if len(value) > DNS_NAME_MAX_LENGTH:
        raise refuse("invalid_domain_name", "a domain name must be at most 253 characters")
    return prefix + check_dns_name(rest, "invalid_domain_name")
