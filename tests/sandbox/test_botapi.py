"""The sandbox Bot API server, driven by a real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, TimedOut
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from sandbox import botapi
from sandbox.botapi import BotApiServer
from sandbox.users import SandboxGroup, SandboxUser

TOKEN = "123456:TEST"


class FakeTime:
    """A hand-driven clock for the server's `now`."""

    def __init__(self) -> None:
        self.value = 1_790_000_000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
async def make_server() -> AsyncIterator[Callable[..., Awaitable[BotApiServer]]]:
    started: list[BotApiServer] = []

    async def make(**kwargs: Any) -> BotApiServer:
        server = BotApiServer(token=TOKEN, **kwargs)
        await server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        await server.stop()


@pytest.fixture
async def server(make_server: Callable[..., Awaitable[BotApiServer]]) -> BotApiServer:
    return await make_server()


def client(server: BotApiServer, token: str = TOKEN) -> telegram.Bot:
    root = server.base_url
    return telegram.Bot(token, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot")


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[telegram.Bot]:
    async with client(server) as running:
        yield running


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


async def test_get_me(bot: telegram.Bot, server: BotApiServer) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "aftersales_bot", True)
    assert server.calls_to("getMe")[0].ok


async def test_wrong_token_and_unknown_method(server: BotApiServer, bot: telegram.Bot) -> None:
    with pytest.raises(InvalidToken):
        async with client(server, "999:WRONG"):
            pass
    with pytest.raises(telegram.error.EndPointNotFound):
        await bot.do_api_request("noSuchMethod")


async def test_send_message_with_keyboard(bot: telegram.Bot, server: BotApiServer) -> None:
    user = SandboxUser(server, 42, "Li")
    sent = await bot.send_message(
        42, "<b>Pick</b> one", parse_mode="HTML", reply_markup=keyboard(("Yes", "y"), ("No", "n"))
    )
    assert sent.text == "Pick one"
    assert sent.entities[0].type == "bold"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "y"
    assert sent.chat.type == "private" and sent.chat.first_name == "Li"
    [msg] = server.messages(42)
    assert (msg.kind, msg.text, msg.raw_text, msg.parse_mode) == (
        "text",
        "Pick one",
        "<b>Pick</b> one",
        "HTML",
    )
    assert msg.button_texts() == ["Yes", "No"]
    assert msg.buttons()[1][0].callback_data == "n"
    assert user.last() is msg and user.texts() == ["Pick one"]
    call = server.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == 42
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Yes"


async def test_bad_requests(bot: telegram.Bot, server: BotApiServer) -> None:
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1, "<b>open", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(1, "hi", reply_markup=keyboard(("A", "x" * 65)))
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("new", chat_id=1, message_id=99)
    assert server.messages(1) == []
    assert not any(c.ok for c in server.calls_to("sendMessage"))


async def test_edit_in_place_and_not_modified(bot: telegram.Bot, server: BotApiServer) -> None:
    sent = await bot.send_message(7, "one", reply_markup=keyboard(("A", "a")))
    edited = await bot.edit_message_text(
        "two", chat_id=7, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert isinstance(edited, telegram.Message) and edited.text == "two"
    [msg] = server.messages(7)
    assert (msg.text, msg.edits, msg.history, msg.button_texts()) == ("two", 1, ["one"], ["B"])
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "two", chat_id=7, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
        )
    await bot.edit_message_reply_markup(chat_id=7, message_id=sent.message_id)
    assert server.message(7, sent.message_id).buttons() == []
    assert await bot.delete_message(7, sent.message_id)
    assert server.messages(7)[0].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(7, sent.message_id)


async def test_long_poll_woken_by_push_and_offset_acknowledges(
    bot: telegram.Bot, server: BotApiServer
) -> None:
    user = SandboxUser(server, 42, "Li", username="li")
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    update_id = user.send_text("/start deep")
    [update] = await poll
    assert loop.time() - started < 2
    assert update.update_id == update_id == 1
    assert update.message is not None and update.message.text == "/start deep"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start")
    waiter = asyncio.create_task(server.wait_acknowledged(update_id, timeout=2))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    await waiter
    with pytest.raises(TimeoutError):
        await server.wait_acknowledged(user.send_text("again"), timeout=0.05)


