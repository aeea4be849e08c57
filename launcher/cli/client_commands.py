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
from client.manifest import ManifestInvalid, read
from client.output import COLUMNS, rendered
from client.plan import Plan, plan
from client.schema import manifest_schema
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


# --- declarative ----------------------------------------------------------------------------


def _manifest_plan(api: PlatformApi, file: str, update_secrets: bool) -> Plan:
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
    return plan(api, manifest, update_secrets)


def _head(path: Path) -> bytes:
    """At most one byte past the limit: a huge file (or /dev/zero) is not read whole."""
    with path.open("rb") as handle:
        return handle.read(MAX_BYTES + 1)


FILE = click.option("-f", "--file", "file", required=True, help="The manifest; - for stdin.")
SECRETS = click.option(
    "--update-secrets", is_flag=True, help="Send the file's secrets even where one is stored."
)


@click.command("diff")
@FILE
@SECRETS
def diff_command(file: str, update_secrets: bool) -> None:
    """What `apply -f FILE` would change, field by field (exit 1 if anything)."""
    with connected(refused_code=UNREACHABLE) as api:
        found = _manifest_plan(api, file, update_secrets)
        for line in describe(found):
            click.echo(line)
        if found.changes:
            sys.exit(1)


def describe(found: Plan) -> Iterator[str]:
    if not found.changes:
        yield "nothing to change"
    for step in found.changes:
        sign = "+" if step.action == "create" else "~"
        yield f"{sign} {step.kind} {step.address}"
        if step.action == "update":
            yield from (f"    {change}" for change in step.fields)


@click.command("apply")
@FILE
@SECRETS
@click.option("--deploy", is_flag=True, help="Deploy the services that changed.")
@deploy_options
def apply_command(
    file: str, update_secrets: bool, deploy: bool, block: bool, timeout: float
) -> None:
    """Make the platform match FILE: create what is missing, update what differs."""
    with connected() as api:
        found = _manifest_plan(api, file, update_secrets)
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
def schema_command() -> None:
    """The manifest's JSON Schema (for editors: yaml-language-server, VS Code)."""
    click.echo(json.dumps(manifest_schema(), indent=2))


COMMANDS = [
    login_command,
    context_group,
    get_command,
    deploy_command,
    diff_command,
    apply_command,
    export_command,
    schema_command,
]
