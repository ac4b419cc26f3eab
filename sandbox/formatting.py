"""Telegram-like handling of parse_mode text and reply markup validation."""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from typing import Any

from sandbox.models import bad_request

logger = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_MDV2_RESERVED = "#+-={}.!"


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, as Telegram counts offsets."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHtml(HTMLParser):
    """Collect plain text and entities from Telegram-flavoured HTML."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self.length = 0
        self.stack: list[tuple[str, dict[str, str | None], int]] = []
        self.entities: list[dict[str, Any]] = []

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        lines = self.source.splitlines(keepends=True)
        prefix = "".join(lines[: line - 1]) + (lines[line - 1][:col] if lines else "")
        return len(prefix.encode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an entity or reject an unsupported tag."""
        if tag not in _TAGS:
            raise bad_request(
                f'can\'t parse entities: Unsupported start tag "{tag}" '
                f"at byte offset {self._byte_offset()}"
            )
        self.stack.append((tag, dict(attrs), self.length))

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost entity; the tag must match."""
        if not self.stack or self.stack[-1][0] != tag:
            raise bad_request(
                f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""
                if not self.stack
                else f"can't parse entities: Unmatched end tag at byte offset "
                f'{self._byte_offset()}, expected "</{self.stack[-1][0]}>", found "</{tag}>"'
            )
        name, attrs, start = self.stack.pop()
        length = self.length - start
        if length == 0:
            return
        entity: dict[str, Any] = {"type": _TAGS[name], "offset": start, "length": length}
        if name == "a":
            href = attrs.get("href")
            if not href:
                return
            entity["url"] = href
        elif name == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
        elif name == "tg-emoji":
            entity["custom_emoji_id"] = attrs.get("emoji-id") or ""
        elif name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        """Append visible text."""
        self.parts.append(data)
        self.length += utf16_len(data)


def _check_markdown_v2(text: str) -> None:
    """Reject unescaped reserved characters like Telegram's MarkdownV2 parser does."""
    in_code = False
    escaped = False
    for pos, char in enumerate(text):
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif char == "`":
            in_code = not in_code
        elif not in_code and char in _MDV2_RESERVED:
            raise bad_request(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                f"with the preceding '\\' (offset {pos})"
            )


def render(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) for text sent with parse_mode; raise on bad markup."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parser = _TelegramHtml(text)
        parser.feed(text)
        parser.close()
        if parser.stack:
            raise bad_request(
                "can't parse entities: Can't find end tag corresponding to start tag "
                f'"{parser.stack[-1][0]}"'
            )
        return "".join(parser.parts), parser.entities
    if mode == "markdownv2":
        _check_markdown_v2(text)
    elif mode and mode != "markdown":
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    return text, []


def check_text(plain: str, *, caption: bool) -> None:
    """Apply Telegram's emptiness and length limits to message text or a caption."""
    if caption:
        if utf16_len(plain) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not str(button.get("text", "")):
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [k for k in button if k != "text"]
    if not actions:
        raise bad_request("Text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if data is not None and (
        not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def check_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate reply_markup like Telegram and return it (None when absent)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'can\'t parse inline keyboard: Field "inline_keyboard" must be an Array'
            )
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('can\'t parse keyboard: Field "keyboard" must be an Array')
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")
