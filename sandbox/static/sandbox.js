// The sandbox page: renders the chat panes from /sandbox/api/state and sends what users do.
"use strict";

const TEXTS = JSON.parse(document.getElementById("texts").textContent);
let version = "";
let busy = 0;

function t(key, args) {
  let text = TEXTS[key] || key;
  for (const [name, value] of Object.entries(args || {})) {
    text = text.split("{" + name + "}").join(String(value));
  }
  return text;
}

function status(text, isError) {
  const el = document.getElementById("status");
  el.textContent = text || "";
  el.classList.toggle("error", Boolean(isError));
}

async function call(path, body, isForm) {
  const options = { method: "POST" };
  if (isForm) {
    options.body = body;
  } else {
    options.headers = { "Content-Type": "application/json" };
    options.body = JSON.stringify(body || {});
  }
  busy += 1;
  try {
    const response = await fetch(path, options);
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      status(answer.error || t("demo.error.network"), true);
      return null;
    }
    status("");
    return answer;
  } catch (err) {
    status(t("demo.error.network"), true);
    return null;
  } finally {
    busy -= 1;
  }
}

// Telegram entities count UTF-16 code units, as JavaScript strings do.
const TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  spoiler: "span", text_link: "a", url: "a", blockquote: "blockquote",
};

function renderText(parent, text, entities) {
  const useful = (entities || []).filter((e) => TAGS[e.type]);
  const cuts = new Set([0, text.length]);
  for (const e of useful) {
    cuts.add(e.offset);
    cuts.add(e.offset + e.length);
  }
  const points = [...cuts].sort((a, b) => a - b);
  for (let i = 0; i < points.length - 1; i++) {
    const start = points[i];
    const end = points[i + 1];
    let node = document.createTextNode(text.slice(start, end));
    for (const e of useful) {
      if (e.offset <= start && end <= e.offset + e.length) {
        const wrap = document.createElement(TAGS[e.type]);
        if (e.type === "text_link" || e.type === "url") {
          wrap.href = e.url || text.slice(e.offset, e.offset + e.length);
          wrap.target = "_blank";
          wrap.rel = "noopener";
        }
        if (e.type === "spoiler") wrap.className = "spoiler";
        wrap.appendChild(node);
        node = wrap;
      }
    }
    parent.appendChild(node);
  }
}

function mapLink(location) {
  const a = document.createElement("a");
  const lat = location.latitude.toFixed(5);
  const lon = location.longitude.toFixed(5);
  a.href = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
  a.target = "_blank";
  a.rel = "noopener";
  a.textContent = "📍 " + t("demo.location", { latitude: lat, longitude: lon });
  return a;
}

function renderMessage(pane, message) {
  const li = document.createElement("li");
  li.className = `msg ${message.from}`;
  li.dataset.id = message.id;
  if (message.deleted) {
    li.classList.add("deleted");
    li.textContent = t("demo.deleted");
    return li;
  }
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (message.photo) {
    const img = document.createElement("img");
    img.src = message.photo;
    img.alt = t("demo.photo");
    bubble.appendChild(img);
  }
  if (message.document) {
    const a = document.createElement("a");
    a.href = message.document;
    a.download = message.document_name || "";
    a.textContent = "📄 " + (message.document_name || t("demo.document"));
    bubble.appendChild(a);
  }
  if (message.voice) {
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "none";
    audio.src = message.voice;
    bubble.appendChild(audio);
  }
  if (message.location) bubble.appendChild(mapLink(message.location));
  if (message.contact) {
    const div = document.createElement("div");
    div.textContent = "👤 " + t("demo.contact", { phone: message.contact.phone_number });
    bubble.appendChild(div);
  }
  if (message.text) {
    const div = document.createElement("div");
    div.className = "text";
    renderText(div, message.text, message.entities);
    bubble.appendChild(div);
  } else if (message.kind === "other") {
    bubble.appendChild(document.createTextNode(t("demo.unsupported")));
  }
  if (message.edited) {
    const small = document.createElement("small");
    small.className = "edited";
    small.textContent = t("demo.edited");
    bubble.appendChild(small);
  }
  li.appendChild(bubble);
  if (message.buttons.length) {
    const board = document.createElement("div");
    board.className = "inline-keyboard";
    message.buttons.forEach((row, r) => {
      const line = document.createElement("div");
      line.className = "row";
      row.forEach((button, c) => {
        if (button.web_app) {
          // A Mini App: Telegram opens it over the chat; the sandbox opens it beside the phone.
          const a = document.createElement("a");
          a.className = "button mini-app";
          a.href = button.web_app;
          a.target = "_blank";
          a.textContent = button.text + " ▣";
          line.appendChild(a);
          return;
        }
        if (button.url && !button.pressable) {
          const a = document.createElement("a");
          a.className = "button";
          a.href = button.url;
          a.target = "_blank";
          a.rel = "noopener";
          a.textContent = button.text + " ↗";
          line.appendChild(a);
          return;
        }
        const b = document.createElement("button");
        b.type = "button";
        b.className = "button";
        b.textContent = button.text;
        b.addEventListener("click", () =>
          act(pane, "press", { message_id: message.id, row: r, column: c }));
        line.appendChild(b);
      });
      board.appendChild(line);
    });
    li.appendChild(board);
  }
  return li;
}

