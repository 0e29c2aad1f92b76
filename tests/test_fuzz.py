"""The fuzz suite (issue 14): whatever people send, the bot answers politely and stores it right.

Hypothesis writes scripts of what citizens, staff and strangers do, mid-conversation or not:
texts of up to 10,000 characters, HTML-looking text, emoji, right-to-left and zero-width
characters, stickers, voice notes, locations, contacts, photos and documents with odd names,
edited messages, forged and garbage button data, real buttons pressed by the wrong people, and
commands with odd arguments. Each script runs against a fresh bot through the loopback Bot API.

After every step: each button press was answered, each private message got an answer. After the
script: no error was logged, every call Telegram refused was only "message is not modified", no
outbox row failed, and every text stored as a report's title, description or note is exactly
what a citizen typed, and an anonymous reporter never reaches staff by name, username or
id. Derandomized and bounded (max_examples, no per-example deadline, the whole
suite well under a minute); FUZZ_EXAMPLES raises the count and FUZZ_RANDOM=1 draws new
scripts, for a longer local run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from loopback import FakeUser, LoopbackBotApi
from storage import tables as t
from tests.staff_kit import StaffWorld, staff_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
# Shrinking a failing script replays it hundreds of times (a bot each): off unless asked
# (FUZZ_SHRINK=1); the failing script is printed whole either way.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + (
    [Phase.shrink] if os.environ.get("FUZZ_SHRINK") else []
)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The same scripts on every run (CI); FUZZ_RANDOM=1 explores new ones.
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    print_blob=True,
    # No example database in the checkout: a failing script is printed, and replayed by blob.
    database=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters people (and their keyboards, and attackers) produce.
ODD = [
    "<b>tebal</b>",
    "<script>alert(1)</script>",
    "a & b < c > d",
    "&amp; &lt;b&gt;",
    "<a href='x'>tautan</a>",
    "🙂🔥👍🏽👨‍👩‍👧",
    "\u202eكتابة عربية\u202c",
    "עברית",
    "zero\u200bwidth\u200c\u200d\ufeff",
    "\u0000\u0007",
    "   ",
    "\n\n\n",
    "Jl. Timor Raya № 5 — Oesapa",
    "😀" * 300,
]
# Words that move the report conversation along, so that much happens mid-conversation.
STEPS = [
    "/lapor",
    "✅ Saya mengerti dan setuju",
    "Pengaduan",
    "Infrastruktur",
    "Jalan dan jembatan",
    "Jalan berlubang di Oesapa",
    "📅 Hari ini",
    "⏭️ Lewati",
    "✅ Selesai, lanjut",
    "🙈 Ya, anonim",
    "📢 Tidak perlu dirahasiakan",
    "📨 Kirim laporan",
    "/batal",
    "/start",
    "⬅️ Kembali",
]
COMMANDS = ["/status", "/laporan", "/lapor", "/bahasa", "/help", "/hapus_data", "/start"]
STAFF_COMMANDS = ["/antrian", "/cari", "/lihat", "/riwayat", "/log_akses", "/staf", "/unit"]

texts = st.one_of(
    st.text(max_size=60),
    st.sampled_from(ODD),
    st.sampled_from(STEPS),
    # Long ones, up to 10,000 characters, cheap to draw.
    st.builds(
        lambda piece, n: piece * n, st.sampled_from(["ab ", "🙂", "<i>", "ا"]), st.integers(1, 3400)
    ),
)
arguments = st.one_of(
    st.just(""),
    texts,
    st.sampled_from(
        ["LAPOR-2026-000001", "-1", "99999999999999999999", "'; DROP TABLE reports; --"]
    ),
)
citizens = st.sampled_from(["siti", "rudi"])
anyone = st.sampled_from(["siti", "rudi", "ani", "budi", "dedi", "stranger"])
garbage = st.one_of(
    st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64),
    st.sampled_from(
        [
            "rpt:dispose:1:1",
            "rpt:view:999:1",
            "rpt:back:1:0",
            "cz:show:1",
            "cz:add:1",
            "cz:wdok:1",
            "fb:rate:1:5",
            "hps:ok",
            "hps:no",
            "lang:en",
            "rpt::",
            ":",
        ]
    ),
)

step = st.one_of(
    st.tuples(st.just("text"), citizens, texts),
    st.tuples(st.just("command"), citizens, st.sampled_from(COMMANDS), arguments),
    st.tuples(st.just("staff_command"), anyone, st.sampled_from(STAFF_COMMANDS), arguments),
    st.tuples(
        st.just("media"),
        citizens,
        st.sampled_from(["sticker", "voice", "location", "contact", "photo", "document", "video"]),
    ),
    st.tuples(st.just("edit"), citizens, texts),
    st.tuples(st.just("forged"), anyone, garbage, st.sampled_from(["card", "private"])),
    st.tuples(st.just("real"), anyone, st.integers(0, 20), st.sampled_from(["card", "private"])),
    st.tuples(st.just("group"), anyone, texts),
)
scripts = st.lists(step, min_size=8, max_size=22)


# What the examples did, printed with FUZZ_REPORT=1 (the closing note's counts).
TOTALS: dict[str, int] = {}


def _count(key: str, n: int = 1) -> None:
    TOTALS[key] = TOTALS.get(key, 0) + n


class _Errors(logging.Handler):
    """Collect every record at ERROR or above (an unhandled exception in a handler is one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # APScheduler logs a job cancelled by the bot's own shutdown at ERROR: not the bot's.
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return
        self.records.append(record)


@dataclass
class _Run:
    w: StaffWorld
    typed: set[str] = field(default_factory=set)
    last_text: dict[int, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def user(self, name: str) -> FakeUser:
        return getattr(self.w, name)

    def answers_in(self, chat_id: int) -> int:
        sent = ("sendMessage", "copyMessage", "sendDocument", "sendPhoto", "editMessageText")
        return sum(1 for r in self.w.loopback.requests if r.method in sent and r.chat_id == chat_id)

    async def private(self, who: str, send: Any) -> None:
        """Send something privately and check that the bot answered it."""
        user = self.user(who)
        before = self.answers_in(user.id)
        message = send(user)
        await self.w.settle()
        if "text" in message:
            self.last_text[user.id] = message
        if self.answers_in(user.id) == before:
            self.problems.append(f"no answer to {who}'s {describe(message)}")

    async def press(self, who: str, message: dict[str, Any] | None, data: str) -> None:
        """Press (or forge) a button and check that the press was answered."""
        if message is None:
            return
        user = self.user(who)
        query = self.w.loopback.press_button(user, message, data, forge=True)
        await self.w.settle()
        if self.w.loopback.answered_callback(query) is None:
            self.problems.append(f"press {data!r} by {who} was never answered")

    async def target(self, who: str, where: str) -> dict[str, Any] | None:
        if where == "card":
            messages = self.w.loopback.bot_messages(self.w.group.id)
        else:
            messages = self.w.loopback.bot_messages(self.user(who).id)
        with_buttons = [m for m in messages if (m.get("reply_markup") or {}).get("inline_keyboard")]
        return with_buttons[-1] if with_buttons else (messages[-1] if messages else None)


def describe(message: dict[str, Any]) -> str:
    kinds = [
        k
        for k in ("text", "sticker", "voice", "location", "contact", "photo", "document", "video")
        if k in message
    ]
    shown = repr(message.get("text", ""))[:40]
    return f"{kinds[0] if kinds else 'message'} {shown}"


async def _run_step(run: _Run, item: tuple[Any, ...]) -> None:
    w, kind = run.w, item[0]
    _count(f"step:{kind}")
    if kind == "text":
        _, who, body = item
        run.typed.add(body)
        await run.private(who, lambda u: w.loopback.send_text(u, body))
    elif kind == "command":
        _, who, command, arg = item
        body = f"{command} {arg}".rstrip()
        run.typed.add(arg)
        run.typed.add(arg.strip())
        await run.private(who, lambda u: w.loopback.send_text(u, body))
    elif kind == "staff_command":
        _, who, command, arg = item
        body = f"{command} {arg}".rstrip()
        # Staff commands answer in private; a stranger or a citizen gets told they may not.
        await run.private(who, lambda u: w.loopback.send_text(u, body))
    elif kind == "media":
        _, who, media = item
        senders = {
            "sticker": lambda u: w.loopback.send_sticker(u),
            "voice": lambda u: w.loopback.send_voice(u),
            "location": lambda u: w.loopback.send_location(u, -10.1772, 123.607),
            "contact": lambda u: w.loopback.send_contact(u, "+6281234567890"),
            "photo": lambda u: w.loopback.send_photo(u, caption="<b>foto</b> 🙂"),
            "document": lambda u: w.loopback.send_document(
                u, b"%PDF-1.4\n%%EOF\n", file_name="<KTP>\u202e.pdf", mime_type="application/pdf"
            ),
            "video": lambda u: w.loopback.send_video(u),
        }
        await run.private(who, senders[media])
    elif kind == "edit":
        _, who, body = item
        user = run.user(who)
        last = run.last_text.get(user.id)
        if last is not None:
            run.typed.add(body)
            w.loopback.edit_text(user, last, body)
            await w.settle()
    elif kind == "forged":
        _, who, data, where = item
        await run.press(who, await run.target(who, where), data)
    elif kind == "real":
        _, who, index, where = item
        message = await run.target(who if where == "private" else "siti", where)
        rows = ((message or {}).get("reply_markup") or {}).get("inline_keyboard", [])
        offered = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
        if offered:
            await run.press(who, message, offered[index % len(offered)])
    elif kind == "group":
        _, who, body = item
        w.loopback.send_text(run.user(who), body, chat=w.group)
        await w.settle()


async def _stored_texts(w: StaffWorld) -> list[str]:
    async with w.svc.db.read() as conn:
        reports = (await conn.execute(select(t.reports.c.title, t.reports.c.description))).all()
        notes = (
            await conn.execute(
                select(t.report_events.c.note).where(
                    t.report_events.c.actor_kind == "reporter", t.report_events.c.note.is_not(None)
                )
            )
        ).all()
        if w.svc.db.is_sqlite:  # SQLite's own check of its file
            assert (await conn.execute(text("PRAGMA integrity_check"))).scalar() == "ok"
    return [v for row in reports for v in row] + [n for (n,) in notes]


async def _play(script: list[tuple[Any, ...]]) -> None:
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        with tempfile.TemporaryDirectory(prefix="aduan-fuzz-") as folder:
            async with LoopbackBotApi() as loopback, staff_world(loopback, Path(folder)) as w:
                w.people["stranger"] = loopback.add_user("Orang", username="asing")
                report = await w.file(w.siti)
                # Rudi reports anonymously: whatever happens, staff never learn who he is.
                await w.file(w.rudi, anonymous=True, name=None, phone=None)
                run = _Run(w)
                for item in script:
                    await _run_step(run, item)
                await w.settle()
                refused = [
                    f"{r.method}: {(r.response or {}).get('description')}"
                    for r in loopback.requests
                    if r.done and not r.ok and r.method != "getUpdates"
                ]
                refused = [r for r in refused if "message is not modified" not in r]
                failed = [row.last_error for row in await w.svc.repo.outbox_items(status="failed")]
                stored = await _stored_texts(w)
                fixed = {report.title, report.description}
                wrong = [
                    s
                    for s in stored
                    if s not in fixed
                    and s not in run.typed
                    and s.strip() not in {x.strip() for x in run.typed}
                ]
                staff_chats = [
                    w.group.id,
                    *(getattr(w, n).id for n in ("ani", "budi", "citra", "dedi")),
                ]
                seen_by_staff = [
                    str(r.params.get("text") or r.params.get("caption") or "")
                    for r in loopback.requests
                    if r.chat_id in staff_chats and r.method != "getUpdates"
                ]
                marks = ("Rudi", "rudi_r", str(w.rudi.id))
                leaks = [x for x in seen_by_staff if any(m in x for m in marks)]
                _count("scripts")
                _count("presses answered", len(loopback.calls("answerCallbackQuery")))
                _count("bot calls", len([r for r in loopback.requests if r.method != "getUpdates"]))
                if os.environ.get("FUZZ_REPORT"):
                    print("fuzz totals:", dict(sorted(TOTALS.items())))
                assert run.problems == [], run.problems
                assert leaks == [], f"the anonymous reporter shown to staff: {leaks}"
                assert refused == [], refused
                assert failed == [], failed
                assert wrong == [], f"stored texts nobody typed: {wrong}"
        messages = [f"{r.name}: {r.getMessage()}" for r in errors.records]
        assert messages == [], messages
    finally:
        logging.getLogger().removeHandler(errors)


@FUZZ
@given(script=scripts)
async def test_whatever_people_send_the_bot_answers_politely_and_stores_it_right(
    script: list[tuple[Any, ...]],
) -> None:
    await _play(script)
