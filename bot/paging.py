"""Lists the bot sends, split into pages that each fit in one Telegram message.

A list command renders its entries through `show`; a page holds as many entries as fit in
Telegram's 4,096 characters (and at most `MAX_ENTRIES`, so its keyboard stays small), with
◀ ▶ buttons (`core.callbacks.ShowPage`) that name the list and the page. A press
rebuilds the list for the presser (their role and data are checked again, as for a command)
and edits the message to that page; a page that no longer exists shows the nearest one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.common import answer, edit_or_send, language_of, pressed
from bot.context import AppContext, BotApplication
from bot.keyboards import Row, inline
from core.callbacks import ShowPage

logger = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's limit on a message, in UTF-16 code units
FOOTER_ROOM = 80  # kept free for the "page 2 of 5" line
MAX_ENTRIES = 15
LIST_LIMIT = 500  # the most entries a list loads; pages make them all reachable

PageShower = Callable[[Update, AppContext, int], Awaitable[None]]

_LISTS: dict[str, PageShower] = {}


def paged(kind: str) -> Callable[[PageShower], PageShower]:
    """Registers the function that shows a page of list `kind` (called again on ◀ ▶)."""

    def add(shower: PageShower) -> PageShower:
        _LISTS[kind] = shower
        return shower

    return add


@dataclass(frozen=True)
class Entry:
    """One entry of a list: its text and the buttons that go with it."""

    line: str = ""
    rows: Sequence[Row] = ()


@dataclass(frozen=True)
class Listing:
    """A list message: its catalog key (with `{lines}` for the entries), entries and args."""

    key: str
    entries: Sequence[Entry]
    args: dict[str, Any] = field(default_factory=dict)
    separator: str = "\n"
    lines_arg: str = "lines"
    extra_rows: Sequence[Row] = ()  # buttons on every page, after the entries' ones


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def split_pages(frame: int, lines: Sequence[str], separator: str) -> list[list[int]]:
    """Indexes of the entries on each page; `frame` is the message's length without entries."""
    room = MAX_TEXT - FOOTER_ROOM - frame
    step = utf16_len(separator)
    pages: list[list[int]] = [[]]
    used = 0
    for index, line in enumerate(lines):
        size = utf16_len(line) + (step if pages[-1] else 0)
        if pages[-1] and (used + size > room or len(pages[-1]) >= MAX_ENTRIES):
            pages.append([])
            size = utf16_len(line)
            used = 0
        pages[-1].append(index)
        used += size
    return pages


def clip(line: str, room: int) -> str:
    """An entry cut to fit a page on its own."""
    if utf16_len(line) <= room:
        return line
    cut = line[: max(room - 1, 0)]
    while cut and utf16_len(cut) > room - 1:
        cut = cut[:-1]
    return cut + "…"


def nav_row(say: Callable[[str], str], kind: str, page: int, pages: int) -> Row:
    """◀ ▶ buttons to the neighbouring pages (none on a single page)."""
    row: Row = []
    if page > 0:
        row.append((say("paging.prev"), ShowPage(kind, page - 1)))
    if page < pages - 1:
        row.append((say("paging.next"), ShowPage(kind, page + 1)))
    return row


async def show(
    update: Update, context: AppContext, *, kind: str, page: int, listing: Listing
) -> None:
    """Sends (or, on a page button, edits into) one page of a list."""
    language = await language_of(update, context)
    texts = context.services.texts

    def say(key: str, **args: Any) -> str:
        return texts.get(language, key, **args)

    frame = utf16_len(say(listing.key, **{**listing.args, listing.lines_arg: ""}))
    room = MAX_TEXT - FOOTER_ROOM - frame
    lines = [clip(entry.line, room) for entry in listing.entries]
    pages = split_pages(frame, lines, listing.separator)
    page = min(max(page, 0), len(pages) - 1)  # a stale page shows the nearest one
    chosen = [listing.entries[i] for i in pages[page]]
    shown = listing.separator.join(lines[i] for i in pages[page])
    body = say(listing.key, **{**listing.args, listing.lines_arg: shown})
    if len(pages) > 1:
        body += "\n\n" + say("paging.page", page=page + 1, pages=len(pages))
    rows = [row for entry in chosen for row in entry.rows] + list(listing.extra_rows)
    nav = nav_row(say, kind, page, len(pages))
    if nav:
        rows.append(nav)
    await send_or_edit(update, context, body, rows)


async def send_or_edit(update: Update, context: AppContext, body: str, rows: list[Row]) -> None:
    """Edits the message whose page button was pressed, or sends a new message."""
    await edit_or_send(update, context, body, inline(rows) if rows else None)


async def page_button(update: Update, context: AppContext) -> None:
    """Shows the page a ◀ ▶ button names, rebuilt for the presser."""
    query = update.callback_query
    button = await pressed(update, context, ShowPage)
    if query is None or button is None:
        return
    shower = _LISTS.get(button.listing)
    if shower is None:
        await answer(update, context, "common.stale_button")
        return
    await query.answer()
    await shower(update, context, button.page)


def register(application: BotApplication) -> None:
    """Adds the page buttons of every list."""
    application.add_handler(CallbackQueryHandler(page_button, pattern=ShowPage.pattern()))
