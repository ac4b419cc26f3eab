"""Every staff page in Chinese shows no English fragment, and in English no raw code (#18).

One world, built through the chat and the dashboard (`language_world.py`), then every page the
dashboard serves is fetched in both languages. On a Chinese page, an ASCII word that is not
something the people of the world typed is an untranslated label or a raw code
(`quote_pending`, `check_in`, `None`...). A new page is one more line in `pages()`.
"""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser

import pytest

from services.report_tables import TABLES
from storage.repos.exports import REGISTERS
from tests.bot.dispatch_steps import TECH_A, harness
from tests.harness import Harness
from tests.web.conftest import Client, log_in
from tests.web.language_world import TYPED, World, build
from web.views import case_actions, customers

__all__ = ["harness"]

# Names and formats that stay as they are in Chinese text.
PROPER = {
    "English",
    "Excel",
    "Webhook",
    "Telegram",
    "CSV",
    "PDF",
    "API",
    "URL",
    "HTTP",
    "HTTPS",
    "JSON",
    "NPS",
    "km",
}
# Columns of a CSV that hold stable codes on purpose (the monthly report's metric keys).
CODE_COLUMNS = {"代码"}
# Attributes whose value a person reads.
READ_ATTRS = {"title", "placeholder", "alt", "aria-label"}
SKIPPED = {"script", "style"}
DATA = [
    re.compile(p)
    for p in (
        r"https?://\S*",  # links
        r"\S+@\S+",  # e-mail
        r"\b(?:SR|CP)-\d{8}-\d{4}\b",  # case numbers
        r"\b\d{4}-\d{2}(?:-\d{2})?(?:[ T]\d{2}:\d{2}(?::\d{2})?)?\b",  # ISO dates and moments
        r"\bas_[A-Za-z0-9_-]+",  # API keys (their shown prefix)
        r"\b[a-z]+:(?:read|write)\b",  # API scopes, as integrators type them
        r"\b[a-z]+\.[a-z_]+\b",  # webhook event names, as integrators receive them
    )
]
WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
# Snake-case codes, and Python's None/True/False printed as such (not the sentence "None yet.").
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b(?:None|True|False)\b(?! [a-z])")


