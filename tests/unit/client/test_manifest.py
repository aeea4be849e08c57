"""The manifest: read whole, every problem with its line, column and field, secrets only by
reference; YAML that would expand without end is refused."""

from __future__ import annotations

import pytest

from client.manifest import ManifestInvalid, read
from client.spec_diff import changes, flatten

MINIMAL = "apiVersion: zaneops.dev/v1\nproject: {slug: shop, name: Shop}\n"


def problems(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ManifestInvalid) as refused:
        read("m.yaml", text, environ or {})
    return refused.value.lines


def test_a_minimal_manifest_is_a_project_without_environments() -> None:
    manifest = read("m.yaml", MINIMAL, {})
    assert manifest.project == {"slug": "shop", "name": "Shop", "description": ""}
    assert manifest.environments == []


def test_every_problem_is_listed_not_only_the_first() -> None:
    said = problems("apiVersion: x\nproject: {slug: Shop}\nextra: 1\n")
    assert said == [
        "m.yaml:3:1: extra: unknown field; known: apiVersion, environments, project",
        "m.yaml:1:13: apiVersion: must be 'zaneops.dev/v1'",
        "m.yaml:2:17: project.slug: a slug must be lowercase, got 'Shop'",
        "m.yaml:2:10: project.name: Field required",
    ]


def test_broken_yaml_says_where() -> None:
    assert problems("project: [\n")[0].startswith("m.yaml:2:1: not valid YAML")


def test_a_key_twice_is_refused_where_it_repeats() -> None:
    assert problems(MINIMAL + "project: {slug: b, name: B}\n") == [
        "m.yaml:3:1: the key 'project' appears twice"
    ]


def test_aliases_that_would_expand_without_end_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 10)}]\n" for n in range(6)
    )
    assert "too many values" in problems(bomb)[0]


def test_a_secret_is_read_from_the_environment_and_never_taken_in_clear() -> None:
    service = (
        MINIMAL + "environments:\n  - slug: prod\n    services:\n      - slug: web\n"
        "        source: {type: image, image: x}\n"
        "        env: [{name: K, secret: true, value: %s}]\n"
    )
    manifest = read("m.yaml", service % "{fromEnv: K_VALUE}", {"K_VALUE": "s3"})
    assert manifest.environments[0].services[0]["env"][0]["value"] == "s3"
    [said] = problems(service % "in-clear")
    assert "a secret is never written in the file" in said


def test_a_list_of_named_things_is_compared_by_name_not_by_place() -> None:
    before = {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    after = {"env": [{"name": "B", "value": "2"}, {"name": "A", "value": "3"}]}
    assert [str(c) for c in changes(before, after)] == ['env.A.value: "1" → "3"']
    assert flatten({"x": {}}) == {"x": {}}


def test_a_secret_is_never_shown_old_or_new() -> None:
    before = {"env": [{"name": "K", "value": "••••••••", "secret": True}]}
    after = {"env": [{"name": "K", "value": "new", "secret": True}]}
    assert [str(c) for c in changes(before, after, ["env.K.value"])] == [
        "env.K.value: •••••••• → ••••••••"
    ]
    assert changes(before, before, ["env.K.value"]) == []
    added = changes({}, {"certificate": {"private_key": "PEM"}}, ["certificate.private_key"])
    assert [str(c) for c in added] == ["certificate.private_key: (none) → ••••••••"]


def test_a_first_item_added_is_its_line_not_an_empty_list_gone() -> None:
    said = changes({"env": []}, {"env": [{"name": "A", "value": "1"}]})
    assert [str(c) for c in said] == ['env.A.value: (none) → "1"']
