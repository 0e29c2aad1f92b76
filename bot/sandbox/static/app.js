// The demo console: three chats side by side, drawn from the server's state (SSE).
"use strict";

const WORDS = {
  id: {
    subtitle: "Demo dan pelatihan", profile: "Profil SOP", reset: "Mulai ulang",
    hour: "+1 jam", day: "+1 hari", due: "Ke batas waktu berikutnya",
    citizenTab: "Warga", groupTab: "Grup staf", staffTab: "Staf (pribadi)",
    citizenTitle: "Ponsel warga", groupTitle: "Grup staf", staffTitle: "Chat pribadi staf",
    actingAs: "sebagai", send: "Kirim", placeholder: "Tulis pesan…",
    attach: "Foto atau dokumen", contact: "Bagikan kontak", location: "Bagikan lokasi",
    reply: "Balas", replyingTo: "Membalas", edited: "diedit", open: "buka", closed: "tutup",
    office: "Jam kantor", officeClosed: "Di luar jam kantor",
    contactShared: "Kontak", locationShared: "Lokasi", document: "Dokumen",
    empty: "Belum ada pesan.", resetting: "Memulai ulang demo…",
    hint: "Mulai sebagai warga: tekan /start atau ketik <b>/lapor</b>. Laporan muncul sebagai kartu di grup staf: pilih siapa Anda (“sebagai”; label menyebut peran tiap orang) lalu tekan tombol kartu. Bila peran itu tidak boleh, bot mengatakannya: pilih orang lain. Pesan bot yang meminta balasan langsung dibalas dari kotak tulis (atau ketuk “Balas”). Tombol jam memajukan waktu untuk melihat pengingat, eskalasi dan rekap harian.",
    errors: {
      unknown: "Orang itu tidak ada di demo ini.", "not-staff": "Hanya staf yang ada di grup staf.",
      gone: "Pesan itu sudah tidak ada.", "bad-action": "Tindakan itu tidak dikenal.",
      "empty-file": "Berkas kosong.", "bad-step": "Langkah jam tidak dikenal.",
      "no-due": "Tidak ada laporan terbuka dengan batas waktu di depan.",
      "bad-profile": "Profil itu tidak ada.", network: "Server demo tidak menjawab.",
    },
  },
  en: {
    subtitle: "Demo and training", profile: "SOP profile", reset: "Start over",
    hour: "+1 hour", day: "+1 day", due: "To the next due date",
    citizenTab: "Citizen", groupTab: "Staff group", staffTab: "Staff (private)",
    citizenTitle: "Citizen's phone", groupTitle: "Staff group", staffTitle: "Staff private chat",
    actingAs: "as", send: "Send", placeholder: "Write a message…",
    attach: "Photo or document", contact: "Share contact", location: "Share location",
    reply: "Reply", replyingTo: "Replying to", edited: "edited", open: "open", closed: "closed",
    office: "Office hours", officeClosed: "Outside office hours",
    contactShared: "Contact", locationShared: "Location", document: "Document",
    empty: "No messages yet.", resetting: "Starting the demo over…",
    hint: "Start as the citizen: press /start or type <b>/lapor</b>. The report arrives as a card in the staff group: choose who you are (“as”; the labels give each person’s role) and press the card’s buttons. When that role may not, the bot says so: pick someone else. A bot message that asks for a reply is answered from the text box (or tap “Reply”). The clock buttons move time forward to show reminders, escalations and the daily recap.",
    errors: {
      unknown: "That person is not in this demo.", "not-staff": "Only staff are in the staff group.",
      gone: "That message is gone.", "bad-action": "Unknown action.", "empty-file": "Empty file.",
      "bad-step": "Unknown clock step.", "no-due": "No open report has a due date ahead.",
      "bad-profile": "No such profile.", network: "The demo server does not answer.",
    },
  },
};

let lang = localStorage.getItem("aduan-lang") || "id";
let state = null;
let seenNotice = null;
const panes = {};

function t(key) { return WORDS[lang][key] ?? WORDS.id[key] ?? key; }

function applyWords() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-t]").forEach((el) => {
    const key = el.dataset.t;
    if (key === "hint") el.innerHTML = t(key); else el.textContent = t(key);
  });
  document.querySelectorAll("[data-t-title]").forEach((el) => { el.title = t(el.dataset.tTitle); });
  document.querySelectorAll("[data-t-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.tPlaceholder);
  });
  document.getElementById("lang").textContent = lang === "id" ? "EN" : "ID";
  Object.values(panes).forEach((p) => { p.drawn = ""; });
  if (state) draw();
}

