"""Defects of issue 14 with bad input: each press answered, double presses, long queues, files."""

from __future__ import annotations

import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.vocabulary import Action
from loopback import LoopbackBotApi
from storage.database import Database
from tests.citizen_after import bot_texts, last_with, press, say, staff_do
from tests.factories import filed_report
from tests.staff_kit import staff_world

UNKNOWN_ID = "Tombol ini tidak dikenali atau sudah tidak berlaku."

# Presses this bot never built: garbage, other bots' formats, our prefixes with bad arguments.
GARBAGE = [
    "x",
    "hello world",
    "::",
    "rpt",
    "rpt:",
    "rpt:dispose",
    "rpt:dispose:abc:1",
    "rpt:nosuchaction:1:1",
    "cz:show:notanumber",
    "cz:nosuch:1",
    "fb:rate:1:99",
    "lang:xx",
    "zz:zz:zz",
    "🙂:🙂",
    "a" * 64,
    "<b>bold</b>",
]


def _failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_every_forged_or_garbage_press_gets_a_polite_alert(
    loopback: LoopbackBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        card = await w.card(report)
        await say(w, w.rudi, "/start")
        menu = w.loopback.bot_messages(w.rudi.id)[-1]
        unanswered = []
        for data in GARBAGE:
            # On the staff card: by a staff member and by a stranger in the group.
            for user in (w.ani, w.rudi):
                query = w.loopback.press_button(user, card, data, forge=True)
                await w.settle()
                record = w.loopback.answered_callback(query)
                if record is None or not record.params.get("text"):
                    unanswered.append((data, user.first_name, "group"))
            # In a citizen's private chat, on the bot's last message.
            query = w.loopback.press_button(w.rudi, menu, data, forge=True)
            await w.settle()
            record = w.loopback.answered_callback(query)
            if record is None or not record.params.get("text"):
                unanswered.append((data, "Rudi", "private"))
        assert unanswered == []
        assert _failures(caplog) == []
        assert (await w.report(report)).stage == "submitted", "no garbage press changed anything"


async def test_an_unknown_press_is_answered_with_the_catch_all_alert(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await say(w, w.rudi, "/start")
        menu = w.loopback.bot_messages(w.rudi.id)[-1]
        answer = await press(w, w.rudi, "zz:zz:zz", message=menu, forge=True)
        assert answer["text"].startswith(UNKNOWN_ID)
        assert answer["show_alert"] is True


async def test_pressing_a_picker_twice_is_not_an_error(
    loopback: LoopbackBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        first = await w.press(w.ani, report, "dispose")
        # The second tap carries the same data; the card already shows the picker.
        second = await w.press(w.ani, report, "dispose", forge=True)
        assert first is not None
        assert second is not None
        assert first.get("text") == second.get("text")
        # Back, twice: the second finds the card's own buttons already there.
        await w.press(w.ani, report, "back")
        await w.press(w.ani, report, "back", forge=True)
        assert _failures(caplog) == []
        assert (await w.report(report)).stage == "submitted"


async def test_opening_the_same_report_twice_from_the_list_is_not_an_error(
    loopback: LoopbackBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await say(w, w.siti, "/laporan")
        listing = last_with(w, w.siti.id, f"cz:show:{report.id}")
        await press(w, w.siti, f"cz:show:{report.id}", message=listing)
        # The list message now shows the report; a second tap on the old button shows it again.
        await press(w, w.siti, f"cz:show:{report.id}", message=listing, forge=True)
        await press(w, w.siti, "cz:list:0")
        await press(w, w.siti, "cz:list:0", message=listing, forge=True)
        assert _failures(caplog) == []
        texts = bot_texts(w, w.siti.id)
        assert "Maaf" not in texts[-1]


async def test_a_long_queue_comes_in_pages_that_fit_one_message(
    loopback: LoopbackBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        start = datetime.now(UTC) - timedelta(hours=1)
        for n in range(35):
            await filed_report(
                w.svc,
                9000 + n,
                start + timedelta(seconds=n),
                title=f"Laporan {n:02d} " + "jalan rusak parah " * 10,
            )
        await say(w, w.ani, "/antrian")
        first = w.loopback.bot_messages(w.ani.id)[-1]["text"]
        assert "Halaman 1 dari 4 (35 laporan)" in first
        assert "/antrian 2" in first
        await say(w, w.ani, "/antrian 4")
        last = w.loopback.bot_messages(w.ani.id)[-1]["text"]
        assert "Halaman 4 dari 4" in last
        assert "/antrian 5" not in last
        await say(w, w.ani, "/antrian sembarang")
        assert "Halaman 1 dari 4" in w.loopback.bot_messages(w.ani.id)[-1]["text"]
        sent = w.loopback.calls("sendMessage", chat_id=w.ani.id)
        assert all(r.ok for r in sent), [r.response for r in sent if not r.ok]
        assert all(len(r.params["text"]) <= 4096 for r in sent)
        assert _failures(caplog) == []


async def test_adding_files_to_an_anonymous_report_warns_about_document_metadata(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        anonymous = await w.file(w.siti, anonymous=True, name=None, phone=None, evidence=0)
        named = await w.file(w.rudi, evidence=0)
        await say(w, w.siti, f"/status {anonymous.number}")
        await press(w, w.siti, f"cz:add:{anonymous.id}")
        assert "dapat memuat nama penulis" in bot_texts(w, w.siti.id)[-1]
        await say(w, w.rudi, f"/status {named.number}")
        await press(w, w.rudi, f"cz:add:{named.id}")
        assert "nama penulis" not in bot_texts(w, w.rudi.id)[-1]


@pytest.mark.sqlite_only("file modes of the SQLite file")
async def test_the_database_file_and_its_folder_are_private_to_the_bot(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path / "fresh") as w:
        await w.file(w.siti)
        path = w.svc.db.sqlite_file
        assert path is not None
        modes = {
            p.name: stat.S_IMODE(os.stat(p).st_mode)
            for p in path.parent.iterdir()
            if p.name.startswith(path.name)
        }
        assert modes, "the database file exists"
        assert all(mode == 0o600 for mode in modes.values()), {k: oct(v) for k, v in modes.items()}


@pytest.mark.sqlite_only("file modes of the SQLite file")
async def test_a_new_database_is_created_0600_in_a_new_0700_folder(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/data/aduan.db")
    await database.upgrade()
    await database.dispose()
    folder = tmp_path / "data"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "aduan.db").st_mode) == 0o600
    # Without DATA_KEYS the key is kept beside the file, as private as the file.
    assert stat.S_IMODE(os.stat(folder / "aduan.db.key").st_mode) == 0o600


@pytest.mark.sqlite_only("file modes of the SQLite file")
async def test_an_older_world_readable_database_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "aduan.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Database(f"sqlite+aiosqlite:///{path}")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


async def test_a_citizens_button_forged_on_a_staff_card_leaves_the_card_alone(
    loopback: LoopbackBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        own = await w.file(w.rudi, title="Lampu jalan mati")
        card = await w.card(report)
        for data in (f"cz:show:{own.id}", "cz:list:0", f"fb:rate:{own.id}:5", "lang:en"):
            query = w.loopback.press_button(w.rudi, card, data, chat=w.group, forge=True)
            await w.settle()
            answer = w.loopback.answered_callback(query)
            assert answer is not None
            assert answer.params["text"].startswith(UNKNOWN_ID)
        assert (await w.card(report))["text"] == card["text"]
        assert (await w.report(own)).rating is None
        assert _failures(caplog) == []


async def test_a_question_from_staff_warns_an_anonymous_reporter_about_documents(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        anonymous = await w.file(w.siti, anonymous=True, name=None, phone=None, evidence=0)
        named = await w.file(w.rudi, evidence=0)
        for report in (anonymous, named):
            await staff_do(w, report, Action.ASK_INFO, note="Kirim foto lokasinya.")
        assert "nama penulis" in bot_texts(w, w.siti.id)[-1]
        assert "Kirim foto lokasinya." in bot_texts(w, w.rudi.id)[-1]
        assert "nama penulis" not in bot_texts(w, w.rudi.id)[-1]
