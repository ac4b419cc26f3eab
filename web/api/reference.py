"""The OpenAPI document and the reference page rendered from it (offline: no CDN, no script)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from web.api.openapi import document_key
from web.render import render


async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document."""
    return web.json_response(request.app[document_key]())


def type_of(schema: dict[str, Any]) -> str:
    """A schema's type as a reader wants it: `string (date-time)`, `CaseOut[]`, `a | b`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(type_of(branch) for branch in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = str(schema.get("type", "any"))
    if kind == "array":
        return type_of(schema.get("items", {})) + "[]"
    if kind == "object" and "additionalProperties" in schema:
        values = schema["additionalProperties"]  # `true`: any JSON value (an event's data)
        return "map of " + type_of(values if isinstance(values, dict) else {})
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a schema's field table."""
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "type": type_of(field),
            "required": name in required,
            "description": field.get("description", ""),
        }
        for name, field in schema.get("properties", {}).items()
    ]


async def docs_page(request: web.Request) -> web.Response:
    """The readable reference: every operation by tag, then every schema's fields."""
    document = request.app[document_key]()
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            groups.setdefault(operation["tags"][0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "op": operation,
                    "body": type_of(body["schema"]) if body else None,
                    "responses": [
                        (status, answer["description"], type_of(content["schema"]))
                        for status, answer in operation["responses"].items()
                        for content in answer["content"].values()
                    ],
                }
            )
    schemas = {
        name: {"description": schema.get("description", ""), "fields": fields(schema)}
        for name, schema in sorted(document["components"]["schemas"].items())
        if schema.get("properties")
    }
    return render(
        request, "api_docs.html", info=document["info"], groups=groups, schemas=schemas,
        type_of=type_of,
    )  # fmt: skip
