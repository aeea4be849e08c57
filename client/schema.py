"""The manifest's JSON Schema, made from the same spec models the API checks with, so an
editor refuses what the platform would (yaml-language-server reads `# yaml-language-server:
$schema=...`). Two differences from the API's specs: a domain names its service by slug, and
a secret may only be `{fromEnv: NAME}`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from zaneops.specs import DomainSpec, EnvironmentSpec, ProjectSpec, ServiceSpec, VolumeSpec
from zaneops.specs.repository_config import API_VERSION, RepositoryConfig

from .manifest import FROM_ENV

SECRET_REF = {
    "type": "object",
    "description": "A secret, read from this variable where the file is applied.",
    "properties": {FROM_ENV: {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}},
    "required": [FROM_ENV],
    "additionalProperties": False,
}
SERVICE_TARGET = {
    "type": "object",
    "description": "The service of this environment that answers, and its container port.",
    "properties": {
        "service": {"type": "string", "description": "The service's slug."},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
    },
    "required": ["service", "port"],
    "additionalProperties": False,
}
# Fields that hold secrets, by the model that has them: in the file, references only.
SECRET_FIELDS = {
    "EnvVar": "value",
    "RegistryCredentials": "password",
    "DatabaseCredentials": "password",
    "BasicAuthUser": "password",
    "CustomCertificate": "private_key",
}


def manifest_schema() -> dict[str, Any]:
    models: list[type[BaseModel]] = [
        ProjectSpec,
        EnvironmentSpec,
        VolumeSpec,
        ServiceSpec,
        DomainSpec,
    ]
    pairs: list[tuple[type[BaseModel], Literal["validation"]]] = [(m, "validation") for m in models]
    _, top = models_json_schema(pairs, ref_template="#/$defs/{model}")
    defs: dict[str, Any] = top["$defs"]
    for model, name in SECRET_FIELDS.items():
        if model in defs:
            plain = defs[model]["properties"][name]
            defs[model]["properties"][name] = {"anyOf": [plain, {"$ref": "#/$defs/SecretRef"}]}
    for name in ("token", "ssh_key"):
        field = defs["GitCredentials"]["properties"][name]
        defs["GitCredentials"]["properties"][name] = {
            "anyOf": [field, {"$ref": "#/$defs/SecretRef"}]
        }
    defs["SecretRef"] = SECRET_REF
    defs["ServiceTarget"] = SERVICE_TARGET
    defs["DomainSpec"]["properties"]["target"] = {
        "anyOf": [{"$ref": "#/$defs/ServiceTarget"}, {"type": "null"}]
    }
    environment = {
        "type": "object",
        "properties": {
            **defs["EnvironmentSpec"]["properties"],
            "volumes": {"type": "array", "items": {"$ref": "#/$defs/VolumeSpec"}},
            "services": {"type": "array", "items": {"$ref": "#/$defs/ServiceSpec"}},
            "domains": {"type": "array", "items": {"$ref": "#/$defs/DomainSpec"}},
        },
        "required": ["slug"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ZaneOps manifest",
        "type": "object",
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "project": {"$ref": "#/$defs/ProjectSpec"},
            "environments": {"type": "array", "items": environment},
        },
        "required": ["apiVersion", "project"],
        "additionalProperties": False,
        "$defs": defs,
    }


def repository_schema() -> dict[str, Any]:
    """The JSON Schema of a repository's config file (config as code: zaneops.yaml)."""
    schema = RepositoryConfig.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "ZaneOps repository config file",
    }
