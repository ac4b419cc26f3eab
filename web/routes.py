"""URL table of the web app."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web.views import (
    auth,
    board,
    case_actions,
    case_list,
    cases,
    claims,
    customer_actions,
    customers,
    exports,
    intake,
    integrations,
    ops,
    signature,
    staff,
    standards,
    subscriptions,
    technicians,
    webhook,
)


def setup_routes(app: web.Application, *, static: Path, with_webhook: bool) -> None:
    """Adds every route; the webhook only when the bot runs in webhook mode."""
    if with_webhook:
        app.router.add_post("/telegram/webhook", webhook.receive)
    app.router.add_get("/healthz", ops.healthz)
    app.router.add_get("/readyz", ops.readyz)
    app.router.add_get("/metrics", ops.metrics)
    app.router.add_get("/login", auth.login_help, name="login")
    app.router.add_get("/login/{token}", auth.login_page)
    app.router.add_post("/login/{token}", auth.login)
    app.router.add_post("/logout", auth.logout)
    app.router.add_get("/lang/{code}", auth.switch_language)
    app.router.add_get("/", board.board_page, name="board")
    app.router.add_get("/cases", case_list.case_list_page, name="cases")
    app.router.add_get("/cases/new", intake.new_case_page)
    app.router.add_post("/cases/new", intake.create)
    app.router.add_get("/cases/{case_id:[0-9]+}", cases.case_page, name="case")
    app.router.add_post("/cases/{case_id:[0-9]+}/assign", cases.assign)
    for action, act in case_actions.ACTIONS.items():
        app.router.add_post(f"/cases/{{case_id:[0-9]+}}/{action}", act)
    app.router.add_get("/cases/{case_id:[0-9]+}/photos/{photo_id:[0-9]+}", cases.photo)
    app.router.add_get(
        "/cases/{case_id:[0-9]+}/messages/{message_id:[0-9]+}/{kind:photo|voice}",
        cases.message_file,
    )
    # The service file: customers and products, and the desk's changes to a customer.
    customer = "/customers/{customer_id:[0-9]+}"
    app.router.add_get(customer, customers.customer_page, name="customer")
    app.router.add_post(customer + "/key", customer_actions.key)
    app.router.add_post(customer + "/region", customer_actions.region)
    app.router.add_post(customer + "/contact", customer_actions.contact)
    app.router.add_post(customer + "/note", customer_actions.note)
    app.router.add_get("/products/{product_id:[0-9]+}", customers.product_page, name="product")
    # The customer's signature (a Telegram Mini App).
    app.router.add_get("/sign/{report_id:[0-9]+}", signature.page)
    app.router.add_post("/sign/{report_id:[0-9]+}/sheet", signature.sheet)
    app.router.add_post("/sign/{report_id:[0-9]+}", signature.sign)
    app.router.add_get("/cases/{case_id:[0-9]+}/report.pdf", cases.report_pdf)
    app.router.add_get("/technicians", technicians.technicians_page)
    app.router.add_get("/standards", standards.standards_page)
    app.router.add_get("/standards/{table}.csv", standards.download)
    app.router.add_get("/staff", staff.staff_page)
    app.router.add_get("/staff/{staff_id:[0-9]+}/remove", staff.remove_page)
    app.router.add_post("/staff/{staff_id:[0-9]+}/remove", staff.remove)
    app.router.add_post("/staff/certify", staff.certify)
    app.router.add_get("/claims", claims.claims_page)
    app.router.add_get("/claims.csv", claims.download)
    app.router.add_post("/claims/{claim_id:[0-9]+}/outcome", claims.record)
    app.router.add_get("/exports", exports.exports_page)
    app.router.add_get("/exports/{register}.csv", exports.download)
    app.router.add_get("/integrations", integrations.integrations_page)
    app.router.add_post("/integrations/keys", integrations.create_key)
    app.router.add_post("/integrations/keys/{name}/revoke", integrations.revoke_key)
    # At most 9 digits: any such id fits the integer columns (absurd ones are simply not found).
    app.router.add_post(
        "/integrations/deliveries/{delivery_id:[0-9]+}/redeliver", integrations.redeliver
    )
    app.router.add_post("/integrations/webhooks", subscriptions.add)
    hook = "/integrations/webhooks/{subscription_id:[0-9]+}"
    app.router.add_get(hook + "/remove", subscriptions.remove_page)
    app.router.add_post(hook + "/remove", subscriptions.remove)
    app.router.add_post(hook + "/test", subscriptions.test)
    app.router.add_static("/static", static, name="static")
