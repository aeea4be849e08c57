"""`zaneops apply / diff / export` against the real API: a project declared in a file is
created, changed field by field, exported and applied elsewhere; bad files are refused with
the file, line, column and field before anything changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.client.conftest import Installation
from tests.support.manifests import SHOP

SECRETS = {"SHOP_API_KEY": "k-123"}


def write(tmp_path: Path, text: str, name: str = "shop.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def api_get(platform: Installation, path: str) -> Any:
    headers = {"Authorization": f"Bearer {platform.token}"}
    answer = httpx.get(f"{platform.api.base_url}/api/v1{path}", headers=headers, timeout=10)
    answer.raise_for_status()
    return answer.json()


def project_state(platform: Installation, slug: str = "shop") -> dict[str, Any]:
    """Every spec of the project, by kind and name, with ids swapped for names."""
    project = next(p for p in api_get(platform, "/projects")["items"] if p["spec"]["slug"] == slug)
    state: dict[str, Any] = {"project": project["spec"]}
    for env in api_get(platform, f"/projects/{project['id']}/environments")["items"]:
        services = api_get(platform, f"/environments/{env['id']}/services")["items"]
        slugs = {s["id"]: s["spec"]["slug"] for s in services}
        domains = []
        for domain in api_get(platform, f"/environments/{env['id']}/domains")["items"]:
            spec = domain["spec"]
            target = {**spec["target"], "service_id": slugs[spec["target"]["service_id"]]}
            domains.append({**spec, "target": target})
        state[env["spec"]["slug"]] = {
            "spec": env["spec"],
            "services": {s["spec"]["slug"]: s["spec"] for s in services},
            "volumes": [
                v["spec"] for v in api_get(platform, f"/environments/{env['id']}/volumes")["items"]
            ],
            "domains": domains,
        }
    return state


def test_apply_creates_every_object_and_a_second_apply_changes_nothing(
    platform: Installation, tmp_path: Path
) -> None:
    file = write(tmp_path, SHOP)
    first = platform.run("apply", "-f", file, **SECRETS)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "created project shop",
        "created environment shop/production",
        "created volume shop/production/volumes/data",
        "created service shop/production/web",
        "created domain shop/production/domains/shop.localhost",
    ]
    state = project_state(platform)
    web = state["production"]["services"]["web"]
    assert web["env"][1] == {"name": "API_KEY", "value": "••••••••", "secret": True}
    assert state["production"]["domains"][0]["target"]["service_id"] == "web"
    again = platform.run("apply", "-f", file, **SECRETS)
    assert (again.exit_code, again.output) == (0, "nothing to change\n")


def test_diff_shows_exactly_the_edit_and_apply_makes_it_so(
    platform: Installation, tmp_path: Path
) -> None:
    assert platform.run("apply", "-f", write(tmp_path, SHOP), **SECRETS).exit_code == 0
    edited = SHOP.replace("replicas: 1", "replicas: 2").replace("value: prod}", "value: staging}")
    file = write(tmp_path, edited, "edited.yaml")
    diff = platform.run("diff", "-f", file, **SECRETS)
    assert diff.exit_code == 1  # there are changes
    assert diff.output.splitlines() == [
        "~ service shop/production/web",
        '    env.MODE.value: "prod" → "staging"',
        "    replicas: 1 → 2",
    ]
    assert platform.run("apply", "-f", file, **SECRETS).exit_code == 0
    assert project_state(platform)["production"]["services"]["web"]["replicas"] == 2
    assert platform.run("diff", "-f", file, **SECRETS).output == "nothing to change\n"


def test_an_exported_project_applied_to_another_installation_has_the_same_specs(
    platform: Installation, second_platform: Installation, tmp_path: Path
) -> None:
    assert platform.run("apply", "-f", write(tmp_path, SHOP), **SECRETS).exit_code == 0
    exported = platform.run("export", "shop")
    assert exported.exit_code == 0, exported.output
    document = yaml.safe_load(exported.output)
    [env_var] = [v for v in document["environments"][0]["services"][0]["env"] if v.get("secret")]
    assert env_var["value"] == {"fromEnv": "PRODUCTION_WEB_API_KEY"}  # never the secret
    file = write(tmp_path, exported.output, "exported.yaml")
    applied = second_platform.run("apply", "-f", file, PRODUCTION_WEB_API_KEY="k-123")
    assert applied.exit_code == 0, applied.output
    assert project_state(second_platform) == project_state(platform)
    again = platform.run("diff", "-f", file, PRODUCTION_WEB_API_KEY="k-123")
    assert again.output == "nothing to change\n"


BAD_FILES = [
    (
        "replicas: 1",
        "replicas: many",
        "11:19: environments.0.services.0.replicas: Input should be a valid integer",
    ),
    (
        "    variables:",
        "    colour: blue\n    variables:",
        "5:5: environments.0.colour: unknown field",
    ),
    (
        "domain: shop.localhost",
        "domain: shop..localhost",
        "17:17: environments.0.domains.0.domain: a host name must not have an empty label",
    ),
    (
        "value: {fromEnv: SHOP_API_KEY}",
        "value: hunter2",
        "14:50: environments.0.services.0.env.1.value: a secret is never written in the file",
    ),
    ("apiVersion: zaneops.dev/v1", "apiVersion: v2", "1:13: apiVersion: must be 'zaneops.dev/v1'"),
    (
        "{service: web, port: 80}",
        "{service: api, port: 80}",
        "18:27: environments.0.domains.0.target.service: no service 'api'",
    ),
]


@pytest.mark.parametrize(("before", "after", "said"), BAD_FILES)
def test_a_bad_file_is_refused_with_its_line_column_and_field_and_nothing_changes(
    platform: Installation, tmp_path: Path, before: str, after: str, said: str
) -> None:
    assert before in SHOP
    file = write(tmp_path, SHOP.replace(before, after))
    refused = platform.run("apply", "-f", file, **SECRETS)
    assert refused.exit_code == 2
    assert f"{file}:{said}" in refused.output, refused.output
    assert api_get(platform, "/projects")["items"] == []


def test_a_secret_variable_that_is_not_set_is_named(platform: Installation, tmp_path: Path) -> None:
    refused = platform.run("apply", "-f", write(tmp_path, SHOP))
    assert refused.exit_code == 2
    assert "env.1.value: fromEnv: the variable 'SHOP_API_KEY' is not set" in refused.output


def test_an_apply_refused_halfway_says_what_was_applied_and_a_rerun_completes_it(
    platform: Installation, tmp_path: Path
) -> None:
    """Another project's environment routes shop.localhost: the domain is refused (409)
    after the rest is applied; once that route is gone, the same file completes."""
    taken = SHOP.replace("slug: shop, name: Shop", "slug: other, name: Other").replace(
        "API_KEY, secret: true, value: {fromEnv: SHOP_API_KEY}", "X, value: y"
    )
    assert platform.run("apply", "-f", write(tmp_path, taken, "other.yaml")).exit_code == 0
    file = write(tmp_path, SHOP)
    halfway = platform.run("apply", "-f", file, **SECRETS)
    assert halfway.exit_code == 1
    assert "refused: domain shop/production/domains/shop.localhost:" in halfway.output
    assert "routed by another environment" in halfway.output
    assert "applied: 4 object(s); not applied: nothing" in halfway.output
    other = next(p for p in api_get(platform, "/projects")["items"] if p["spec"]["slug"] == "other")
    headers = {"Authorization": f"Bearer {platform.token}"}
    httpx.delete(
        f"{platform.api.base_url}/api/v1/projects/{other['id']}", headers=headers
    ).raise_for_status()
    completed = platform.run("apply", "-f", file, **SECRETS)
    assert completed.exit_code == 0, completed.output
    assert completed.output.splitlines() == [
        "created domain shop/production/domains/shop.localhost"
    ]


def test_a_secret_is_never_printed_and_is_sent_again_only_when_asked(
    platform: Installation, tmp_path: Path
) -> None:
    assert platform.run("apply", "-f", write(tmp_path, SHOP), **SECRETS).exit_code == 0
    more = SHOP.replace(
        "          - {name: MODE, value: prod}",
        "          - {name: MODE, value: prod}\n"
        "          - {name: TOKEN, secret: true, value: {fromEnv: SHOP_TOKEN}}",
    )
    file = write(tmp_path, more, "more.yaml")
    diff = platform.run("diff", "-f", file, SHOP_TOKEN="t-secret", **SECRETS)
    assert "env.TOKEN.value: (none) → ••••••••" in diff.output
    assert "t-secret" not in diff.output and "k-123" not in diff.output
    assert platform.run("apply", "-f", file, SHOP_TOKEN="t-secret", **SECRETS).exit_code == 0
    rotated = {"SHOP_TOKEN": "t-rotated", **SECRETS}
    assert platform.run("diff", "-f", file, **rotated).output == "nothing to change\n"
    forced = platform.run("diff", "-f", file, "--update-secrets", **rotated)
    assert "env.TOKEN.value: •••••••• → ••••••••" in forced.output
    assert "t-rotated" not in forced.output


def test_a_reference_outside_a_secret_or_to_the_clis_own_variables_is_refused(
    platform: Installation, tmp_path: Path
) -> None:
    leaking = SHOP.replace("value: prod}", "value: {fromEnv: HOME}}").replace(
        "fromEnv: SHOP_API_KEY", "fromEnv: ZANE_TOKEN"
    )
    refused = platform.run("apply", "-f", write(tmp_path, leaking))
    assert refused.exit_code == 2
    assert "env.0.value: fromEnv is for secrets only" in refused.output
    assert "env.1.value: fromEnv: ZANE_* variables are the CLI's own" in refused.output
    assert platform.token not in refused.output


def test_prune_deletes_only_what_an_earlier_apply_made(
    platform: Installation, tmp_path: Path
) -> None:
    """A service made by hand (the dashboard) beside the file's stays; one the file made and
    no longer names goes, with --prune only."""
    two = SHOP.replace(
        "    domains:",
        '      - slug: worker\n        source: {type: image, image: "zaneops/busybox:latest"}\n'
        "    domains:",
    )
    assert platform.run("apply", "-f", write(tmp_path, two, "two.yaml"), **SECRETS).exit_code == 0
    production = next(
        e
        for e in api_get(platform, "/projects/" + _project_id(platform) + "/environments")["items"]
    )
    headers = {"Authorization": f"Bearer {platform.token}"}
    by_hand = {"slug": "by-hand", "source": {"type": "image", "image": "zaneops/busybox:latest"}}
    made = httpx.post(
        f"{platform.api.base_url}/api/v1/environments/{production['id']}/services",
        json=by_hand,
        headers=headers,
    )
    made.raise_for_status()
    file = write(tmp_path, SHOP)  # the worker is no longer named
    assert "worker" not in platform.run("diff", "-f", file, **SECRETS).output
    diff = platform.run("diff", "-f", file, "--prune", **SECRETS)
    assert diff.output.splitlines() == ["- service shop/production/worker"]
    pruned = platform.run("apply", "-f", file, "--prune", **SECRETS)
    assert pruned.output.splitlines() == ["deleted service shop/production/worker"]
    left = {
        s["spec"]["slug"]
        for s in api_get(platform, f"/environments/{production['id']}/services")["items"]
        if s["deleted_at"] is None
    }
    assert left == {"web", "by-hand"}


def _project_id(platform: Installation) -> str:
    return str(api_get(platform, "/projects")["items"][0]["id"])
