"""One settings convention: every variable names its owner, and `zaneops settings` lists all."""

from __future__ import annotations

from click.testing import CliRunner

from controllers.registry import ENTRIES
from launcher.cli import main
from launcher.cli.settings_command import settings_classes
from launcher.platform.settings import Platform, PlatformSettings
from launcher.platform.stack import StackInputs, render
from zaneops.common.settings import InstallationSettings

IMAGES = {
    "app": "a",
    "postgres": "p",
    "redis": "r",
    "mariadb": "zaneops/mariadb:d",
    "proxy": "c",
    "probe": "b",
    "metrics": "m",
    "node-exporter": "n",
}


def every_variable() -> dict[str, str]:
    """variable → the class that reads it."""
    found: dict[str, str] = {}
    for settings in settings_classes():
        for field in settings.model_fields:
            name = settings.env_name(field)
            assert name not in found, f"{name} is read by {found[name]} and {settings.__name__}"
            found[name] = settings.__name__
    return found


def test_every_variable_but_the_installations_names_its_owner() -> None:
    """ZANE_<OWNER>_<FIELD>, one prefix per class; the installation-wide six have none."""
    prefixes = {}
    for settings in settings_classes():
        prefix = str(settings.model_config.get("env_prefix", ""))
        if settings is InstallationSettings:
            assert prefix == "ZANE_"
            continue
        assert prefix.startswith("ZANE_") and prefix.count("_") == 2, prefix
        assert prefix not in prefixes.values(), f"{prefix} is used twice"
        prefixes[settings.__name__] = prefix
    assert set(prefixes.values()) >= {
        "ZANE_RUNTIME_",
        "ZANE_API_",
        "ZANE_PLATFORM_",
        *(f"ZANE_{entry.name.upper()}_" for entry in ENTRIES),
    }
    assert len(InstallationSettings.model_fields) == 6


def test_zaneops_settings_prints_each_variable_with_its_default_and_reader() -> None:
    """The command is the reference the README points to: all variables, defaults, owners."""
    result = CliRunner().invoke(main, ["settings"])
    assert result.exit_code == 0, result.output
    for name in every_variable():
        assert f"\n{name}=" in "\n" + result.output, name
    assert "ZANE_ROUTES_HTTPS=true" in result.output
    assert "ZANE_RUNTIME_RESYNC_SECONDS=60.0" in result.output
    assert "# the routes controller (controllers/routes)" in result.output


def test_the_stack_sets_only_variables_some_settings_class_reads() -> None:
    """Names come from the models, so a renamed field can never leave a dead variable."""
    platform = Platform("zaneops", PlatformSettings(dashboard_domain="dash.example.com"))
    services = render(StackInputs(platform, IMAGES, ENTRIES, ("10.0.0.0/24",)))["services"]
    known = every_variable()
    for name, service in services.items():
        for variable in service.get("environment", {}):
            if variable.startswith("ZANE_"):
                assert variable in known, f"{name} sets {variable}, which nothing reads"
