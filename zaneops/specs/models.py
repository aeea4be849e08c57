"""Every spec model, and the registry that maps a kind of row to the model of its spec."""

from __future__ import annotations

from pydantic import BaseModel

from .backup import BackupPolicy, BackupSpec
from .backup_targets import BackupTargetSpec
from .build import BuildSpec
from .deployment import DeploymentSpec
from .healthcheck import CommandHealthcheck, Healthcheck, HttpHealthcheck
from .notifications import ChannelSpec, NotificationSpec
from .project import EnvironmentSpec, ProjectSpec
from .routing import DomainSpec, Redirect, RouteTarget
from .run import RunSpec
from .service import EnvVar, PublishedPort, Resources, ServiceSpec, VolumeMount
from .source import GitCredentials, GitSource, ImageSource, RegistryCredentials, Source
from .storage import VolumeSpec

# Keys are the kinds' names (zaneops.specs.kinds.Kind values): the store validates a row's spec
# column with SPEC_MODELS[kind].
SPEC_MODELS: dict[str, type[BaseModel]] = {
    "projects": ProjectSpec,
    "environments": EnvironmentSpec,
    "services": ServiceSpec,
    "deployments": DeploymentSpec,
    "domains": DomainSpec,
    "volumes": VolumeSpec,
    "builds": BuildSpec,
    "runs": RunSpec,
    "backups": BackupSpec,
    "backup_targets": BackupTargetSpec,
    "channels": ChannelSpec,
    "notifications": NotificationSpec,
}

__all__ = [
    "SPEC_MODELS",
    "BackupPolicy",
    "BackupSpec",
    "BackupTargetSpec",
    "BuildSpec",
    "ChannelSpec",
    "CommandHealthcheck",
    "DeploymentSpec",
    "DomainSpec",
    "EnvVar",
    "EnvironmentSpec",
    "GitCredentials",
    "GitSource",
    "Healthcheck",
    "HttpHealthcheck",
    "ImageSource",
    "NotificationSpec",
    "ProjectSpec",
    "PublishedPort",
    "Redirect",
    "RegistryCredentials",
    "Resources",
    "RouteTarget",
    "RunSpec",
    "ServiceSpec",
    "Source",
    "VolumeMount",
    "VolumeSpec",
]
