"""Personal data (issue 14): encrypted at rest, erased on request, purged by retention, logged."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Text, literal, select, type_coerce, update

from bot.__main__ import main
from bot.services import privacy
from loopback import LoopbackBotApi
from storage import crypto
from storage import tables as t
from storage.database import Database
from storage.repository import Repository
from tests.citizen import Citizen
from tests.citizen_after import bot_texts, last_with, press, say
from tests.harness import database_url, eventually
from tests.staff_kit import StaffWorld, staff_world
from tests.test_report_conversation import walk_content

NAME = "Maria Kolo Seran"
PHONE_TYPED = "0812 3456 7890"
PHONE = "+6281234567890"
ADDRESS = "Gang Kenari No. 17, Kelapa Lima"


def _database_bytes(path: Path) -> bytes:
    """Return the bytes of the database file and of its write-ahead log, if one is left."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


async def _raw_reporter(w: StaffWorld, telegram_id: int) -> dict[str, str | None]:
    """Return the reporter's personal columns as stored, without decrypting them."""
    columns = [type_coerce(t.reporters.c[c], Text).label(c) for c in privacy_columns()]
    async with w.svc.db.read() as conn:
        row = (
            await conn.execute(
                select(*columns).where(t.reporters.c.telegram_user_id == telegram_id)
            )
        ).one()
    return dict(row._mapping)


def privacy_columns() -> tuple[str, ...]:
    return ("name", "phone", "address", "email", "id_photo_file_id")


