"""`zaneops up` on the real Swarm: an isolated installation (its own instance name, ports and
host folders) is brought up from nothing, used through its API and proxy, upgraded under load,
and has its containers killed one by one. Everything it made is removed at the end."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import screenshot
from tests.support.ports import free_port
from tests.support.processes import REPO
from tests.support.swarm import WEB_COMMAND, new_instance, remove_everything

UP_TIMEOUT = 300
WAIT = 90.0
UPGRADE_MARKER = "e2e-upgrade"  # fixed: a re-run finds this image already built


@dataclass
class Installation:
    instance: str
    options: list[str]
    http_port: int
    dashboard_port: int
    admin_password: str
    first_up_seconds: float
    client: httpx.Client = field(init=False)

    def zaneops(self, *args: str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        return zaneops(*args, *self.options, *extra)

    def through_proxy(self, host: str) -> tuple[int, str]:
        try:
            answer = httpx.get(
                f"http://127.0.0.1:{self.http_port}/", headers={"Host": host}, timeout=3
            )
        except httpx.TransportError:
            return 0, ""
        return answer.status_code, answer.text


def zaneops(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "launcher.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=UP_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"zaneops {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def docker_client() -> docker.DockerClient:
    return docker.from_env(timeout=60)


def remove_installation(instance: str, folder: Path, strict: bool = False) -> None:
    """Its stack first (its controllers would repair what follows), then users' services,
    networks, volumes and secrets: only its own. Strict: a volume left (its container still
    stopping after 2 minutes) fails here, not as a platform that never gets healthy (a kept
    database volume holds the old role's password; the new up would wait on it)."""
    subprocess.run(
        [sys.executable, "-m", "launcher.cli", "down", f"--instance={instance}"],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
    )
    remove_everything(instance)
    client = docker_client()
    label = {"label": f"zane.instance={instance}"}
    for volume in client.volumes.list(filters=label):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                volume.remove(force=True)
                break
            except docker.errors.APIError:  # containers still stopping
                time.sleep(0.5)
    for secret in client.secrets.list(filters=label):
        secret.remove()
    shutil.rmtree(folder, ignore_errors=True)
    left = [volume.name for volume in client.volumes.list(filters=label)]
    assert not (strict and left), f"volumes still in use after the wipe: {left}"


@pytest.fixture(scope="module")
def installation() -> Iterator[Installation]:
    instance = new_instance()
    folder = Path(tempfile.mkdtemp(prefix=f"zaneops-{instance}-"))
    http_port, https_port, dashboard_port = free_port(), free_port(), free_port()
    options = [
        f"--instance={instance}",
        f"--http-port={http_port}",
        f"--https-port={https_port}",
        f"--dashboard-port={dashboard_port}",
        f"--run-dir={folder / 'run'}",
        f"--data-dir={folder / 'data'}",
        "--images=local",
        "--no-https",
    ]
    try:
        started = time.monotonic()
        output = zaneops("up", *options).stdout
        seconds = time.monotonic() - started
        password = re.search(r"admin: admin / (\S+)", output)
        assert password, output
        made = Installation(
            instance, options, http_port, dashboard_port, password.group(1), seconds
        )
        made.client = log_in(made)
        yield made
        made.client.close()
    finally:
        remove_installation(instance, folder)


def log_in(installation: Installation) -> httpx.Client:
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{installation.dashboard_port}/api/v1", timeout=10
    )
    answer = client.post(
        "/auth/login", json={"username": "admin", "password": installation.admin_password}
    )
    answer.raise_for_status()
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def eventually(check: Callable[[], bool], message: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for: {message}"
        time.sleep(0.3)


def created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def web(greeting: str) -> dict[str, Any]:
    return {
        "slug": "web",
        "source": {"type": "image", "image": "zaneops/busybox:latest"},
        "command": WEB_COMMAND,
        "env": [{"name": "GREETING", "value": greeting}],
        # Through the platform's probe (the probe service fills the probe volume).
        "healthcheck": {"type": "http", "port": 80, "path": "/", "interval": "1s", "timeout": "1s"},
    }


def deploy_and_wait(client: httpx.Client, service_id: str) -> None:
    deployment = created(client.post(f"/services/{service_id}/deploy"))

    def healthy() -> bool:
        return client.get(f"/deployments/{deployment['id']}").json().get("phase") == "HEALTHY"

    eventually(healthy, "deployment HEALTHY")


def serves(installation: Installation, host: str, text: str) -> None:
    def answered() -> bool:
        status, body = installation.through_proxy(host)
        return status == 200 and text in body

    eventually(answered, f"{host} serves {text!r} through the proxy")


def stack_services(instance: str) -> dict[str, dict[str, Any]]:
    """service name -> its inspect data, for the installation's stack only."""
    found = docker_client().api.services(
        filters={"label": f"com.docker.stack.namespace={instance}"}
    )
    return {service["Spec"]["Name"]: service for service in found}


def versions(instance: str) -> dict[str, int]:
    return {name: s["Version"]["Index"] for name, s in stack_services(instance).items()}


class Prober:
    """Requests to a domain through the proxy, back to back, on a thread; counts the failures."""

    def __init__(self, installation: Installation, host: str) -> None:
        self.installation, self.host = installation, host
        self.ok = self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            status, _ = self.installation.through_proxy(self.host)
            if status == 200:
                self.ok += 1
            else:
                self.failed += 1
            time.sleep(0.05)


@pytest.fixture(scope="module")
def user_service(installation: Installation) -> str:
    """A project, a service from a local image, a domain, deployed: the service's id."""
    client = installation.client
    project = created(client.post("/projects", json={"slug": "shop", "name": "Shop"}))
    environment = created(
        client.post(f"/projects/{project['id']}/environments", json={"slug": "production"})
    )
    service = created(client.post(f"/environments/{environment['id']}/services", json=web("hi")))
    created(
        client.post(
            f"/environments/{environment['id']}/domains",
            json={"domain": "shop.localhost", "target": {"service_id": service["id"], "port": 80}},
        )
    )
    deploy_and_wait(client, service["id"])
    return str(service["id"])


def test_up_from_nothing_runs_every_component_as_a_swarm_service_and_serves_a_users_service(
    installation: Installation, user_service: str
) -> None:
    """Fresh `zaneops up` → every component a swarm service; a deployed service is served."""
    instance = installation.instance
    expected = {
        f"{instance}_{name}"
        for name in (
            "postgres",
            "redis",
            "redis-logs",
            "migrate",
            "proxy",
            "probe",
            "api",
            "metrics",
            "exporter",
            "node-exporter",
            "controller-networks",
            "controller-routes",
            "controller-services",
            "controller-volumes",
        )
    }
    assert expected <= set(stack_services(instance))
    serves(installation, "shop.localhost", "hi")


def test_the_stack_s_prometheus_charts_a_users_service_from_every_source(
    installation: Installation, user_service: str
) -> None:
    """The stack's wiring, as installed: the node's exporter and the routes controller found by
    DNS and scraped by the `metrics` service, whose series the API returns for the service."""
    for _ in range(20):
        installation.through_proxy("shop.localhost")

    def charted(chart: str) -> bool:
        answer = installation.client.get(f"/services/{user_service}/metrics?window=1h")
        assert answer.status_code == 200, answer.text
        found = next(c for c in answer.json()["charts"] if c["name"] == chart)
        return any(v is not None for line in found["lines"] for v in line["values"])

    eventually(lambda: charted("Memory"), "the exporter's memory series", timeout=120)
    eventually(lambda: charted("Requests"), "the routes controller's request series", timeout=120)

    def this_server() -> list[dict[str, Any]]:
        answer = installation.client.get("/servers/metrics?window=1h")
        assert answer.status_code == 200, answer.text
        return [s for s in answer.json()["servers"] if s["up"] and s["memory_bytes"]]

    # The node exporter, named after its node by the stack's hostname template.
    eventually(lambda: bool(this_server()), "the node exporter's series", timeout=120)
    [server] = this_server()
    assert server["name"] == docker_client().info()["Name"]
    assert server["cores"] == os.cpu_count()
    print(f"\nfresh zaneops up: {installation.first_up_seconds:.1f} s")


def test_a_users_container_reaches_the_proxy_and_nothing_of_the_platform(
    installation: Installation, user_service: str
) -> None:
    """Issue 15, item 4. The attack: from inside a deployed service, call the API directly
    (bypassing the proxy, forging X-Forwarded-For), hold Caddy's `ask` endpoint, or open
    Postgres and Redis. Before: the API and the routes controller were on the users' edge
    network. Now the user's service is on its environment's network, where only the proxy
    (attached by the networks controller) is: every other name does not even resolve."""
    [container] = docker_client().containers.list(
        filters={"label": f"zane.owner=services/{user_service}", "status": "running"}
    )
    [network] = container.attrs["NetworkSettings"]["Networks"]
    [proxy] = docker_client().containers.list(
        filters={"label": f"com.docker.swarm.service.name={installation.instance}_proxy"}
    )
    proxy_address = proxy.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]

    def reaches(host: str, port: int) -> bool:
        probe = f"echo | nc -w 2 {host} {port} >/dev/null 2>&1 && echo open || echo closed"
        result = container.exec_run(["sh", "-c", probe])
        return bytes(result.output).decode().strip() == "open"

    assert reaches(proxy_address, 80)
    for host, port in (
        ("api", 8000),
        ("controller-routes", 9180),
        ("postgres", 5432),
        ("redis", 6379),
        ("redis-logs", 6379),
        ("metrics", 9090),
        ("exporter", 9101),
        ("node-exporter", 9100),
    ):
        assert not reaches(host, port), f"a user's container reaches {host}:{port}"


