"""Routes shared by every kind: paged lists, create, get, replace (with If-Match), delete.

(No `from __future__ import annotations` here: FastAPI reads these closures' annotations at
run time, and they name the concrete models passed in.)
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel

from api.auth.principal import Ctx, CurrentUser, Principal
from api.context import ApiContext
from api.errors import ApiError, field_error, invalid
from api.schemas import DeletionAccepted, Page, decode_cursor, encode_cursor, to_resource
from zaneops.common.errors import NotFound
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

Spec = dict[str, Any]
# (context, validated spec as JSON, the stored object when replacing, the parent id) -> to store
Prepare = Callable[[ApiContext, Spec, StoredObject | None, UUID | None], Awaitable[Spec]]
# (context, the object to delete) -> raises to refuse the deletion (e.g. InUse: 409)
GuardDelete = Callable[[ApiContext, StoredObject], Awaitable[None]]
# (the caller, the object) -> raises when the caller may not see or change it (403)
GuardAccess = Callable[[Principal, StoredObject], None]


async def keep_as_is(_: ApiContext, spec: Spec, __: StoredObject | None, ___: UUID | None) -> Spec:
    return spec


def show_as_is(spec: Spec) -> Spec:
    return spec


async def may_delete(_: ApiContext, __: StoredObject) -> None:
    return None


def anyone(_: Principal, __: StoredObject) -> None:
    return None


@dataclass(frozen=True)
class KindApi:
    kind: Kind
    spec_model: type[BaseModel]
    out_model: type[BaseModel]
    singular: str
    prepare: Prepare = keep_as_is
    present: Callable[[Spec], Spec] = show_as_is
    guard_delete: GuardDelete = may_delete
    guard_access: GuardAccess = anyone  # checked on get, replace and delete of one object
    # Operations a created object's id feeds, as (operationId, its path parameter): OpenAPI
    # links, which clients and schemathesis follow (beside its own get, replace, delete).
    follow_ups: tuple[tuple[str, str], ...] = ()
    page_model: Any = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "page_model", Page[self.out_model])  # type: ignore[name-defined]

    @property
    def plural(self) -> str:
        return self.kind.value

    def links(self, writable: bool = True) -> dict[str, Any]:
        """The 201 answer's OpenAPI links: where the new object's id can be used next."""
        own = [(f"get_{self.singular}", "id")]
        if writable:
            own += [(f"replace_{self.singular}", "id"), (f"delete_{self.singular}", "id")]
        return {
            operation: {"operationId": operation, "parameters": {name: "$response.body#/id"}}
            for operation, name in [*own, *self.follow_ups]
        }

    def show(self, obj: StoredObject) -> Any:
        return to_resource(self.out_model, obj, self.present(obj.spec))


CursorQuery = Annotated[
    str | None,
    Query(max_length=200, description="From a previous page's next_cursor; none: first page."),
]
LimitQuery = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=40,
        description='The generation read before (the ETag, e.g. "3"); refused with 409 if the '
        "object changed since.",
    ),
]

_ETAG = re.compile(r'(?:W/)?"?([0-9]{1,18})"?')


def expected_generation(if_match: str | None) -> int:
    """The generation an If-Match header names; required, so no edit silently overwrites."""
    if if_match is None:
        raise ApiError(
            428,
            "precondition_required",
            "send If-Match with the ETag (generation) you read, so concurrent edits are caught",
            [field_error("If-Match", "required", "missing", "header")],
        )
    found = _ETAG.fullmatch(if_match.strip())
    if found is None:
        reason = 'must be a generation, like "3"'
        raise ApiError(
            422,
            "invalid_input",
            f"If-Match {reason}",
            [field_error("If-Match", reason, "invalid_etag", "header")],
        )
    return int(found.group(1))


def set_etag(response: Response, obj: StoredObject) -> None:
    response.headers["ETag"] = f'"{obj.generation}"'


async def load(ctx: ApiContext, kind: Kind, object_id: UUID) -> StoredObject:
    found = await ctx.store.get(kind, object_id)
    if found is None:
        raise NotFound(f"{kind.value}/{object_id} does not exist")
    return found


def check_storable(value: Any, path: str = "") -> None:
    """Postgres JSON cannot hold NUL characters or lone surrogates: refuse them by field."""
    if isinstance(value, str):
        if "\0" in value:
            raise invalid(path, "must not contain the NUL character")
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            raise invalid(path, "must be valid Unicode text (no lone surrogates)") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key, path)
            check_storable(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_storable(item, f"{path}.{index}" if path else str(index))


def storable_json(spec: BaseModel) -> Spec:
    raw = spec.model_dump(mode="json")
    check_storable(raw)
    return raw


def cursor_position(cursor: str | None) -> Any:
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor)
    except ValueError as exc:
        reason = "not a cursor from this API: use a page's next_cursor"
        raise ApiError(
            422, "invalid_input", reason, [field_error("cursor", reason, "invalid_cursor", "query")]
        ) from exc


async def page_of(
    ctx: ApiContext, api: KindApi, parent_id: UUID | None, cursor: str | None, limit: int
) -> Any:
    objects = await ctx.store.page(api.kind, parent_id, cursor_position(cursor), limit + 1)
    if not objects and parent_id is not None and api.kind.parent is not None:
        await load(ctx, api.kind.parent.kind, parent_id)  # 404 for a parent that is not there
    items = [api.show(obj) for obj in objects[:limit]]
    next_cursor = encode_cursor(objects[limit - 1]) if len(objects) > limit else None
    return api.page_model(items=items, next_cursor=next_cursor)


def add_list(router: APIRouter, api: KindApi, path: str, parent_param: str | None) -> None:
    summary = f"List {api.plural}, newest first"
    if parent_param is None:

        @router.get(
            path, response_model=api.page_model, summary=summary, operation_id=f"list_{api.plural}"
        )
        async def list_all(
            ctx: Ctx, _: CurrentUser, cursor: CursorQuery = None, limit: LimitQuery = 50
        ) -> Any:
            return await page_of(ctx, api, None, cursor, limit)

        return

    @router.get(
        path, response_model=api.page_model, summary=summary, operation_id=f"list_{api.plural}"
    )
    async def list_children(
        ctx: Ctx,
        _: CurrentUser,
        parent_id: Annotated[UUID, Path(alias=parent_param)],
        cursor: CursorQuery = None,
        limit: LimitQuery = 50,
    ) -> Any:
        return await page_of(ctx, api, parent_id, cursor, limit)


async def _create(ctx: ApiContext, api: KindApi, spec: BaseModel, parent_id: UUID | None) -> Any:
    raw = storable_json(spec)
    stored = await api.prepare(ctx, raw, None, parent_id)
    if parent_id is None:
        return await ctx.store.create(api.kind, stored)
    return await ctx.store.create_under(api.kind, stored, parent_id)


def add_create(router: APIRouter, api: KindApi, path: str, parent_param: str | None) -> None:
    body_model = api.spec_model
    options: dict[str, Any] = {
        "response_model": api.out_model,
        "status_code": 201,
        "summary": f"Create a {api.singular}",
        "operation_id": f"create_{api.singular}",
        "responses": {201: {"description": f"The {api.singular}", "links": api.links()}},
    }
    if parent_param is None:

        @router.post(path, **options)
        async def create_top(
            ctx: Ctx,
            _: CurrentUser,
            spec: body_model,  # type: ignore[valid-type]
            response: Response,
        ) -> Any:
            obj = await _create(ctx, api, spec, None)
            set_etag(response, obj)
            return api.show(obj)

        return

    @router.post(path, **options)
    async def create_child(
        ctx: Ctx,
        _: CurrentUser,
        parent_id: Annotated[UUID, Path(alias=parent_param)],
        spec: body_model,  # type: ignore[valid-type]
        response: Response,
    ) -> Any:
        obj = await _create(ctx, api, spec, parent_id)
        set_etag(response, obj)
        return api.show(obj)


def add_item(router: APIRouter, api: KindApi, path: str, writable: bool = True) -> None:
    """GET (with ETag) always; PUT (If-Match) and DELETE (a request: 202) when writable."""
    name = api.singular

    @router.get(
        path, response_model=api.out_model, summary=f"Get a {name}", operation_id=f"get_{name}"
    )
    async def get_one(
        ctx: Ctx,
        user: CurrentUser,
        object_id: Annotated[UUID, Path(alias="id")],
        response: Response,
    ) -> Any:
        obj = await load(ctx, api.kind, object_id)
        api.guard_access(user, obj)
        set_etag(response, obj)
        return api.show(obj)

    if writable:
        add_replace(router, api, path)
        add_delete(router, api, path)


def add_replace(router: APIRouter, api: KindApi, path: str) -> None:
    body_model = api.spec_model

    @router.put(
        path,
        response_model=api.out_model,
        operation_id=f"replace_{api.singular}",
        summary=f"Replace a {api.singular}'s spec (If-Match required)",
        responses={428: {"description": "If-Match is missing"}},
    )
    async def replace(
        *,
        ctx: Ctx,
        user: CurrentUser,
        object_id: Annotated[UUID, Path(alias="id")],
        spec: body_model,  # type: ignore[valid-type]
        response: Response,
        if_match: IfMatch = None,
    ) -> Any:
        generation = expected_generation(if_match)
        current = await load(ctx, api.kind, object_id)
        api.guard_access(user, current)
        raw = storable_json(spec)
        stored = await api.prepare(ctx, raw, current, current.parent_id)
        obj = await ctx.store.update_spec(api.kind, object_id, stored, generation)
        set_etag(response, obj)
        return api.show(obj)


def add_delete(router: APIRouter, api: KindApi, path: str) -> None:
    @router.delete(
        path,
        response_model=DeletionAccepted,
        status_code=202,
        summary=f"Request the deletion of a {api.singular} and everything in it",
        operation_id=f"delete_{api.singular}",
    )
    async def delete(
        ctx: Ctx, user: CurrentUser, object_id: Annotated[UUID, Path(alias="id")]
    ) -> DeletionAccepted:
        found = await load(ctx, api.kind, object_id)
        api.guard_access(user, found)
        if not found.is_deleted:
            await api.guard_delete(ctx, found)
        left = await ctx.store.request_delete(api.kind, object_id)
        if left is None:
            return DeletionAccepted(id=object_id, gone=True, deleted_at=None, finalizers=[])
        return DeletionAccepted(
            id=object_id, gone=False, deleted_at=left.deleted_at, finalizers=list(left.finalizers)
        )


async def request_cancel(
    ctx: ApiContext,
    kind: Kind,
    object_id: UUID,
    ended: Callable[[StoredObject], str | None],
    response: Response,
) -> StoredObject:
    """Sets spec.cancel_requested (once; asking again changes nothing) unless it already
    ended: `ended` says how (its phase), or None while it may still be stopped."""
    current = await load(ctx, kind, object_id)
    finished = ended(current)
    if finished is not None:
        raise ApiError(409, "already_finished", f"it already ended ({finished})")
    obj = current
    if not current.spec.get("cancel_requested"):
        spec = {**current.spec, "cancel_requested": True}
        obj = await ctx.store.update_spec(kind, object_id, spec, current.generation)
    set_etag(response, obj)
    return obj
