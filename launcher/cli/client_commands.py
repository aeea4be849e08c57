"""`zaneops login`, `get`, `deploy`, `apply`, `diff`, `export`: the CLI as a client of an
installation's API (its URL and a token, kept per context), for people and for CI.

Exit codes scripts can rely on: 0 done (for diff: nothing to change), 1 the platform refused
or a deployment failed (for diff: there are changes), 2 bad input (a file, an argument),
3 the platform cannot be reached or no login is known.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from client import contexts, resources
from client.applying import apply as apply_plan
from client.deploying import deploy as start_deployment
from client.deploying import wait
from client.export import export as export_project
from client.logs import followed, last_lines, line_of, run_output
from client.manifest import ManifestInvalid, read
from client.output import COLUMNS, rendered
from client.plan import Plan, plan
from client.schema import manifest_schema, repository_schema
from zaneops.adapters.platform_api import ApiRefused, InsecureUrl, PlatformApi, token_for
from zaneops.common.errors import Unavailable

REFUSED, BAD_INPUT, UNREACHABLE = 1, 2, 3
PRECONDITION_FAILED = 412  # If-Match: the object changed after it was read
MAX_BYTES = 1024 * 1024  # a manifest's limit, as the reader's
OUTPUT = click.option(
    "-o", "--output", "form", type=click.Choice(["table", "json", "yaml"]), default="table"
)


def fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


@contextmanager
def connected(refused_code: int = REFUSED) -> Iterator[PlatformApi]:
    """The API of the current context; every failure a message and an exit code."""
    try:
        context = contexts.current()
        api = PlatformApi(context.url, context.token)
    except (contexts.NoContext, InsecureUrl) as exc:
        fail(str(exc), UNREACHABLE)
    try:
        yield api
    except ApiRefused as exc:
        fail(f"refused: {exc}", refused_code)
    except Unavailable as exc:
        fail(str(exc), UNREACHABLE)
    except resources.NotFoundByName as exc:
        fail(str(exc), BAD_INPUT)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:  # an answer of another shape
        fail(f"the API's answer was not understood ({exc!r}): is it a ZaneOps API?", UNREACHABLE)
    finally:
        api.close()


# --- login and contexts ----------------------------------------------------------------------


@click.command("login")
@click.argument("url")
@click.option(
    "--with-token",
    "token_on_stdin",
    is_flag=True,
    help="Read an API token made in the dashboard (Account → API tokens) from stdin.",
)
@click.option("--username", default="admin", show_default=True)
@click.option("--name", "context_name", help="The context's name; default: the URL's host.")
@click.option("--days", default=90, show_default=True, help="How long a new token lasts.")
def login_command(
    url: str, token_on_stdin: bool, username: str, context_name: str | None, days: int
) -> None:
    """Log in to an installation and remember it (with a new API token, never the password)."""
    token = sys.stdin.readline().strip() if token_on_stdin else None
    try:
        if token is None:
            password = click.prompt(f"{username}'s password", hide_input=True)
            token = token_for(
                url, username, password, f"zaneops CLI on {socket.gethostname()}", days
            )
        api = PlatformApi(url, token)
        try:
            me = api.get("/auth/me").body or {}
        finally:
            api.close()
    except InsecureUrl as exc:
        fail(str(exc), BAD_INPUT)
    except ApiRefused as exc:
        fail(f"refused: {exc}", REFUSED)
    except Unavailable as exc:
        fail(str(exc), UNREACHABLE)
    name = context_name or (url.split("://", 1)[-1].split("/", 1)[0])
    contexts.save(contexts.Context(name, url.rstrip("/"), token))
    click.echo(f"logged in to {url} as {me.get('username')} (context {name})")


@click.group("context")
def context_group() -> None:
    """The installations this CLI knows (`zaneops login` adds one)."""


@context_group.command("ls")
def context_list() -> None:
    chosen, known = contexts.listed()
    for context in known:
        mark = "*" if context.name == chosen else " "
        click.echo(f"{mark} {context.name}  {context.url}")


@context_group.command("use")
@click.argument("name")
def context_use(name: str) -> None:
    try:
        contexts.use(name)
    except contexts.NoContext as exc:
        fail(str(exc), BAD_INPUT)
    click.echo(f"using {name}")


# --- reading ---------------------------------------------------------------------------------


@click.command("get")
@click.argument("kind", type=click.Choice(sorted(COLUMNS)))
@click.argument("address", required=False, default="")
@OUTPUT
def get_command(kind: str, address: str, form: str) -> None:
    """List objects: projects; environments PROJECT; services|domains|volumes PROJECT/ENV;
    deployments PROJECT/ENV/SERVICE."""
    with connected() as api:
        items = list(_listed(api, kind, address))
        click.echo(rendered(items, COLUMNS[kind], form))


# Where each kind is listed: under a project, an environment or a service.
WHERE = {
    "environments": "shop",
    "services": "shop/production",
    "domains": "shop/production",
    "volumes": "shop/production",
    "deployments": "shop/production/web",
}


def _listed(api: PlatformApi, kind: str, address: str) -> Iterator[dict[str, Any]]:
    if kind == "projects":
        return resources.children(api, resources.PROJECTS)
    example = WHERE[kind]
    if address.strip("/").count("/") != example.count("/") or not address:
        fail(f"name where to list {kind}, like `zaneops get {kind} {example}`", BAD_INPUT)
    _, parent = resources.find(api, address)
    return resources.children(api, resources.KINDS.get(kind, resources.DEPLOYMENTS), parent["id"])


# --- deploying -------------------------------------------------------------------------------


def deploy_options(command: Callable[..., None]) -> Callable[..., None]:
    block = click.option("--wait", "block", is_flag=True, help="Block until HEALTHY, or FAILED.")
    limit = click.option(
        "--timeout", default=600.0, show_default=True, help="Seconds, with --wait."
    )
    return limit(block(command))


@click.command("deploy")
@click.argument("address")
@click.option("--again", is_flag=True, help="Redeploy the live deployment instead.")
@deploy_options
def deploy_command(address: str, again: bool, block: bool, timeout: float) -> None:
    """Deploy PROJECT/ENV/SERVICE (its current spec)."""
    with connected() as api:
        kind, service = resources.find(api, address)
        if kind is not resources.SERVICES:
            fail(f"{address!r} is not a service: name project/environment/service", BAD_INPUT)
        deployment = start_deployment(api, service["id"], "redeploy" if again else "deploy")
        click.echo(f"deployment {deployment['id']} of {address} queued")
        if block:
            _await(api, address, deployment["id"], timeout)


def _await(api: PlatformApi, address: str, deployment_id: str, timeout: float) -> None:
    ended = wait(api, deployment_id, timeout, on_phase=lambda p: click.echo(f"{address}: {p}"))
    if ended is None:
        fail(f"{address}: not ended after {timeout:g} s", REFUSED)
    if not ended.succeeded:
        fail(f"{address}: {ended.phase}: {ended.reason}", REFUSED)


def service_logs(address: str, kind: str, count: int, follow: bool) -> None:
    """`zaneops logs shop/production/web [-f] [--kind http]`."""
    with connected() as api:
        path = f"/services/{_service(api, address)['id']}/logs/{kind}"
        for fields in last_lines(api, path, min(max(count, 1), 500)):
            click.echo(line_of(kind, fields))
        if follow:
            try:
                for fields in followed(api, path):
                    click.echo(line_of(kind, fields))
            except KeyboardInterrupt:
                return


def _service(api: PlatformApi, address: str) -> dict[str, Any]:
    kind, found = resources.find(api, address)
    if kind is not resources.SERVICES:
        fail(f"{address!r} is not a service: name project/environment/service", BAD_INPUT)
    return found


@click.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("address")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--timeout", "timeout_seconds", default=3600, show_default=True)
def run_command(address: str, command: tuple[str, ...], timeout_seconds: int) -> None:
    """Run a one-off command in a service's live image and environment, its output shown
    as it comes: `zaneops run shop/production/web -- python manage.py migrate`. Exits with
    the command's exit code."""
    with connected() as api:
        service = _service(api, address)
        body = {"command": list(command), "timeout_seconds": timeout_seconds}
        run = api.post(f"/services/{service['id']}/run", body).body
        ended = run_output(api, run["id"], click.echo)
    phase, code = ended.get("phase"), ended.get("exit_code")
    if phase != "SUCCEEDED":
        message = next((c.get("message") for c in ended["status"].get("conditions", [])), "")
        fail(f"{address}: {phase}: {message}", code if isinstance(code, int) and code else REFUSED)