def test_a_second_up_changes_nothing_and_an_upgrade_under_load_loses_no_request(
    installation: Installation, user_service: str
) -> None:
    """Re-run: no service version moves, fast; new app image: rolled out, no request lost."""
    before = versions(installation.instance)
    started = time.monotonic()
    output = installation.zaneops("up", extra=("--skip-host",)).stdout
    again = time.monotonic() - started
    assert "stack: unchanged" in output, output
    assert versions(installation.instance) == before
    assert again < 15, f"second up took {again:.1f} s"

    app_before = stack_services(installation.instance)[f"{installation.instance}_api"]
    with Prober(installation, "shop.localhost") as prober:
        installation.zaneops("up", extra=("--skip-host", f"--image-marker={UPGRADE_MARKER}"))
    api = stack_services(installation.instance)[f"{installation.instance}_api"]
    image = api["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
    assert image != app_before["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
    assert prober.failed == 0 and prober.ok > 20, (prober.ok, prober.failed)
    print(f"\nsecond zaneops up: {again:.1f} s; upgrade: {prober.ok} requests, 0 lost")


def kill_one_container(instance: str, component: str) -> str:
    client = docker_client()
    service = f"{instance}_{component}"
    running = client.containers.list(
        filters={"label": f"com.docker.swarm.service.name={service}"}, ignore_removed=True
    )
    assert running, f"no container of {service}"
    running[0].kill()
    return str(running[0].id)


def healthy_again(installation: Installation, component: str, killed: str) -> None:
    """A new container of the component runs, and `zaneops status` says all are healthy."""

    def back() -> bool:
        service = f"{installation.instance}_{component}"
        live = docker_client().containers.list(
            filters={"label": f"com.docker.swarm.service.name={service}"}, ignore_removed=True
        )
        fresh = [c for c in live if c.id != killed]
        if not fresh or any(c.id == killed for c in live):
            return False
        status = installation.zaneops("status").stdout
        return status.count("healthy") == status.count("\n")

    eventually(back, f"{component} back and healthy")


def test_environments_made_while_serving_attach_the_proxy_and_lose_no_request(
    installation: Installation, user_service: str
) -> None:
    """Each new environment's network is attached to the running proxy (no restart): the
    served domain loses no request meanwhile, and each environment reports it Ready."""
    client = installation.client
    project = created(client.post("/projects", json={"slug": "many", "name": "Many"}))
    started = time.monotonic()
    with Prober(installation, "shop.localhost") as prober:
        made = [
            created(client.post(f"/projects/{project['id']}/environments", json={"slug": f"e{n}"}))
            for n in range(5)
        ]

        def all_attached() -> bool:
            for environment in made:
                status = client.get(f"/environments/{environment['id']}").json()["status"]
                ready = [c for c in status["conditions"] if c["type"] == "Ready"]
                if not ready or ready[0]["status"] != "True":
                    return False
            return True

        eventually(all_attached, "5 environments attached to the proxy")
        attached_in = time.monotonic() - started
    assert prober.failed == 0 and prober.ok > 5, (prober.ok, prober.failed)
    print(f"\n5 environments attached in {attached_in:.2f} s; {prober.ok} requests, 0 lost")


@pytest.mark.parametrize(
    "component",
    ["api", "controller-services", "controller-networks", "redis", "proxy", "probe"],
)
def test_a_killed_platform_container_comes_back_and_the_platform_converges(
    installation: Installation, user_service: str, component: str
) -> None:
    """Kill one container → Swarm restarts it; users' service untouched; a new change applies."""
    user_tasks = users_running_tasks(installation.instance)
    with Prober(installation, "shop.localhost") as prober:
        killed = kill_one_container(installation.instance, component)
        healthy_again(installation, component, killed)
    if component != "proxy":  # through the proxy, only its own restart may cost requests
        assert prober.failed == 0, (prober.ok, prober.failed)
    assert users_running_tasks(installation.instance) == user_tasks

    greeting = f"after-{component}"
    client = installation.client = log_in(installation)  # a restarted Redis forgot sessions
    etag = client.get(f"/services/{user_service}").headers["etag"]
    edited = client.put(f"/services/{user_service}", json=web(greeting), headers={"If-Match": etag})
    assert edited.status_code == 200, edited.text
    deploy_and_wait(client, user_service)
    serves(installation, "shop.localhost", greeting)


def users_running_tasks(instance: str) -> set[str]:
    """Task ids of the users' services (not the platform's own stack services)."""
    api = docker_client().api
    services = api.services(filters={"label": f"zane.instance={instance}"})
    users = [s["ID"] for s in services if "com.docker.stack.namespace" not in s["Spec"]["Labels"]]
    return {
        task["ID"]
        for service in users
        for task in api.tasks(filters={"service": service, "desired-state": "running"})
    }


# --- the platform backs itself up, and `zaneops restore` on a fresh instance --------------
# Last in this module: the final test wipes the installation and brings up a fresh one.


@dataclass
class PlatformBackup:
    file: Path
    sha256: str
    key_file: Path
    backup: dict[str, Any]
    greeting: str  # what the user's service answers at the time of the backup
    projects: list[str]  # the projects' slugs at the time of the backup


def zaneops_failing(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "launcher.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=UP_TIMEOUT,
        check=False,
    )
    assert done.returncode != 0, f"zaneops {args[0]} succeeded:\n{done.stdout}"
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def sealed_secret(installation: Installation, user_service: str) -> str:
    """A service with a secret variable: the platform's database then holds a sealed value
    (which only the installation's key opens). Its environment's id."""
    client = installation.client = log_in(installation)
    environment_id = str(client.get(f"/services/{user_service}").json()["parent_id"])
    worker = {
        "slug": "worker",
        "source": {"type": "image", "image": "zaneops/busybox:latest"},
        "env": [{"name": "TOKEN", "value": "s3cret", "secret": True}],
    }
    created(client.post(f"/environments/{environment_id}/services", json=worker))
    return environment_id


def newest_verified_platform_backup(client: httpx.Client) -> dict[str, Any] | None:
    listed = client.get("/platform/backups").json()["items"]
    return next((b for b in listed if b["phase"] == "VERIFIED"), None)


@pytest.fixture(scope="module")
def platform_backup(
    installation: Installation,
    user_service: str,
    sealed_secret: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> PlatformBackup:
    """The platform's newest verified backup (the dashboard's test makes it; else asked for
    through the API), its file downloaded, and the key exported: what a person keeps."""
    client = installation.client = log_in(installation)
    backup = newest_verified_platform_backup(client)
    if backup is None:
        asked = created(client.post("/platform/backups"))

        def ended() -> bool:
            return client.get(f"/backups/{asked['id']}").json()["phase"] in ("VERIFIED", "FAILED")

        eventually(ended, "the platform's backup VERIFIED or FAILED", timeout=180)
        backup = client.get(f"/backups/{asked['id']}").json()
    folder = tmp_path_factory.mktemp("platform-backup")
    download = client.get(f"/backups/{backup['id']}/file")
    assert download.status_code == 200, download.text
    path = folder / "platform.pgdump"
    path.write_bytes(download.content)
    key_file = folder / "key.txt"
    key_file.write_text(installation.zaneops("secret-key", "export").stdout)
    service = client.get(f"/services/{user_service}").json()
    env = {e["name"]: e["value"] for e in service["spec"]["env"]}
    sha256 = download.headers["X-Checksum-Sha256"]
    slugs = project_slugs(installation)
    return PlatformBackup(path, sha256, key_file, backup, env["GREETING"], slugs)


async def test_person_backs_up_the_platform_from_the_dashboard_and_sees_it_verified(
    installation: Installation, sealed_secret: str, browser: Browser
) -> None:
    """The Backups page's Platform card: Back up the platform now, Verified, Download."""
    # Yearly: the schedule makes no backup of its own while the test looks for the first one.
    client = installation.client = log_in(installation)
    yearly = {"schedule": "0 0 1 1 *", "keep_last": 7, "target_id": None}
    assert client.put("/platform/backup-policy", json=yearly).status_code == 200
    context = await browser.new_context(
        base_url=f"http://127.0.0.1:{installation.dashboard_port}",
        viewport={"width": 1280, "height": 860},
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
    try:
        await page.goto("/login")
        await page.get_by_label("User name").fill("admin")
        await page.get_by_label("Password").fill(installation.admin_password)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
        await page.goto("/backups")
        card = page.get_by_test_id("platform-backups")
        await expect(card.get_by_text("No verified backup of the platform yet")).to_be_visible()
        await expect(card.get_by_label("Back up the platform (cron, UTC)")).to_have_value(
            "0 0 1 1 *"
        )
        await expect(card.get_by_test_id("platform-restore-help")).to_contain_text(
            "--secret-key-file zaneops-key.txt"
        )
        await page.get_by_role("button", name="Back up the platform now").click()
        verified = card.get_by_test_id("platform-verified")
        await expect(verified).to_contain_text("restored into a scratch server", timeout=180_000)
        async with page.expect_download() as download:
            await verified.get_by_role("link", name="Download").click()
        saved = await (await download.value).path()
        assert Path(saved).read_bytes()[:5] == b"PGDMP"
        listed = page.get_by_test_id("overview-backup").filter(has_text="The platform")
        await expect(listed).to_have_attribute("data-phase", "VERIFIED", timeout=15_000)
        await card.get_by_label("Back up the platform (cron, UTC)").fill("every night")
        await card.get_by_role("button", name="Save the platform's schedule").click()
        await expect(card.get_by_text("is not a cron expression")).to_be_visible()
        await screenshot(page, "60-platform-backups")
    finally:
        await context.close()


def test_the_platform_backs_up_its_own_database_verified_by_a_restore(
    platform_backup: PlatformBackup,
) -> None:
    """Its Postgres dumped in its own task, restored into a scratch server, rows compared."""
    backup = platform_backup.backup
    assert backup["phase"] == "VERIFIED", backup["status"]
    tables = backup["status"]["details"]["tables"]
    assert tables["public.projects"] >= 1 and tables["public.services"] >= 2
    assert backup["status"]["details"]["file"].startswith("platform/")


def test_a_restore_of_a_file_that_is_not_a_dump_is_refused_naming_the_file(
    installation: Installation, platform_backup: PlatformBackup, tmp_path: Path
) -> None:
    """A CLI message with the file and the reason; nothing stopped, nothing replaced."""
    before = versions(installation.instance)
    not_a_dump = tmp_path / "notes.pgdump"
    not_a_dump.write_text("hello\n")
    done = zaneops_failing("restore", str(not_a_dump), f"--instance={installation.instance}")
    assert f"{not_a_dump}: not a PostgreSQL custom-format dump" in done.stderr
    assert versions(installation.instance) == before


def test_a_restore_with_another_key_is_refused_before_anything_is_replaced(
    installation: Installation, platform_backup: PlatformBackup, tmp_path: Path
) -> None:
    """The backup's sealed secret does not open with that key: refused, nothing stopped."""
    from zaneops.common.secrets import new_key

    before = versions(installation.instance)
    slugs_before = project_slugs(installation)
    wrong = tmp_path / "wrong-key.txt"
    wrong.write_text(new_key())
    done = zaneops_failing(
        "restore",
        str(platform_backup.file),
        f"--secret-key-file={wrong}",
        f"--instance={installation.instance}",
    )
    assert "this backup was sealed with another key" in done.stderr, done.stderr
    assert versions(installation.instance) == before
    assert "shop" in slugs_before and project_slugs(installation) == slugs_before


def project_slugs(installation: Installation) -> list[str]:
    projects = installation.client.get("/projects").json()["items"]
    return sorted(p["spec"]["slug"] for p in projects)


# A wipe, a whole `zaneops up` and a restore: past the default 300 s on a loaded machine.
@pytest.mark.timeout(600)
def test_the_platforms_database_restored_on_a_fresh_instance_brings_projects_and_services_back(
    installation: Installation, platform_backup: PlatformBackup
) -> None:
    """Wiped (stack, volumes, secrets, folders), up again as new, `zaneops restore` with the
    file and the key: the old admin logs in, the project is back and its service answers."""
    data_dir = next(o for o in installation.options if o.startswith("--data-dir="))
    folder = Path(data_dir.split("=", 1)[1]).parent
    remove_installation(installation.instance, folder, strict=True)
    output = installation.zaneops("up", extra=("--skip-host",)).stdout
    fresh = re.search(r"admin: admin / (\S+)", output)
    assert fresh, output
    new_admin = Installation(
        installation.instance,
        installation.options,
        installation.http_port,
        installation.dashboard_port,
        fresh.group(1),
        0.0,
    )
    assert log_in(new_admin).get("/projects").json()["items"] == []  # a fresh instance
    started = time.monotonic()
    said = installation.zaneops(
        "restore",
        str(platform_backup.file),
        f"--secret-key-file={platform_backup.key_file}",
        f"--sha256={platform_backup.sha256}",
    )
    restore_seconds = time.monotonic() - started
    raw_seconds = raw_pg_restore_seconds(installation.instance, platform_backup.file)
    print(f"zaneops restore: {restore_seconds:.1f} s; raw pg_restore: {raw_seconds:.2f} s")
    print(said.stdout)

    def api_back() -> bool:
        try:
            installation.client = log_in(installation)  # the backup's admin and password
        except httpx.HTTPError:
            return False
        return True

    eventually(api_back, "the API answers the backup's admin", timeout=120)
    assert "shop" in platform_backup.projects
    assert project_slugs(installation) == platform_backup.projects
    serves(installation, "shop.localhost", platform_backup.greeting)


def raw_pg_restore_seconds(instance: str, dump: Path) -> float:
    """The same dump loaded by pg_restore alone into a new database of the same server."""
    container = docker_client().containers.list(
        filters={"label": f"com.docker.swarm.service.name={instance}_postgres"}
    )[0]
    subprocess.run(["docker", "cp", str(dump), f"{container.id}:/tmp/raw.pgdump"], check=True)
    script = (
        'createdb -U "$POSTGRES_USER" raw && s=$(date +%s.%N) && '
        'pg_restore --no-owner --single-transaction -U "$POSTGRES_USER" -d raw /tmp/raw.pgdump '
        '&& e=$(date +%s.%N) && dropdb -U "$POSTGRES_USER" raw && rm /tmp/raw.pgdump && '
        'echo "$s $e"'
    )
    code, output = container.exec_run(["bash", "-c", script])
    assert code == 0, output
    start, end = output.decode().split()[-2:]
    return float(end) - float(start)