@pytest.mark.sqlite_only("the file's bytes; test_postgres.py reads every row as text")
async def test_the_database_file_holds_no_reporters_name_phone_or_address(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        maria = Citizen(loopback, loopback.add_user("Maria"))
        await walk_content(maria)
        await maria.says("👤 Tidak, tampilkan identitas saya")
        await maria.says("📢 Tidak perlu dirahasiakan")
        await maria.sends_photo(caption="lubang")
        await maria.says("✅ Selesai, lanjut")
        await maria.says("✅ Setuju")
        await maria.says(NAME)
        await maria.says(PHONE_TYPED)
        assert "surel" in await maria.says(ADDRESS)
        await maria.says("⏭️ Lewati")
        await maria.says("⏭️ Lewati")
        await maria.says("📨 Kirim laporan")
        await w.settle()
        # The staff see the identity (the card, and the private details), as before.
        reporter = await w.svc.repo.reporter_by_telegram(maria.user.id)
        assert reporter is not None
        assert (reporter.name, reporter.phone, reporter.address) == (NAME, PHONE, ADDRESS)
        card_text = bot_texts(w, w.group.id)
        assert any(NAME in text and PHONE in text for text in card_text)
        stored = await _raw_reporter(w, maria.user.id)
        assert all(crypto.is_token(stored[c] or "") for c in ("name", "phone", "address"))
        path = w.svc.db.sqlite_file
        assert path is not None
    # The bot stopped: the last connection folded the write-ahead log into the file.
    data = _database_bytes(path)
    for needle in (NAME, "Kolo Seran", PHONE, PHONE.removeprefix("+62"), PHONE_TYPED, "Kenari"):
        assert needle.encode() not in data, f"{needle!r} is in the database file in clear"


async def test_erasing_my_data_keeps_the_report_anonymous_and_tells_staff(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, name="Siti Aminah", phone="081234567890")
        assert "Siti Aminah" in (await w.card(report))["text"]
        await say(w, w.siti, "/hapus_data")
        question = bot_texts(w, w.siti.id)[-1]
        assert "Hapus data pribadi Anda?" in question
        assert "nama, nomor HP" in question
        assert "1 laporan Anda, tanpa identitas" in question
        answer = await press(w, w.siti, "hps:ok")
        assert answer.get("text") is None
        assert "Data pribadi Anda sudah dihapus" in bot_texts(w, w.siti.id)[-1]
        await w.settle()
        reporter = await w.svc.repo.reporter_by_telegram(w.siti.id)
        assert reporter is not None
        assert (reporter.name, reporter.phone, reporter.address, reporter.email) == (None,) * 4
        assert reporter.erased_at is not None
        kept = await w.report(report)
        assert kept.anonymous is True
        assert (kept.title, kept.stage) == (report.title, report.stage)
        card = (await w.card(report))["text"]
        assert "Siti Aminah" not in card
        assert "Anonim" in card
        group = bot_texts(w, w.group.id)
        assert any("meminta data pribadinya dihapus" in text for text in group)
        events = await w.svc.repo.events(report.id)
        assert events[-1].data == {"privacy": "erased"}
        # Nothing left to erase: a second request says so, and a stale "yes" changes nothing.
        await say(w, w.siti, "/hapus_data")
        assert "Tidak ada yang perlu dihapus" in bot_texts(w, w.siti.id)[-1]


async def test_declining_the_erasure_keeps_everything(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.rudi, name="Rudi Hartono", phone="081299998888")
        await say(w, w.rudi, "/hapus_data")
        await press(w, w.rudi, "hps:no")
        assert "tidak dihapus" in bot_texts(w, w.rudi.id)[-1]
        reporter = await w.svc.repo.reporter_by_telegram(w.rudi.id)
        assert reporter is not None
        assert reporter.name == "Rudi Hartono"
        assert (await w.report(report)).anonymous is False


async def test_retention_purges_identities_of_reports_ended_long_ago_and_keeps_the_figures(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, retention_days=30) as w:
        old = await w.file(w.siti, name="Siti Aminah", phone="081234567890")
        recent = await w.file(w.rudi, name="Rudi Hartono", phone="081299998888")
        now = datetime.now(UTC)
        async with w.svc.db.write() as conn:
            for report, ended in (
                (old, now - timedelta(days=45)),
                (recent, now - timedelta(days=5)),
            ):
                await conn.execute(
                    update(t.reports)
                    .where(t.reports.c.id == report.id)
                    .values(stage="closed", closed_at=ended, rating=4)
                )
        # The job runs at start (and every RETENTION_INTERVAL_SECONDS).
        await w.runner.restart()

        async def purged() -> bool:
            found = await w.runner.services.repo.reporter_by_telegram(w.siti.id)
            return found is not None and found.name is None

        await eventually(purged)
        svc = w.runner.services
        rudi = await svc.repo.reporter_by_telegram(w.rudi.id)
        assert rudi is not None
        assert rudi.name == "Rudi Hartono", "a report ended 5 days ago keeps its identity"
        kept = await svc.repo.report(old.id)
        assert kept is not None
        assert (kept.stage, kept.rating, kept.title, kept.category) == (
            "closed",
            4,
            old.title,
            old.category,
        )
        # A second sweep finds nothing more to do.
        assert await privacy.sweep_retention(svc) == 0


async def test_an_open_report_keeps_its_reporters_identity_past_the_period(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, retention_days=30) as w:
        ended = await w.file(w.siti, name="Siti Aminah", phone="081234567890")
        await w.file(w.siti, name="Siti Aminah", phone="081234567890")  # still open
        async with w.svc.db.write() as conn:
            await conn.execute(
                update(t.reports)
                .where(t.reports.c.id == ended.id)
                .values(stage="closed", closed_at=datetime.now(UTC) - timedelta(days=90))
            )
        assert await privacy.sweep_retention(w.svc) == 1
        siti = await w.svc.repo.reporter_by_telegram(w.siti.id)
        assert siti is not None
        assert siti.name == "Siti Aminah"


async def test_every_staff_view_of_an_identity_is_logged_for_supervisors(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        named = await w.file(w.siti, name="Siti Aminah", phone="081234567890")
        hidden = await w.file(w.rudi, anonymous=True, name=None, phone=None)
        await w.press(w.ani, named, "view")
        await w.press(w.ani, hidden, "view")
        views = await w.svc.repo.identity_views()
        assert [(v.report_number, v.what, v.staff_name) for v in views] == [
            (named.number, "detail", "Ani"),
            (named.number, "card", None),
        ], "an anonymous report shows no identity, so nothing is logged for it"
        await say(w, w.citra, "/log_akses")
        log = bot_texts(w, w.citra.id)[-1]
        assert "Log akses identitas pelapor" in log
        assert f"{named.number} · detail pribadi untuk Ani" in log
        assert hidden.number not in log
        await say(w, w.citra, f"/log_akses {named.number}")
        assert named.number in bot_texts(w, w.citra.id)[-1]
        await say(w, w.citra, "/log_akses TIDAK-ADA")
        assert "tidak ditemukan" in bot_texts(w, w.citra.id)[-1]
        # Ani's chat holds copies of evidence too (copyMessage): wait for the bot, not a count.
        w.loopback.send_text(w.ani, "/log_akses")
        await w.settle()
        assert bot_texts(w, w.ani.id)[-1] == "Peran Anda tidak dapat melakukan langkah ini."


def test_keys_rotate_re_encrypts_with_the_new_key_and_encrypts_plain_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old_key, new_key = crypto.new_key(), crypto.new_key()
    url = database_url(tmp_path)

    async def seed() -> None:
        db = Database(url, [old_key])
        await db.upgrade()
        repo = Repository(db)
        first = await repo.ensure_reporter(111)
        second = await repo.ensure_reporter(222)
        async with db.write() as conn:
            await conn.execute(
                update(t.reporters).where(t.reporters.c.id == first.id).values(name="Siti Aminah")
            )
            # A value stored before encryption existed (migration 0005 keeps it as it was).
            await conn.execute(
                update(t.reporters)
                .where(t.reporters.c.id == second.id)
                .values(phone=literal("081234567890", Text))
            )
        assert await repo.plain_personal_values() == 1
        await db.dispose()

    asyncio.run(seed())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_KEYS", f"{new_key},{old_key}")
    assert main(["keys", "rotate"]) == 0
    assert "re-encrypted the personal data of 2 reporter(s)" in capsys.readouterr().out

    async def stored() -> list[str]:
        db = Database(url, [new_key])
        raw = [type_coerce(t.reporters.c[c], Text) for c in ("name", "phone")]
        async with db.read() as conn:
            rows = (await conn.execute(select(*raw).order_by(t.reporters.c.id))).all()
        await db.dispose()
        return [v for row in rows for v in row if v is not None]

    tokens = asyncio.run(stored())
    fresh = Fernet(new_key.encode())
    assert sorted(fresh.decrypt(v.encode()).decode() for v in tokens) == [
        "081234567890",
        "Siti Aminah",
    ]
    with pytest.raises(InvalidToken):
        Fernet(old_key.encode()).decrypt(tokens[0].encode())


def test_keys_new_prints_a_key_that_fernet_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "new"]) == 0
    Fernet(capsys.readouterr().out.strip().encode())