@click.command("rollback")
@click.argument("deployment_id")
@deploy_options
def rollback_command(deployment_id: str, block: bool, timeout: float) -> None:
    """Deploy an earlier deployment's snapshot again (`zaneops get deployments ...`)."""
    with connected() as api:
        deployment = api.post(f"/deployments/{deployment_id}/rollback").body
        click.echo(f"deployment {deployment['id']} (a rollback to {deployment_id}) queued")
        if block:
            _await(api, deployment_id, deployment["id"], timeout)


@click.command("cancel")
@click.argument("deployment_id")
def cancel_command(deployment_id: str) -> None:
    """Stop a deployment that has not ended (a build is stopped too)."""
    with connected() as api:
        api.post(f"/deployments/{deployment_id}/cancel")
        click.echo(f"deployment {deployment_id}: cancel requested")


@click.command("delete")
@click.argument("address")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(address: str, yes: bool) -> None:
    """Delete a project, an environment or a service (and everything in it), by address."""
    with connected() as api:
        kind, found = resources.find(api, address)
        singular = kind.plural[:-1]
        if not yes:
            click.confirm(f"delete {singular} {address} and everything in it?", abort=True)
        api.delete(f"/{kind.plural}/{found['id']}")
        click.echo(f"{singular} {address}: deletion requested")


