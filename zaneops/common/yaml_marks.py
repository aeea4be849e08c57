"""YAML read with where each value stands, so a refusal names the file's line and column.

Only YAML's safe types are built (strings, numbers, booleans, null, lists, mappings), as
yaml.safe_load would; a key must be a string.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

Path = tuple[str | int, ...]
MAX_BYTES = 1024 * 1024  # a project's manifest, with room
MAX_VALUES = 200_000  # aliases could make a small file expand without end ("billion laughs")


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


class YamlProblem(ValueError):
    def __init__(self, message: str, mark: Mark | None) -> None:
        super().__init__(message)
        self.mark = mark


@dataclass
class Marked:
    value: Any
    marks: dict[Path, Mark]  # where each value starts
    key_marks: dict[Path, Mark] = field(default_factory=dict)  # where a mapping's key starts

    def key_mark_of(self, path: Path) -> Mark | None:
        """Where the key of the value at `path` stands (else where the value does)."""
        return self.key_marks.get(path) or self.mark_of(path)

    def mark_of(self, path: Path) -> Mark | None:
        """Where the value at `path` stands, or its nearest parent that the file spells."""
        for end in range(len(path), -1, -1):
            found = self.marks.get(path[:end])
            if found is not None:
                return found
        return None


@dataclass(frozen=True)
class Problem:
    path: Path
    reason: str
    at_key: bool = False  # about the key itself (an unknown field), not its value


def validation_problems(
    exc: ValidationError, base: Path = (), renamed: Mapping[str, str] | None = None
) -> Iterator[Problem]:
    """Pydantic's errors as problems at their place in the file (`renamed`: a model's field
    name -> the file's spelling of it)."""
    for error in exc.errors(include_url=False, include_input=False):
        loc = tuple((renamed or {}).get(str(part), part) for part in error["loc"])
        yield Problem((*base, *loc), error["msg"], at_key=error["type"] == "extra_forbidden")


def problem_line(file_name: str, marked: Marked, problem: Problem) -> str:
    """FILE:LINE:COLUMN: field.path: reason."""
    mark = marked.key_mark_of(problem.path) if problem.at_key else marked.mark_of(problem.path)
    at = f"{mark.line}:{mark.column}" if mark else "1:1"
    where = ".".join(str(part) for part in problem.path) or "(the file)"
    return f"{file_name}:{at}: {where}: {problem.reason}"


def load(text: str) -> Marked:
    """One YAML document, with the mark of every value by its path."""
    if len(text.encode()) > MAX_BYTES:
        raise YamlProblem("the file is larger than 1 MiB", None)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = Mark(mark.line + 1, mark.column + 1) if mark else None
        raise YamlProblem(f"not valid YAML: {exc.problem}", at) from None
    finally:
        loader.dispose()
    found = Marked(None, {})
    if node is not None:
        try:
            found.value = _build(node, (), found, yaml.SafeLoader(""))
        except yaml.MarkedYAMLError as exc:  # a tag it does not take (!!python/..., !foo)
            mark = exc.problem_mark or exc.context_mark
            at = Mark(mark.line + 1, mark.column + 1) if mark else None
            raise YamlProblem(f"not taken: {exc.problem}", at) from None
        except RecursionError:
            raise YamlProblem("the file nests too deep", None) from None
    return found


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _build(node: yaml.Node, path: Path, marked: Marked, scalars: yaml.SafeLoader) -> Any:
    marked.marks[path] = _mark(node)
    if len(marked.marks) > MAX_VALUES:
        raise YamlProblem("the file expands to too many values (aliases?)", _mark(node))
    if isinstance(node, yaml.MappingNode):
        built: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = (
                scalars.construct_object(key_node)
                if isinstance(key_node, yaml.ScalarNode)
                else None
            )
            if not isinstance(key, str):
                raise YamlProblem("a key must be a plain string", _mark(key_node))
            if key in built:
                raise YamlProblem(f"the key {key!r} appears twice", _mark(key_node))
            marked.key_marks[(*path, key)] = _mark(key_node)
            built[key] = _build(value_node, (*path, key), marked, scalars)
        return built
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, n), marked, scalars) for n, item in enumerate(node.value)]
    return scalars.construct_object(node)