function showError(code) {
  const box = document.getElementById("error");
  box.textContent = (WORDS[lang].errors[code]) || code;
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

async function post(path, body) {
  try {
    const options = body instanceof FormData
      ? { method: "POST", body }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const response = await fetch(path, options);
    const answer = await response.json();
    if (!answer.ok) showError(answer.error);
    return answer;
  } catch (err) {
    showError("network");
    return { ok: false };
  }
}

// -- Telegram's formatting: entities over UTF-16 offsets, as JavaScript strings count --------

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}

function openTag(e, text) {
  const piece = text.substr(e.offset, e.length);
  switch (e.type) {
    case "bold": return ["<b>", "</b>"];
    case "italic": return ["<i>", "</i>"];
    case "underline": return ["<u>", "</u>"];
    case "strikethrough": return ["<s>", "</s>"];
    case "spoiler": return ['<span class="spoiler">', "</span>"];
    case "code": return ["<code>", "</code>"];
    case "pre": return ["<pre>", "</pre>"];
    case "blockquote": case "expandable_blockquote": return ["<blockquote>", "</blockquote>"];
    case "text_link": return [`<a href="${escapeHtml(e.url)}" target="_blank" rel="noopener">`, "</a>"];
    case "url": return [`<a href="${escapeHtml(piece)}" target="_blank" rel="noopener">`, "</a>"];
    case "bot_command": return [`<span class="cmd" data-cmd="${escapeHtml(piece)}">`, "</span>"];
    case "mention": case "hashtag": return ['<span class="mention">', "</span>"];
    default: return ["", ""];
  }
}

function formatted(text, entities) {
  if (!text) return "";
  const list = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  let html = "";
  let pos = 0;
  const stack = [];
  const closeUntil = (end) => {
    while (stack.length && stack[stack.length - 1].end <= end) html += stack.pop().close;
  };
  for (const e of list) {
    const start = e.offset;
    while (stack.length && stack[stack.length - 1].end <= start) {
      const top = stack[stack.length - 1];
      html += escapeHtml(text.slice(pos, top.end)); pos = top.end;
      html += stack.pop().close;
    }
    html += escapeHtml(text.slice(pos, start)); pos = start;
    const [open, close] = openTag(e, text);
    html += open;
    stack.push({ end: e.offset + e.length, close });
  }
  while (stack.length) {
    const top = stack[stack.length - 1];
    html += escapeHtml(text.slice(pos, top.end)); pos = top.end;
    closeUntil(top.end);
  }
  html += escapeHtml(text.slice(pos));
  return html.replace(/\n/g, "<br>");
}

// -- drawing --------------------------------------------------------------------------------

function personByKey(key) { return state.people.find((p) => p.key === key); }
function personById(id) { return state.people.find((p) => p.id === id); }

function chatOf(pane) {
  if (pane.where === "group") return state.chats[String(state.group.id)];
  const person = personByKey(pane.who.value);
  return person ? state.chats[String(person.id)] : null;
}

function senderName(message) {
  if (message.from_bot) return state.bot.first_name;
  const p = personById(message.from.id);
  return p ? (p.label ? `${p.name} · ${p.label}` : p.name) : message.from.first_name;
}

function bubble(pane, message) {
  const el = document.createElement("div");
  const mine = !message.from_bot;
  el.className = `msg ${message.from_bot ? "bot" : "user"}`;
  el.dataset.messageId = message.message_id;
  let html = "";
  if (pane.where === "group" || message.from_bot) {
    html += `<div class="sender">${escapeHtml(senderName(message))}</div>`;
  }
  const reply = message.reply_to_message;
  if (reply) {
    const who = reply.from && reply.from.id === state.bot.id ? state.bot.first_name : (reply.from ? reply.from.first_name : "");
    html += `<div class="quote"><b>${escapeHtml(who)}</b><br>${escapeHtml((reply.text || "").slice(0, 120))}</div>`;
  }
  if (message.photo) {
    const best = message.photo[message.photo.length - 1];
    html += `<img class="photo" alt="foto" src="/api/file/${encodeURIComponent(best.file_id)}">`;
  }
  if (message.document) {
    const d = message.document;
    html += `<a class="doc" target="_blank" href="/api/file/${encodeURIComponent(d.file_id)}">📄 ${escapeHtml(d.file_name || t("document"))}</a>`;
  }
  for (const kind of ["video", "voice", "audio", "sticker", "animation"]) {
    if (message[kind]) html += `<div class="media">[${kind}]</div>`;
  }
  if (message.contact) {
    html += `<div class="contact-card">👤 ${t("contactShared")}: ${escapeHtml(message.contact.first_name)} · ${escapeHtml(message.contact.phone_number)}</div>`;
  }
  if (message.location) {
    html += `<div class="location-card">📍 ${t("locationShared")}: ${message.location.latitude.toFixed(4)}, ${message.location.longitude.toFixed(4)}</div>`;
  }
  if (message.text) html += `<div class="text">${formatted(message.text, message.entities)}</div>`;
  if (message.caption) html += `<div class="text">${formatted(message.caption, message.caption_entities)}</div>`;
  html += `<div class="meta">${message.edit_date ? t("edited") + " · " : ""}${escapeHtml(message.stamp || "")}` +
    ` <button type="button" class="reply-btn">${t("reply")}</button></div>`;
  el.innerHTML = html;
  const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
  if (rows.length) {
    const kb = document.createElement("div");
    kb.className = "inline";
    for (const row of rows) {
      const r = document.createElement("div");
      r.className = "row";
      for (const b of row) {
        const btn = document.createElement(b.url ? "a" : "button");
        btn.className = "ibtn";
        btn.textContent = b.text;
        if (b.url) { btn.href = b.url; btn.target = "_blank"; btn.rel = "noopener"; }
        else {
          btn.type = "button";
          btn.addEventListener("click", () => act(pane, { kind: "press", message_id: message.message_id, data: b.callback_data }));
        }
        r.appendChild(btn);
      }
      kb.appendChild(r);
    }
    el.appendChild(kb);
  }
  el.querySelector(".reply-btn").addEventListener("click", () => setReply(pane, message));
  el.querySelectorAll(".cmd").forEach((c) => c.addEventListener("click", () => act(pane, { kind: "text", text: c.dataset.cmd })));
  if (mine) el.classList.add("mine");
  return el;
}

