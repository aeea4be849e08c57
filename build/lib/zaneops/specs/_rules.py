"""How a spec refuses a value: the first broken rule's message, shown as-is next to the field."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

from pydantic_core import PydanticCustomError

# (is_broken, message): in the message, {value} stands for the value quoted, {length} for its
# length. Plain replacement, not str.format, so other braces in a message are just text.
Rule = tuple[Callable[[str], bool], str]

H = TypeVar("H", bound=Hashable)


def refuse(error_type: str, message: str) -> PydanticCustomError:
    """An error pydantic reports verbatim (a ValueError would be prefixed with 'Value error, ')."""
    return PydanticCustomError(error_type, message)


def apply_rules(value: str, rules: Sequence[Rule], error_type: str) -> str:
    """Refuse `value` with the first rule it breaks; later rules may assume earlier ones held."""
    for is_broken, message in rules:
        if is_broken(value):
            raise refuse(error_type, _fill_in(message, value))
    return value


def first_duplicate(items: Iterable[H]) -> H | None:
    """The first item seen twice, so a message can name it."""
    seen: set[H] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return None


def has_space_or_control(value: str) -> bool:
    return any(char.isspace() or not char.isprintable() for char in value)


def _fill_in(message: str, value: str) -> str:
    return message.replace("{value}", repr(value)).replace("{length}", str(len(value)))