class _Visible(HTMLParser):
    """Collects the text a person sees on a page: text nodes and read attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Skips scripts and styles; keeps titles, placeholders and button captions."""
        if tag in SKIPPED:
            self._skipping += 1
        values = dict(attrs)
        for name in READ_ATTRS:
            if values.get(name):
                self.parts.append(str(values[name]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        """Ends a skipped element."""
        if tag in SKIPPED:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        """Keeps the text outside scripts and styles."""
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    """The visible pieces of text of a page."""
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def without_data(text: str) -> str:
    """The text with everything people typed, links, numbers and dates taken out."""
    for typed in sorted(TYPED, key=len, reverse=True):
        text = text.replace(typed, " ")
    for pattern in DATA:
        text = pattern.sub(" ", text)
    return text


def english_fragments(html: str) -> set[str]:
    """ASCII words on a Chinese page that are not data."""
    found: set[str] = set()
    for part in visible_text(html):
        found |= {w for w in WORD.findall(without_data(part)) if w not in PROPER}
    return found


def raw_codes(html: str) -> set[str]:
    """Codes (`quote_pending`, `None`) on an English page."""
    found: set[str] = set()
    for part in visible_text(html):
        found |= set(CODE.findall(without_data(part)))
    return found


MISSING = ("/cases/999999",)


def readable_cells(text: str) -> str:
    """A CSV's cells but those of its code column (kept for spreadsheets' formulas)."""
    rows = list(csv.reader(io.StringIO(text)))
    keep = [i for i, name in enumerate(rows[0]) if name not in CODE_COLUMNS] if rows else []
    return "\n".join(" | ".join(row[i] for i in keep) for row in rows)


def pages(world: World) -> list[str]:
    """Every page a staff member can open (add new pages here)."""
    return [
        "/",
        "/?kind=complaint",
        "/?kind=installation",
        *[f"/cases/{case_id}" for case_id in world.case_ids],
        "/cases",
        "/cases?status=closed",
        "/cases?status=cancelled&kind=fault",
        "/cases?q=Wang",
        "/cases?q=SN-1001",
        "/cases?status=bad",
        *[f"/customers/{customer_id}" for customer_id in world.customer_ids],
        # Every notice an action leaves on the page it returns to.
        *[f"/cases/{world.case_ids[0]}?done={notice}" for notice in sorted(case_actions.NOTICES)],
        *[f"/customers/{world.customer_ids[0]}?notice={n}" for n in sorted(customers.NOTICES)],
        *[f"/products/{product_id}" for product_id in world.product_ids],
        "/cases/new",
        "/cases/new?q=Qian",
        "/technicians",
        "/standards",
        "/standards?month=2026-10",
        "/standards?month=bad",
        "/staff",
        *[f"/staff/{staff_id}/remove" for staff_id in world.staff_ids[:2]],
        "/claims",
        "/exports",
        "/integrations",
        *[f"/integrations/webhooks/{hook}/remove" for hook in world.webhook_ids],
        "/login",
        *MISSING,  # the error page
    ]


async def _fetch_all(client: Client, world: World) -> dict[str, str]:
    """Each page's HTML."""
    fetched: dict[str, str] = {}
    for path in pages(world):
        response = await client.get(path)
        assert response.status == (404 if path in MISSING else 200), (path, response.status)
        fetched[path] = await response.text()
    return fetched


@pytest.mark.long
async def test_every_staff_page_in_chinese_and_english(harness: Harness, client: Client) -> None:
    world = await build(harness, client)

    english = await _fetch_all(client, world)
    codes = {path: found for path, html in english.items() if (found := raw_codes(html))}
    assert "Technician assigned" in english[f"/cases/{world.case_ids[0]}"]

    await client.get("/lang/zh_CN")
    chinese = await _fetch_all(client, world)
    # The timeline says who did what in words; surveys show their questions and answers.
    first, complaint = (
        chinese[f"/cases/{world.case_ids[0]}"],
        chinese[f"/cases/{world.case_ids[1]}"],
    )
    for seen in ("· Desk Zhou", "派给 Tech An", "客户已确认", "报告 #1，根本原因：外购件",
                 "问题解决了吗？", "2 — 差", "第 2 次回访", "待发送"):  # fmt: skip
        assert seen in first, seen
    assert "总体满意度 4 — 满意" in complaint and "沟通问题" in complaint
    assert "来源：来电；登记人：Admin Gao" in chinese[f"/cases/{world.case_ids[-1]}"]
    assert "小时" in chinese["/standards"] and "页面不存在" in chinese["/cases/999999"]
    chinese |= await _csv_files(client)
    chinese |= await _technicians_view(harness, client, world)
    fragments = {
        path: found for path, html in chinese.items() if (found := english_fragments(html))
    }
    assert not fragments, _where(fragments, chinese)
    assert not codes, _where(codes, english)
    # Staff pages speak about the customer, not to them ("you approve a quote").
    to_customer = {path: {"您"} for path, html in chinese.items() if "需您" in html}
    assert not to_customer, _where(to_customer, chinese)


async def _csv_files(client: Client) -> dict[str, str]:
    """Every register and report CSV, its cells as a page."""
    fetched = {}
    for path in (
        "/claims.csv",
        *[f"/exports/{name}.csv?start=2026-11-01" for name in REGISTERS],
        *[f"/standards/{name}.csv" for name in TABLES],
    ):
        response = await client.get(path)
        assert response.status == 200, path
        text = (await response.read()).decode("utf-8-sig")
        fetched[path] = f"<pre>{html.escape(readable_cells(text))}</pre>"
    return fetched


async def _technicians_view(harness: Harness, client: Client, world: World) -> dict[str, str]:
    """The board, the case list and their own cases as a technician sees them."""
    await log_in(harness, client, TECH_A)
    fetched = {}
    for path in ["/", "/cases", *[f"/cases/{case_id}" for case_id in world.case_ids]]:
        response = await client.get(path)
        if response.status == 200:  # others' cases are not found for them
            fetched[f"{path} (technician)"] = await response.text()
    assert len(fetched) > 3, sorted(fetched)
    return fetched


def _where(findings: dict[str, set[str]], fetched: dict[str, str]) -> str:
    """Each finding with the piece of text it sits in, to find its template quickly."""
    lines = []
    for path, words in findings.items():
        pieces = [p for p in visible_text(fetched[path]) if any(w in p for w in words)]
        lines.append(f"{path}: {sorted(words)} in {pieces[:8]}")
    return "\n".join(lines)


def test_the_guard_sees_codes_and_lets_data_through() -> None:
    html = (
        "<title>看板</title><script>var quote_pending;</script><p>Wang Wei · 报修</p>"
        '<input placeholder="search"><button title="状态">check_in</button>'
        "<p>SR-20261123-0001 · 2026-11-23 09:00 · 3.2 km · None</p>"
    )
    assert english_fragments(html) == {"search", "check_in", "None"}
    assert raw_codes(html) == {"check_in", "None"}
    assert raw_codes("<p>None yet.</p><p>Tech An</p>") == set()
