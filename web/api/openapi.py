"""The OpenAPI 3.1 document of /api/v1, built from the operations and their pydantic models.

Built here rather than by aiohttp-pydantic: that library wants class-based views with
signature injection, answers validation errors with 400 and its own shape, has no type
information for mypy, and its reference page loads Swagger UI from a CDN. pydantic already
writes JSON Schema 2020-12, which is what OpenAPI 3.1 uses; this module only places it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from domain.webhooks import EVENTS
from web.api.calls import Operation
from web.api.models import ErrorBody, WebhookEvent

REF = "#/components/schemas/{model}"
COMMON_ERRORS = {
    401: "Missing, unknown or revoked key",
    403: "The key lacks the operation's scope",
    422: "The request is not valid: `detail` names each field and the reason",
    429: "Too many requests for this key: wait `Retry-After` seconds",
}
ERRORS = {404: "Not found", 409: "The case's state does not allow it"}

# The document's builder: the pages call it when asked for the document, which is read-only.
document_key: web.AppKey[Callable[[], dict[str, Any]]] = web.AppKey("api_document")


def _models(operations: Sequence[Operation]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    """Every model the document names, each with the mode it is used in."""
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (ErrorBody, "serialization"),
        (WebhookEvent, "serialization"),
    ]
    for op in operations:
        pairs.append((op.response, "serialization"))
        pairs += [(model, "validation") for model in (op.path_model, op.query, op.body) if model]
    return list(dict.fromkeys(pairs))


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter's schema without its null branch (a query string has no null)."""
    branches = schema.get("anyOf")
    if branches is None:
        return schema
    kept = [b for b in branches if b.get("type") != "null"]
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def _parameters(model: type[BaseModel] | None, where: str) -> list[dict[str, Any]]:
    """The fields of a path or query model as OpenAPI parameters."""
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    required = set(schema.get("required", ()))
    found = []
    for name, field in schema.get("properties", {}).items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": _not_null({k: v for k, v in field.items() if k != "description"}),
        }
        if "description" in field:
            parameter["description"] = field["description"]
        found.append(parameter)
    return found


def _json(ref: dict[str, Any]) -> dict[str, Any]:
    """A JSON content entry."""
    return {"application/json": {"schema": ref}}


def _operation(op: Operation, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """One operation object."""
    error = _json(refs[(ErrorBody, "serialization")])
    responses: dict[str, Any] = {
        str(op.status): {
            "description": op.summary,
            "content": _json(refs[(op.response, "serialization")]),
        }
    }
    for status, text in {**COMMON_ERRORS, **{s: ERRORS[s] for s in op.errors}}.items():
        responses[str(status)] = {"description": text, "content": error}
    responses["429"]["headers"] = {
        "Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}
    }
    entry: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": (op.view.__doc__ or op.summary) + f"\n\nScope: `{op.scope}`.",
        "tags": [op.tag],
        "security": [{"apiKey": [op.scope]}],
        "x-scope": op.scope,
        "parameters": _parameters(op.path_model, "path") + _parameters(op.query, "query"),
        "responses": responses,
    }
    if op.body is not None:
        entry["requestBody"] = {
            "required": bool(op.body.model_json_schema().get("required")),
            "content": _json(refs[(op.body, "validation")]),
        }
    return entry


def document(operations: Sequence[Operation], *, prefix: str) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    refs, defs = models_json_schema(_models(operations), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(prefix + op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "aftersales API",
            "version": "1",
            "description": (
                "Cases, customers, products, technicians, surveys, complaints and the monthly "
                "service-standard report of the after-sales department. Send a key made with "
                "`aftersales api-key create` as `Authorization: Bearer <key>`."
            ),
        },
        "paths": paths,
        "webhooks": {
            event: {
                "post": {
                    "summary": f"{event} (aftersales webhook add --events {event})",
                    "requestBody": {"content": _json(refs[(WebhookEvent, "serialization")])},
                    "responses": {"2XX": {"description": "received"}},
                }
            }
            for event in EVENTS
        },
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    }