async def test_a_malformed_data_key_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(crypto.DataKeyError, match="not a Fernet key"):
        Database(f"sqlite+aiosqlite:///{tmp_path}/aduan.db", ["not-a-key"])


async def test_the_erasure_buttons_of_an_old_question_are_answered(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await w.file(w.siti, name="Siti Aminah", phone="081234567890")
        await say(w, w.siti, "/hapus_data")
        message = last_with(w, w.siti.id, "hps:ok")
        await press(w, w.siti, "hps:ok", message=message)
        # A second tap on the same (old) button: polite, nothing erased twice.
        await press(w, w.siti, "hps:ok", message=message, forge=True)
        assert "Tidak ada yang perlu dihapus" in bot_texts(w, w.siti.id)[-1] or (
            "sudah dihapus" in bot_texts(w, w.siti.id)[-1]
        )
        notices = [x for x in bot_texts(w, w.group.id) if "meminta data pribadinya" in x]
        assert len(notices) == 1
        answer = await press(w, w.siti, "hps:zz", message=message, forge=True)
        assert answer["show_alert"] is True


async def test_an_erasure_press_forged_on_a_staff_card_changes_nothing(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, name="Siti Aminah", phone="081234567890")
        card = await w.card(report)
        for data in ("hps:ok", "hps:no"):
            query = w.loopback.press_button(w.siti, card, data, chat=w.group, forge=True)
            await w.settle()
            answer = w.loopback.answered_callback(query)
            assert answer is not None
            assert answer.params["show_alert"] is True
        assert (await w.card(report))["text"] == card["text"]
        siti = await w.svc.repo.reporter_by_telegram(w.siti.id)
        assert siti is not None
        assert siti.name == "Siti Aminah"


def test_a_bad_data_key_stops_the_command_line_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/aduan.db")
    monkeypatch.setenv("DATA_KEYS", "not-a-key")
    assert main(["staff", "list"]) == 2
    assert "DATA_KEYS entry is not a Fernet key" in capsys.readouterr().err