@click.command("open")
@click.argument("address")
def open_command(address: str) -> None:
    """Print the URLs a service is served at (and open the first in a browser, if any)."""
    with connected() as api:
        service = _service(api, address)
        environment = address.strip("/").rsplit("/", 1)[0]
        _, env = resources.find(api, environment)
        urls = [
            str(d["status"].get("details", {}).get("url"))
            for d in resources.children(api, resources.DOMAINS, env["id"])
            if (d["spec"].get("target") or {}).get("service_id") == service["id"]
            and d["status"].get("details", {}).get("url")
        ]
    if not urls:
        fail(f"{address} has no domain served yet", REFUSED)
    click.echo("\n".join(urls))
    if sys.stdout.isatty():
        click.launch(urls[0])


# --- declarative ----------------------------------------------------------------------------


def _manifest_plan(api: PlatformApi, file: str, update_secrets: bool, prune: bool) -> Plan:
    try:
        raw = sys.stdin.buffer.read(MAX_BYTES + 1) if file == "-" else _head(Path(file))
        text = raw.decode()
    except OSError as exc:
        fail(f"{file}: {exc.strerror}", BAD_INPUT)
    except UnicodeDecodeError as exc:
        fail(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})", BAD_INPUT)
    try:
        manifest = read(file, text)
    except ManifestInvalid as exc:
        fail(str(exc), BAD_INPUT)
    return plan(api, manifest, update_secrets, prune)


def _head(path: Path) -> bytes:
    """At most one byte past the limit: a huge file (or /dev/zero) is not read whole."""
    with path.open("rb") as handle:
        return handle.read(MAX_BYTES + 1)


