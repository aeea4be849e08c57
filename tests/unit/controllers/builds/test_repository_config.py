"""Config as code: the repository's file laid over the deployment's service spec, or refused
with the file's line, column and field before anything changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from controllers.builds.plan import Failure
from controllers.builds.repository_config import read_config
from zaneops.specs import ServiceSpec

SERVICE = ServiceSpec.model_validate(
    {
        "slug": "app",
        "source": {"type": "git", "repository_url": "https://h.example/a/b"},
        "command": ["serve"],
        "env": [
            {"name": "KEEP", "value": "dashboard"},
            {"name": "LOG", "value": "info"},
            {"name": "TOKEN", "value": "sealed", "secret": True},
        ],
    }
)


def checkout(tmp_path: Path, text: str, name: str = "zaneops.yaml") -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


def refusal(tmp_path: Path, text: str) -> Failure:
    with pytest.raises(Failure) as caught:
        read_config(checkout(tmp_path, text), "zaneops.yaml", SERVICE)
    return caught.value


def test_the_files_fields_replace_the_services_and_variables_merge_by_name(
    tmp_path: Path,
) -> None:
    text = (
        "apiVersion: zaneops.dev/v1\n"
        "service:\n"
        "  replicas: 2\n"
        "  env:\n"
        "    - {name: LOG, value: debug}\n"
        "    - {name: NEW, value: '1'}\n"
    )
    config = read_config(checkout(tmp_path, text), "zaneops.yaml", SERVICE)
    merged = ServiceSpec.model_validate(config.service_spec)
    assert merged.replicas == 2
    assert merged.command == ["serve"]  # not named by the file: kept
    env = {variable.name: variable.value for variable in merged.env}
    assert env == {"KEEP": "dashboard", "LOG": "debug", "TOKEN": "sealed", "NEW": "1"}
    assert config.applied.fields == ["replicas", "env.LOG", "env.NEW"]
    assert config.applied.file == "zaneops.yaml"


def test_a_file_that_sets_nothing_changes_nothing(tmp_path: Path) -> None:
    config = read_config(
        checkout(tmp_path, "apiVersion: zaneops.dev/v1\n"), "zaneops.yaml", SERVICE
    )
    assert ServiceSpec.model_validate(config.service_spec) == SERVICE
    assert config.applied.fields == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "apiVersion: zaneops.dev/v1\nservice:\n  replicas: two\n",
            "zaneops.yaml:3:13: service.replicas: Input should be a valid integer",
        ),
        (
            "apiVersion: zaneops.dev/v1\nservice:\n  replcas: 2\n",
            "zaneops.yaml:3:3: service.replcas: Extra inputs are not permitted",
        ),
        (
            "apiVersion: zaneops.dev/v1\nservice:\n  source: {type: image, image: evil}\n",
            "zaneops.yaml:3:3: service.source: Extra inputs are not permitted",
        ),
        (
            "apiVersion: zaneops.dev/v1\nservice:\n  volumes: []\n",
            "zaneops.yaml:3:3: service.volumes: Extra inputs are not permitted",
        ),
        (
            "apiVersion: zaneops.dev/v1\nservice:\n  env:\n"
            "    - {name: K, value: v, secret: true}\n",
            "zaneops.yaml:4:35: service.env.0.secret: a secret is never written in a repository",
        ),
        (
            "apiVersion: zaneops.dev/v1\nservice:\n  env:\n    - {name: TOKEN, value: mine}\n",
            "zaneops.yaml:4:14: service.env.0.name: TOKEN is a secret of the service",
        ),
        ("apiVersion: v2\n", "zaneops.yaml:1:13: apiVersion: Input should be 'zaneops.dev/v1'"),
        ("service: [\n", "zaneops.yaml:2:1: not valid YAML"),
    ],
)
def test_a_bad_file_is_refused_with_its_line_column_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    failure = refusal(tmp_path, text)
    assert failure.reason == "InvalidConfigFile"
    assert expected in failure.message


def test_the_merged_service_must_still_be_valid(tmp_path: Path) -> None:
    """A job cannot be given a health check, wherever it comes from."""
    job = SERVICE.model_copy(update={"mode": "job"})
    text = (
        "apiVersion: zaneops.dev/v1\nservice:\n  healthcheck: {type: command, command: ['true']}\n"
    )
    with pytest.raises(Failure) as caught:
        read_config(checkout(tmp_path, text), "zaneops.yaml", job)
    assert "zaneops.yaml:3:16: service.healthcheck: a job has no health check" in (
        caught.value.message
    )


def test_a_missing_file_stops_the_deploy_saying_how_to_go_on(tmp_path: Path) -> None:
    with pytest.raises(Failure) as caught:
        read_config(tmp_path, "deploy/zaneops.yaml", SERVICE)
    assert caught.value.reason == "ConfigFileNotFound"
    assert "turn config as code off" in caught.value.message


def test_a_symlink_out_of_the_checkout_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("apiVersion: zaneops.dev/v1\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "zaneops.yaml").symlink_to(outside)
    with pytest.raises(Failure) as caught:
        read_config(repo, "zaneops.yaml", SERVICE)
    assert caught.value.reason == "InvalidSource"