function renderPane(view) {
  const pane = document.querySelector(`[data-pane="${view.key}"]`);
  if (!pane) return;
  const chat = pane.querySelector(".chat");
  const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40;
  chat.replaceChildren(...view.messages.map((m) => renderMessage(view.key, m)));
  if (!view.messages.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = t("demo.empty_chat");
    chat.appendChild(li);
  }
  if (atBottom || chat.dataset.count !== String(view.messages.length)) {
    chat.scrollTop = chat.scrollHeight;
  }
  chat.dataset.count = String(view.messages.length);
  const keyboard = pane.querySelector(".reply-keyboard");
  keyboard.replaceChildren(...view.keyboard.map((row) => {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "button";
      b.textContent = button.text;
      b.addEventListener("click", () => act(view.key, "tap", { text: button.text }));
      line.appendChild(b);
    }
    return line;
  }));
}

async function refresh() {
  try {
    const response = await fetch("/sandbox/api/state");
    const state = await response.json();
    version = state.version;
    document.getElementById("clock").textContent = state.clock.local;
    state.panes.forEach(renderPane);
  } catch (err) {
    status(t("demo.error.network"), true);
  }
}

async function act(pane, action, body) {
  await call(`/sandbox/api/panes/${pane}/${action}`, body);
  await refresh();
}

async function watch() {
  for (;;) {
    try {
      const response = await fetch(`/sandbox/api/wait?version=${encodeURIComponent(version)}`);
      const answer = await response.json();
      if (answer.changed) await refresh();
    } catch (err) {
      status(t("demo.error.network"), true);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await refresh();
    }
  }
}

function wirePane(pane) {
  const key = pane.dataset.pane;
  const form = pane.querySelector("form.compose");
  const input = form.querySelector('input[name="text"]');
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await act(key, "text", { text });
    input.focus();
  });
  const menu = pane.querySelector("details.attach");
  pane.querySelector('[data-action="contact"]').addEventListener("click", async () => {
    menu.open = false;
    await act(key, "contact", {});
  });
  pane.querySelector('[data-action="location"]').addEventListener("click", async () => {
    menu.open = false;
    await act(key, "location", {});
  });
  pane.querySelector('[data-action="sample-photo"]').addEventListener("click", async () => {
    menu.open = false;
    const caption = input.value.trim();
    input.value = "";
    await act(key, "photo", caption ? { caption } : {});
  });
  pane.querySelector('input[data-action="photo"]').addEventListener("change", async (event) => {
    menu.open = false;
    const file = event.target.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("photo", file);
    const caption = input.value.trim();
    if (caption) form.append("caption", caption);
    input.value = "";
    event.target.value = "";
    await call(`/sandbox/api/panes/${key}/photo`, form, true);
    await refresh();
  });
}

document.querySelectorAll("[data-pane]").forEach(wirePane);
document.querySelectorAll("[data-advance]").forEach((button) => {
  button.addEventListener("click", async () => {
    document.querySelectorAll("[data-advance]").forEach((b) => { b.disabled = true; });
    status(t("demo.advancing"));
    const answer = await call("/sandbox/api/clock", JSON.parse(button.dataset.advance));
    document.querySelectorAll("[data-advance]").forEach((b) => { b.disabled = false; });
    if (answer) status(t("demo.advanced", { time: answer.clock.local }));
    await refresh();
  });
});
refresh().then(watch);
