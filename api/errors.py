"""One error format for every refusal: a code, a message, and the fields at fault.

Bad input is a 4xx naming the field and the reason, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException

from zaneops.common.errors import Conflict, InUse, NotFound, Unavailable

log = structlog.get_logger("api")


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the field at fault, e.g. env.0.name.")
    location: str = Field(description="Where the field is: body, query, path or header.")
    reason: str = Field(description="Why it was refused, meant to be shown next to the field.")
    type: str = Field(description="A stable code a program can match on.")


class ErrorBody(BaseModel):
    code: str = Field(description="A stable code: invalid_input, not_found, conflict, ...")
    message: str
    errors: list[FieldError] = Field(default_factory=list)


class ApiError(Exception):
    """Raised by handlers to refuse a request with a given status."""

    def __init__(
        self, status: int, code: str, message: str, errors: Sequence[FieldError] = ()
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = list(errors)


def field_error(field: str, reason: str, type_: str, location: str = "body") -> FieldError:
    return FieldError(field=field, location=location, reason=reason, type=type_)


def invalid(field: str, reason: str, type_: str = "invalid_value") -> ApiError:
    """A 422 about one field of the body."""
    return ApiError(422, "invalid_input", reason, [field_error(field, reason, type_)])


def _from_pydantic(errors: Sequence[Any], default_location: str) -> list[FieldError]:
    found = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location = default_location
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            location, loc = loc[0], loc[1:]
        found.append(field_error(".".join(loc), str(error["msg"]), str(error["type"]), location))
    return found


def from_validation(exc: ValidationError, location: str = "body") -> ApiError:
    """A 422 naming every field a model refused (for bodies a handler validates itself)."""
    errors = _from_pydantic(exc.errors(), location)
    return ApiError(422, "invalid_input", _summary(errors), errors)


def _body(status: int, code: str, message: str, errors: Sequence[FieldError] = ()) -> JSONResponse:
    payload = ErrorBody(code=code, message=message, errors=list(errors))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(payload.model_dump(mode="json"), status_code=status, headers=headers)


def _summary(errors: Sequence[FieldError]) -> str:
    return "; ".join(f"{e.field or e.location}: {e.reason}" for e in errors[:5])


async def _on_request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _from_pydantic(exc.errors(), "body")
    return _body(422, "invalid_input", _summary(errors), errors)


async def _on_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    errors = _from_pydantic(exc.errors(), "body")
    return _body(422, "invalid_input", _summary(errors), errors)


async def _on_api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    response = _body(exc.status, exc.code, exc.message, exc.errors)
    if exc.status == 429:
        response.headers["Retry-After"] = "60"
    elif exc.status == 503:
        response.headers["Retry-After"] = "5"
    return response


async def _on_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
    code = codes.get(exc.status_code, "http_error")
    return _body(exc.status_code, code, str(exc.detail))


def _mapped(status: int, code: str):  # type: ignore[no-untyped-def]
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        return _body(status, code, str(exc))

    return handle


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Logged with the path so the bug can be found; the client gets no internals.
    log.exception("unhandled error", path=request.url.path, method=request.method)
    return _body(500, "internal_error", "an unexpected error occurred; it was logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(ValidationError, _on_validation)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(NotFound, _mapped(404, "not_found"))
    app.add_exception_handler(Conflict, _mapped(409, "conflict"))
    app.add_exception_handler(InUse, _mapped(409, "in_use"))
    app.add_exception_handler(Unavailable, _mapped(503, "unavailable"))
    app.add_exception_handler(Exception, _on_unexpected)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (401, "Not authenticated"),
        (403, "Forbidden (CSRF token missing or wrong)"),
        (404, "Not found"),
        (409, "Conflict: lost a race (If-Match), a uniqueness rule, or being deleted"),
        (422, "Invalid input: the fields at fault and why"),
    )
}
