"""The pipeline of every API call: key and scope, rate limit, typed path/query/body, JSON answer.

An operation is declared once (`Operation`): the route table, the request checks and the
OpenAPI document all read the same declaration, so the document cannot drift from the code.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, ValidationError

from web.api.auth import ApiRefusal, Caller, authenticate
from web.api.models import ErrorBody, FieldProblem
from web.deps import WebDeps, deps_key

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


@dataclass(frozen=True)
class Call:
    """One checked request, as a view receives it."""

    request: web.Request
    deps: WebDeps
    caller: Caller
    path: BaseModel | None
    query: BaseModel | None
    body: BaseModel | None

    def take(self, part: BaseModel | None, model: type[M]) -> M:
        """A parsed part of the request as its declared model."""
        if not isinstance(part, model):
            raise TypeError(f"expected {model.__name__}")
        return part


View = Callable[[Call], Awaitable[BaseModel]]


@dataclass(frozen=True)
class Operation:
    """One endpoint: where, who may call it, what goes in and what comes out."""

    method: str
    path: str
    view: View
    scope: str
    summary: str
    tag: str
    response: type[BaseModel]
    status: int = 200
    path_model: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    # Errors the view itself may answer, besides 401/403/422/429 (which every operation may).
    errors: tuple[int, ...] = ()

    @property
    def operation_id(self) -> str:
        """The OpenAPI operationId: the view's name."""
        return self.view.__name__


class ApiError(Exception):
    """A refusal a view answers with (404, 409, 422 about a field or several)."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        field: str | None = None,
        detail: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.detail = detail or ([FieldProblem(field=field, reason=message)] if field else [])


def error_response(
    status: int,
    error: str,
    message: str,
    detail: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """An error in the API's one error shape."""
    body = ErrorBody(error=error, message=message, detail=detail or [])
    return web.json_response(body.model_dump(mode="json"), status=status, headers=headers)


def problems(exc: ValidationError, where: str) -> list[FieldProblem]:
    """A validation error as (field, reason) pairs; field is dotted, prefixed by its part."""
    found = []
    for item in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in item["loc"])
        field = f"{where}.{location}" if location else where
        found.append(FieldProblem(field=field, reason=item["msg"]))
    return found


def _parse(model: type[BaseModel] | None, data: Any, where: str) -> BaseModel | None:
    """Validates one part of the request against its model."""
    if model is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _Invalid(problems(exc, where)) from None


class _Invalid(Exception):
    """Request parts that failed their models."""

    def __init__(self, detail: list[FieldProblem]) -> None:
        super().__init__("invalid request")
        self.detail = detail


async def _body(request: web.Request, model: type[BaseModel] | None) -> BaseModel | None:
    """The JSON body checked against its model; an empty body counts as `{}`."""
    if model is None:
        return None
    raw = await request.read()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's
        raise _Invalid([FieldProblem(field="body", reason="not valid JSON")]) from None
    return _parse(model, data, "body")


def endpoint(operation: Operation) -> Handler:
    """The aiohttp handler running an operation through the pipeline."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            caller = await authenticate(request, operation.scope)
            call = Call(
                request=request,
                deps=request.app[deps_key],
                caller=caller,
                path=_parse(operation.path_model, dict(request.match_info), "path"),
                query=_parse(operation.query, dict(request.query), "query"),
                body=await _body(request, operation.body),
            )
            result = await operation.view(call)
        except ApiRefusal as refusal:
            headers = {"Retry-After": str(refusal.retry_after)} if refusal.retry_after else None
            return error_response(refusal.status, refusal.error, refusal.message, headers=headers)
        except _Invalid as invalid:
            return error_response(422, "validation", "The request is not valid.", invalid.detail)
        except ApiError as refusal:
            return error_response(refusal.status, refusal.error, refusal.message, refusal.detail)
        return web.json_response(result.model_dump(mode="json"), status=operation.status)

    handle.__name__ = operation.operation_id
    return handle


def split_page(
    rows: Sequence[R], limit: int, id_of: Callable[[R], int]
) -> tuple[list[R], str | None]:
    """A page of rows fetched one beyond the limit: the rows to show and the next cursor."""
    shown = list(rows[:limit])
    return shown, str(id_of(shown[-1])) if len(rows) > limit and shown else None


HTTP_ERRORS = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /api/ every answer is JSON: unknown routes, wrong methods, and the unexpected."""
    if not request.path.startswith("/api/"):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error = HTTP_ERRORS.get(exc.status, "http_error")
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return error_response(exc.status, error, exc.reason, headers=headers)
    except Exception:
        logger.exception("API request %s %s failed", request.method, request.path)
        return error_response(500, "internal", "Something went wrong; it has been logged.")
