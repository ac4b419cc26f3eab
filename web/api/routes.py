"""The API's operations, declared once: the router, the checks and the document read them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aiohttp import web

from web.api import models as m
from web.api import models_reads as reads
from web.api import openapi, reference
from web.api.auth import RateLimiter, limiter_key
from web.api.calls import Operation, endpoint
from web.api.openapi import document_key
from web.api.views import cases, feedback, people
from web.deps import deps_key

PREFIX = "/api/v1"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET", "/cases", cases.list_cases, "cases:read", "List cases", "Cases",
        m.CasePage, query=m.CaseListQuery,
    ),
    Operation(
        "POST", "/cases", cases.create_case, "cases:write", "Register a request", "Cases",
        m.Written, status=201, body=m.CaseCreate,
    ),
    Operation(
        "GET", "/cases/{case_id}", cases.get_case, "cases:read", "A case and its timeline",
        "Cases", m.CaseDetail, path_model=m.CasePath, errors=(404,),
    ),
    Operation(
        "POST", "/cases/{case_id}/assign", cases.assign_case, "cases:write",
        "Assign a technician", "Cases", m.Written, path_model=m.CasePath, body=m.AssignBody,
        errors=(404, 409),
    ),
    Operation(
        "POST", "/cases/{case_id}/notes", cases.add_note, "cases:write", "Add a note",
        "Cases", m.Written, path_model=m.CasePath, body=m.NoteBody, errors=(404,),
    ),
    Operation(
        "POST", "/cases/{case_id}/close", cases.close_case, "cases:write",
        "Close a resolved case", "Cases", m.Written, path_model=m.CasePath, body=m.CloseBody,
        errors=(404, 409),
    ),
    Operation(
        "GET", "/customers", people.find_customers, "customers:read", "Find customers by phone",
        "Customers", m.CustomerList, query=m.CustomerQuery,
    ),
    Operation(
        "POST", "/customers", people.create_customer, "customers:write", "Register a customer",
        "Customers", m.CustomerOut, status=201, body=m.CustomerCreate, errors=(409,),
    ),
    Operation(
        "GET", "/customers/{customer_id}", people.get_customer, "customers:read",
        "A customer", "Customers", m.CustomerOut, path_model=m.CustomerPath, errors=(404,),
    ),
    Operation(
        "PATCH", "/customers/{customer_id}", people.update_customer, "customers:write",
        "Update a customer", "Customers", m.CustomerOut, path_model=m.CustomerPath,
        body=m.CustomerUpdate, errors=(404,),
    ),
    Operation(
        "GET", "/customers/{customer_id}/cases", people.cases_of_customer, "cases:read",
        "A customer's cases", "Customers", m.CasePage, path_model=m.CustomerPath,
        query=m.CustomerCasesQuery, errors=(404,),
    ),
    Operation(
        "GET", "/products/{serial}", people.get_product, "products:read", "A product",
        "Products", m.ProductOut, path_model=m.ProductPath, errors=(404,),
    ),
    Operation(
        "PUT", "/products/{serial}", people.put_product, "products:write",
        "Create or update a product", "Products", m.ProductOut, path_model=m.ProductPath,
        body=m.ProductIn,
    ),
    Operation(
        "POST", "/products", people.sync_products, "products:write",
        "Sync products (all or none)", "Products", m.ProductBatchResult, body=m.ProductBatch,
    ),
    Operation(
        "GET", "/technicians", people.list_technicians, "technicians:read",
        "Technicians and their load", "Technicians", reads.TechnicianList,
    ),
    Operation(
        "GET", "/surveys", feedback.list_surveys, "feedback:read", "Satisfaction surveys",
        "Feedback", reads.SurveyPage, query=reads.SurveyQuery,
    ),
    Operation(
        "GET", "/complaints", feedback.list_complaints, "feedback:read", "Complaints",
        "Feedback", reads.ComplaintPage, query=reads.ComplaintQuery,
    ),
    Operation(
        "GET", "/reports/standards", feedback.standards_report, "reports:read",
        "The monthly service-standard report", "Reports", reads.StandardsReport,
        query=reads.ReportQuery,
    ),
)  # fmt: skip


@functools.cache
def api_document() -> dict[str, Any]:
    """The OpenAPI document: built when first asked for (not at every start), then kept."""
    return openapi.document(OPERATIONS, prefix=PREFIX)


def setup_api(app: web.Application) -> None:
    """Adds /api/v1: every operation, the OpenAPI document and its reference page."""
    build: Callable[[], dict[str, Any]] = api_document
    app[document_key] = build
    app[limiter_key] = RateLimiter(app[deps_key].settings.api_rate_per_minute)
    for operation in OPERATIONS:
        app.router.add_route(operation.method, PREFIX + operation.path, endpoint(operation))
    app.router.add_get(PREFIX + "/openapi.json", reference.openapi_json)
    app.router.add_get(PREFIX + "/docs", reference.docs_page)
