"""The manifest's JSON Schema: committed for editors, current, and saying what the reader
says of a file (a good manifest passes, a secret in clear does not)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from client.schema import manifest_schema, repository_schema
from tests.support.manifests import SHOP

COMMITTED = Path(__file__).parents[3] / "docs" / "zaneops-manifest.schema.json"
COMMITTED_REPOSITORY = Path(__file__).parents[3] / "docs" / "zaneops-repository.schema.json"


def test_the_committed_schema_is_current() -> None:
    """Regenerate: python -m launcher.cli schema > docs/zaneops-manifest.schema.json"""
    assert json.loads(COMMITTED.read_text()) == manifest_schema()


def test_a_good_manifest_passes_and_a_secret_in_clear_or_a_service_id_does_not() -> None:
    validator = jsonschema.Draft202012Validator(manifest_schema())
    assert list(validator.iter_errors(yaml.safe_load(SHOP))) == []
    clear = yaml.safe_load(SHOP.replace("value: {fromEnv: SHOP_API_KEY}", "value: {x: 1}"))
    assert list(validator.iter_errors(clear))
    by_id = yaml.safe_load(SHOP.replace("{service: web, port: 80}", "{service_id: x, port: 80}"))
    assert list(validator.iter_errors(by_id))


def test_the_committed_repository_schema_is_current_and_refuses_what_the_reader_refuses() -> None:
    """Regenerate:
    python -m launcher.cli schema --repository > docs/zaneops-repository.schema.json"""
    assert json.loads(COMMITTED_REPOSITORY.read_text()) == repository_schema()
    validator = jsonschema.Draft202012Validator(repository_schema())
    good = {"apiVersion": "zaneops.dev/v1", "service": {"replicas": 2}}
    assert list(validator.iter_errors(good)) == []
    for bad in (
        {"apiVersion": "zaneops.dev/v1", "service": {"source": {"type": "image"}}},
        {"apiVersion": "zaneops.dev/v1", "service": {"replicas": "two"}},
        {"service": {"replicas": 2}},
    ):
        assert list(validator.iter_errors(bad)), bad
