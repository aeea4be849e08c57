"""Host-side preparation of the app image's build context: the dashboard built with npm, the
project and its dependencies as wheels built with pip (pip cannot reach the package registry
from inside a Docker build here; the image installs these with --no-index).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

from launcher.platform.images import APP_SOURCES, ImageRecipe

UI_SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts")
# Debian bookworm's Python is 3.11.2, the host's may be newer: dependencies that environment
# markers require only below 3.11.3 (redis needs async-timeout there) are built as well.
IMAGE_PYTHON_EXTRAS = ("async-timeout>=4.0.3",)
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")
Echo = Callable[[str], None]


def repo_root() -> Path:
    """The checkout `zaneops up` builds from (the images are built from its sources)."""
    return Path(__file__).resolve().parents[2]


def _newest_mtime(ui: Path) -> float:
    newest = 0.0
    for name in UI_SOURCES:
        path = ui / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def _node_modules_stale(ui: Path) -> bool:
    installed = ui / "node_modules" / ".package-lock.json"
    lock = ui / "package-lock.json"
    return not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime


def build_dashboard(ui: Path, echo: Echo = lambda _: None) -> bool:
    """npm ci && npm run build, skipped when the build is newer than every source; True if built."""
    index = ui / "dist" / "index.html"
    if index.exists() and index.stat().st_mtime > _newest_mtime(ui):
        return False
    echo("dashboard: building (npm)")
    if _node_modules_stale(ui):
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], ui)
    _run(["npm", "run", "build"], ui)
    return True


def _run(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildContextError(
            f"{' '.join(argv)} failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}"
        )


def production_requirements(repo: Path) -> list[str]:
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *IMAGE_PYTHON_EXTRAS]


class BuildContexts:
    """Assembles build contexts; dependency wheels are cached by their requirement list."""

    def __init__(self, repo: Path, cache_dir: Path, echo: Echo) -> None:
        self.repo = repo
        self.cache_dir = cache_dir
        self.echo = echo

    def app_context(self, recipe: ImageRecipe, target: Path) -> Path:
        """The app image's context in target: Dockerfile(s), deps/, app/, ui/, marker."""
        shutil.copytree(recipe.context, target, dirs_exist_ok=True)
        shutil.copytree(self.dependency_wheels(), target / "deps")
        self._project_wheel(target / "app")
        shutil.copytree(self.repo / "ui" / "dist", target / "ui")
        (target / "marker").write_text(recipe.extra)
        return target

    def dependency_wheels(self) -> Path:
        requirements = production_requirements(self.repo)
        key = hashlib.sha256("\n".join([sys.version, *requirements]).encode()).hexdigest()[:12]
        folder = self.cache_dir / f"deps-{key}"
        if folder.is_dir():
            return folder
        self.echo("app image: building dependency wheels (pip wheel, cached)")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(dir=self.cache_dir, prefix="partial-"))
        self._pip("wheel", "--quiet", "-w", str(partial), *requirements)
        partial.rename(folder)  # atomic: never a half-filled cache
        return folder

    def _project_wheel(self, out: Path) -> None:
        """Built from a clean copy: setuptools' build/ folder in the checkout could keep files
        that were deleted since."""
        with tempfile.TemporaryDirectory(prefix="zaneops-src-") as source:
            for name in ("pyproject.toml", "README.md"):
                shutil.copy2(self.repo / name, Path(source) / name)
            for package in APP_SOURCES:
                shutil.copytree(self.repo / package, Path(source) / package, ignore=IGNORED)
            self._pip("wheel", "--quiet", "--no-deps", "-w", str(out), source)

    def _pip(self, *args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise BuildContextError(f"pip {args[0]} failed:\n{done.stderr[-2000:]}")


class BuildContextError(Exception):
    """A host-side build step failed; the message carries the tool's last output."""