FILE = click.option("-f", "--file", "file", required=True, help="The manifest; - for stdin.")
PRUNE = click.option(
    "--prune",
    is_flag=True,
    help="Delete what an earlier apply made and the file no longer names (never anything "
    "made in the dashboard).",
)
SECRETS = click.option(
    "--update-secrets", is_flag=True, help="Send the file's secrets even where one is stored."
)


@click.command("diff")
@FILE
@SECRETS
@PRUNE
def diff_command(file: str, update_secrets: bool, prune: bool) -> None:
    """What `apply -f FILE` would change, field by field (exit 1 if anything)."""
    with connected(refused_code=UNREACHABLE) as api:
        found = _manifest_plan(api, file, update_secrets, prune)
        for line in describe(found):
            click.echo(line)
        if found.changes:
            sys.exit(1)


def describe(found: Plan) -> Iterator[str]:
    if not found.changes:
        yield "nothing to change"
    for step in found.changes:
        sign = {"create": "+", "delete": "-"}.get(step.action, "~")
        yield f"{sign} {step.kind} {step.address}"
        if step.action == "update":
            yield from (f"    {change}" for change in step.fields)


@click.command("apply")
@FILE
@SECRETS
@PRUNE
@click.option("--deploy", is_flag=True, help="Deploy the services that changed.")
@deploy_options
def apply_command(
    file: str, *, update_secrets: bool, prune: bool, deploy: bool, block: bool, timeout: float
) -> None:
    """Make the platform match FILE: create what is missing, update what differs."""
    with connected() as api:
        found = _manifest_plan(api, file, update_secrets, prune)
        if not found.changes:
            click.echo("nothing to change")
        outcome = apply_plan(api, found, click.echo)
        if outcome.refusal is not None and outcome.failed is not None:
            left = ", ".join(f"{s.kind} {s.address}" for s in outcome.not_applied) or "nothing"
            advice = (
                "it was changed by someone else meanwhile: run the command again"
                if outcome.refusal.status == PRECONDITION_FAILED
                else "fix the file and apply it again: what is already applied is left as it is"
            )
            fail(
                f"refused: {outcome.failed.kind} {outcome.failed.address}: {outcome.refusal}\n"
                f"applied: {len(outcome.applied)} object(s); not applied: {left}\n{advice}",
                REFUSED,
            )
        if deploy:
            _deploy_pending(api, found, block, timeout)


def _deploy_pending(api: PlatformApi, found: Plan, block: bool, timeout: float) -> None:
    """Every service of the file whose spec is not what runs (changed now, or by an earlier
    apply that stopped before deploying, or never deployed)."""
    for step in found.steps:
        if step.kind != "service" or step.id is None:
            continue
        pending = api.get(f"/services/{step.id}/changes").body
        if pending["changes"] or pending["live_deployment_id"] is None:
            deployment = start_deployment(api, step.id)
            click.echo(f"deployment {deployment['id']} of {step.address} queued")
            if block:
                _await(api, step.address, deployment["id"], timeout)


@click.command("export")
@click.argument("project")
@click.option("-f", "--file", "file", default="-", help="Where to write it; - for stdout.")
def export_command(project: str, file: str) -> None:
    """Write PROJECT as a manifest (secrets as fromEnv references) that `apply` takes."""
    with connected() as api:
        text = export_project(api, project)
    if file == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(file).write_text(text)
    except OSError as exc:
        fail(f"{file}: {exc.strerror}", BAD_INPUT)


@click.command("schema")
@click.option(
    "--repository",
    is_flag=True,
    help="The schema of a repository's config file (zaneops.yaml) instead of a manifest's.",
)
def schema_command(repository: bool) -> None:
    """The manifest's JSON Schema (for editors: yaml-language-server, VS Code)."""
    schema = repository_schema() if repository else manifest_schema()
    click.echo(json.dumps(schema, indent=2))


COMMANDS = [
    login_command,
    context_group,
    get_command,
    deploy_command,
    rollback_command,
    cancel_command,
    run_command,
    delete_command,
    open_command,
    diff_command,
    apply_command,
    export_command,
    schema_command,
]