function setReply(pane, message) {
  pane.replyTo = message ? message.message_id : null;
  const bar = pane.area.querySelector(".replying");
  bar.hidden = !message;
  if (message) {
    const text = message.text || message.caption || "";
    bar.querySelector(".replying-text").textContent = `${t("replyingTo")} ${senderName(message)}: ${text.slice(0, 80)}`;
    pane.input.focus();
  }
}

function drawKeyboard(pane, chat) {
  const box = pane.area.querySelector(".keyboard");
  box.innerHTML = "";
  const markup = chat && chat.keyboard;
  if (!markup || pane.where === "group") return;
  for (const row of markup.keyboard) {
    const r = document.createElement("div");
    r.className = "row";
    for (const b of row) {
      const button = typeof b === "string" ? { text: b } : b;
      const el = document.createElement("button");
      el.type = "button";
      el.className = "kbtn";
      el.textContent = button.text;
      el.addEventListener("click", () => {
        if (button.request_contact) act(pane, { kind: "contact" });
        else if (button.request_location) act(pane, { kind: "location" });
        else act(pane, { kind: "text", text: button.text });
      });
      r.appendChild(el);
    }
    box.appendChild(r);
  }
}

function drawPane(pane) {
  const chat = chatOf(pane);
  const drawn = JSON.stringify([chat, lang, pane.who.value]);
  if (drawn === pane.drawn) return;
  const previous = pane.lastId;
  pane.drawn = drawn;
  const log = pane.chat;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  log.innerHTML = "";
  const messages = chat ? chat.messages : [];
  if (!messages.length) log.innerHTML = `<p class="empty">${t("empty")}</p>`;
  for (const m of messages) log.appendChild(bubble(pane, m));
  drawKeyboard(pane, chat);
  const last = messages[messages.length - 1];
  pane.lastId = last ? last.message_id : 0;
  // A prompt that asks for a reply (force_reply) is answered by replying, as Telegram does.
  if (last && last.from_bot && last.force_reply && !pane.prompted.has(last.message_id)) {
    pane.prompted.add(last.message_id);
    setReply(pane, last);
  }
  if (pane.replyTo && !messages.some((m) => m.message_id === pane.replyTo)) setReply(pane, null);
  if (atBottom || last?.message_id !== previous) log.scrollTop = log.scrollHeight;
}

function fillPeople(pane) {
  const people = state.people.filter((p) => p.kind === pane.kind);
  const keys = people.map((p) => p.key).join(",");
  if (pane.keys === keys) return;
  const chosen = pane.who.value;
  pane.keys = keys;
  pane.who.innerHTML = "";
  for (const p of people) {
    const option = document.createElement("option");
    option.value = p.key;
    option.textContent = p.label ? `${p.name} · ${p.label}` : p.name;
    pane.who.appendChild(option);
  }
  if (people.some((p) => p.key === chosen)) pane.who.value = chosen;
}