async def test_pressed_button_arrives_as_callback_query(
    bot: telegram.Bot, server: BotApiServer
) -> None:
    user = SandboxUser(server, 42, "Li")
    first = user.send_text("hi")
    sent = await bot.send_message(42, "Confirm?", reply_markup=keyboard(("✅ Yes", "yes")))
    assert sent.message_id == 2  # one id counter per chat, shared with the user's message
    update_id = user.press("Yes")
    updates = await bot.get_updates(offset=first + 1)
    query = updates[-1].callback_query
    assert query is not None and query.data == "yes"
    assert isinstance(query.message, telegram.Message)
    assert query.message.message_id == sent.message_id
    await query.answer("Done")
    assert server.callback_answer(update_id) is not None
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("again")
    with pytest.raises(LookupError, match="Yes"):
        user.press("Maybe")


async def test_user_photo_roundtrip_and_bot_upload(
    bot: telegram.Bot, server: BotApiServer
) -> None:
    user = SandboxUser(server, 42, "Li")
    user.send_photo(b"\x89PNG real bytes", caption="my car")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.caption == "my car"
    file = await bot.get_file(update.message.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG real bytes"
    sent = await bot.send_photo(42, b"uploaded-jpeg", caption="receipt")
    msg = user.last()
    assert (msg.kind, msg.text) == ("photo", "receipt")
    assert msg.photo_file_id == sent.photo[-1].file_id
    assert server.file_bytes(msg.photo_file_id or "") == b"uploaded-jpeg"
    again = await bot.send_photo(42, sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    await bot.send_location(42, 31.2, 121.4)
    assert (user.last().kind, user.last().latitude) == ("location", 31.2)


async def test_voice_sent_again_by_file_id(bot: telegram.Bot, server: BotApiServer) -> None:
    user = SandboxUser(server, 42, "Li")
    user.send_media("voice")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.voice is not None
    voice_id = update.message.voice.file_id
    sent = await bot.send_voice(42, voice_id, caption="from the customer")
    msg = user.last()
    assert (msg.kind, msg.text, msg.voice_file_id) == ("voice", "from the customer", voice_id)
    assert sent.voice is not None and sent.voice.file_id == voice_id
    assert server.file_bytes(voice_id) == b"OggS voice"
    with pytest.raises(telegram.error.BadRequest):
        await bot.send_voice(42, "no-such-file")


async def test_injected_faults(
    bot: telegram.Bot, server: BotApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    server.inject("sendMessage", botapi.RetryAfter(7))
    with pytest.raises(telegram.error.RetryAfter) as caught:
        await bot.send_message(1, "hi")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    server.inject("sendMessage", botapi.Forbidden(), chat_id=2)
    await bot.send_message(1, "other chat is fine")
    with pytest.raises(Forbidden):
        await bot.send_message(2, "hi")
    server.inject("sendMessage", botapi.ServerError(), times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(1, "hi")
    await bot.send_message(1, "recovered")
    server.inject("sendMessage", botapi.Timeout(0.3))
    with pytest.raises(TimedOut):
        await bot.send_message(1, "slow", read_timeout=0.05)
    assert [c.ok for c in server.calls_to("sendMessage")] == [
        False, True, False, False, False, True,
    ]  # fmt: skip
    server.block(3)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(3, "hi")


async def test_enforce_limits(
    make_server: Callable[..., Awaitable[BotApiServer]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB warns when building RetryAfter otherwise
    clock = FakeTime()
    server = await make_server(enforce_limits=True, now=clock)
    async with client(server) as bot:
        await bot.send_message(5, "one")
        with pytest.raises(telegram.error.RetryAfter):
            await bot.send_message(5, "two")
        await bot.send_message(6, "another chat")
        clock.value += 1.01
        await bot.send_message(5, "three")
        for i in range(20):
            await bot.send_message(-100, f"group {i}")
            clock.value += 0.05
        with pytest.raises(telegram.error.RetryAfter):
            await bot.send_message(-100, "one too many")
    assert server.rate_limited_count == 2
    assert [m.text for m in server.messages(5)] == ["one", "three"]


async def test_webhook_delivery(bot: telegram.Bot, server: BotApiServer) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    failures = [1]

    async def hook(request: web.Request) -> web.Response:
        if failures:
            failures.pop()
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((secret, await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        user = SandboxUser(server, 42, "Li")
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        with pytest.raises(Conflict):
            await bot.get_updates()
        first = user.send_text("hello")
        second = user.press_data("stale", message_id=99)
        await server.wait_acknowledged(second, timeout=3)
        assert [body["update_id"] for _, body in received] == [first, second]
        assert {secret for secret, _ in received} == {"s3cret"}
        assert received[1][1]["callback_query"]["message"]["date"] == 0
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0 and info.last_error_message
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()


async def test_group_and_user_helpers(bot: telegram.Bot, server: BotApiServer) -> None:
    user = SandboxUser(server, 42, "Li")
    group = SandboxGroup(server, -100123, "Workshop")
    group.send_text(user, "hello group")
    user.send_contact("+8613800000000")
    user.send_location(31.2, 121.4)
    for kind in ("voice", "sticker", "video", "document", "poll", "dice"):
        user.send_media(kind)
    updates = await bot.get_updates()
    assert updates[0].message is not None and updates[0].message.chat.type == "supergroup"
    assert updates[1].message is not None and updates[1].message.contact is not None
    assert updates[1].message.contact.user_id == 42
    kinds = [u.message.effective_attachment.__class__.__name__ for u in updates[3:] if u.message]
    assert kinds == ["Voice", "Sticker", "Video", "Document", "Poll", "Dice"]
    edit = user.edit_text(2, "fixed")  # contact is message 2 in the private chat: any id works
    [edited] = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert edited.update_id == edit and edited.edited_message is not None
    await bot.set_my_commands([("start", "Start")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    chat = await bot.get_chat(42)
    assert chat.first_name == "Li"
    share = telegram.KeyboardButton("Share phone", request_contact=True)
    await bot.send_message(42, "Phone?", reply_markup=telegram.ReplyKeyboardMarkup([[share]]))
    user.tap("Share phone")
    user.block()
    with pytest.raises(Forbidden):
        await bot.send_message(42, "hi")
    *_, contact, blocked = await bot.get_updates(offset=edit + 1)
    assert contact.message is not None and contact.message.contact is not None
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"


async def test_application_polling_echo(server: BotApiServer) -> None:
    user = SandboxUser(server, 42, "Li")

    async def echo(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    root = server.base_url
    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        update_id = user.send_text("ping")
        await server.wait_acknowledged(update_id)
        for _ in range(100):
            if user.texts():
                break
            await asyncio.sleep(0.01)
        await app.updater.stop()
        await app.stop()
    assert user.texts() == ["echo: ping"]


async def test_media_group_document_and_poll_conflict(
    bot: telegram.Bot, server: BotApiServer
) -> None:
    album = [telegram.InputMediaPhoto(b"one", caption="first"), telegram.InputMediaPhoto(b"two")]
    sent = await bot.send_media_group(42, album)
    assert [m.message_id for m in sent] == [1, 2]
    assert sent[0].media_group_id == sent[1].media_group_id is not None
    assert [m.kind for m in server.messages(42)] == ["photo", "photo"]
    assert server.messages(42)[0].text == "first"
    doc = await bot.send_document(42, b"%PDF", filename="invoice.pdf")
    assert doc.document is not None and doc.document.file_name == "invoice.pdf"
    assert server.file_bytes(server.messages(42)[-1].document_file_id or "") == b"%PDF"
    async with client(server) as other:  # PTB keeps one connection for getUpdates per Bot
        old = asyncio.create_task(other.get_updates(timeout=5))
        await asyncio.sleep(0.05)
        assert await bot.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match=r"(?i)terminated by other getupdates"):
            await old