function drawNotices() {
  const notices = state.notices;
  const newest = notices.length ? notices[notices.length - 1].seq : 0;
  if (seenNotice === null || newest < seenNotice) { seenNotice = newest; return; }
  for (const n of notices.filter((x) => x.seq > seenNotice)) {
    if (n.alert) {
      const box = document.getElementById("alert");
      box.querySelector(".alert-text").textContent = n.text;
      box.hidden = false;
    } else {
      const pane = Object.values(panes).find((p) => {
        const c = chatOf(p);
        return c && c.id === n.chat_id;
      });
      const toast = document.createElement("div");
      toast.className = "toast";
      toast.textContent = n.text;
      (pane ? pane.root : document.body).appendChild(toast);
      setTimeout(() => toast.remove(), 3500);
    }
  }
  seenNotice = newest;
}

function draw() {
  document.getElementById("office").textContent = state.office;
  const select = document.getElementById("profile");
  if (select.options.length !== state.profiles.length) {
    select.innerHTML = state.profiles.map((p) => `<option value="${p}">${p}</option>`).join("");
  }
  select.value = state.profile;
  const clock = new Date(state.clock);
  const local = state.clock.slice(0, 16).replace("T", " ");
  const clockEl = document.getElementById("clock");
  clockEl.textContent = `🕘 ${local} ${state.office_open ? "· " + t("office") : "· " + t("officeClosed")}`;
  clockEl.dataset.clock = state.clock;
  clockEl.title = clock.toString();
  for (const pane of Object.values(panes)) { fillPeople(pane); drawPane(pane); }
  drawNotices();
}

async function act(pane, action) {
  if (pane.replyTo && (action.kind === "text" || action.kind === "contact" || action.kind === "location")) {
    action.reply_to = pane.replyTo;
  }
  const answer = await post("/api/act", { person: pane.who.value, where: pane.where, action });
  if (answer.ok && action.reply_to) setReply(pane, null);
}

async function upload(pane, file) {
  const form = new FormData();
  form.append("person", pane.who.value);
  form.append("where", pane.where);
  form.append("caption", pane.input.value);
  if (pane.replyTo) form.append("reply_to", String(pane.replyTo));
  form.append("file", file, file.name);
  const answer = await post("/api/upload", form);
  if (answer.ok) { pane.input.value = ""; setReply(pane, null); }
}

function setUpPane(root) {
  const area = root.querySelector(".composer-area");
  area.appendChild(document.getElementById("composer").content.cloneNode(true));
  const pane = {
    root, area, chat: root.querySelector(".chat"), who: root.querySelector(".who"),
    where: root.dataset.where, kind: root.dataset.kind, input: area.querySelector(".text"),
    replyTo: null, drawn: "", keys: "", lastId: 0, prompted: new Set(),
  };
  area.querySelector(".composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = pane.input.value;
    if (!text.trim()) return;
    pane.input.value = "";
    act(pane, { kind: "text", text });
  });
  area.querySelector(".file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) upload(pane, file);
  });
  area.querySelector(".contact").addEventListener("click", () => act(pane, { kind: "contact" }));
  area.querySelector(".location").addEventListener("click", () => act(pane, { kind: "location" }));
  area.querySelector(".cancel-reply").addEventListener("click", () => setReply(pane, null));
  pane.who.addEventListener("change", () => { setReply(pane, null); pane.drawn = ""; draw(); });
  panes[root.dataset.pane] = pane;
}

function connect() {
  const source = new EventSource("/api/events");
  source.onmessage = (event) => {
    state = JSON.parse(event.data);
    document.body.dataset.version = String(state.version);
    draw();
  };
  source.onerror = () => { source.close(); setTimeout(connect, 1000); };
}

document.querySelectorAll(".pane").forEach(setUpPane);
document.querySelectorAll(".step").forEach((b) => b.addEventListener("click", async () => {
  b.disabled = true;
  await post("/api/clock", { step: b.dataset.step });
  b.disabled = false;
}));
document.getElementById("reset").addEventListener("click", async () => {
  const box = document.getElementById("error");
  box.textContent = t("resetting"); box.hidden = false;
  seenNotice = null;
  Object.values(panes).forEach((p) => { p.keys = ""; p.prompted.clear(); setReply(p, null); });
  await post("/api/reset", { profile: document.getElementById("profile").value });
  box.hidden = true;
});
document.getElementById("profile").addEventListener("change", () => document.getElementById("reset").click());
document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "id" ? "en" : "id";
  localStorage.setItem("aduan-lang", lang);
  applyWords();
});
document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => {
  document.querySelectorAll("#tabs button").forEach((x) => x.classList.toggle("active", x === b));
  document.querySelectorAll(".pane").forEach((p) => p.classList.toggle("active", p.dataset.pane === b.dataset.pane));
  const pane = panes[b.dataset.pane];
  pane.chat.scrollTop = pane.chat.scrollHeight;
}));
document.querySelector("#alert .alert-ok").addEventListener("click", () => { document.getElementById("alert").hidden = true; });
applyWords();
connect();
