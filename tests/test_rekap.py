"""/rekap, /ekspor and /surat through the loopback Bot API, as supervisors and staff use them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from openpyxl import load_workbook
from PIL import Image

from bot.domain.vocabulary import Action
from bot.services.transition import Done, perform
from loopback import LoopbackBotApi
from loopback.models import FakeUser, RecordedRequest
from tests.staff_kit import StaffWorld, staff_world
from tests.test_sla_sweep import operator

SECRET = "Kepala seksi meminta uang pelicin untuk izin usaha"


def calls_since(w: StaffWorld, start: int, chat_id: int) -> list[RecordedRequest]:
    return [r for r in w.loopback.requests[start:] if r.chat_id == chat_id and r.ok]


async def command(
    w: StaffWorld, user: FakeUser, text: str, *, private: bool = False
) -> list[RecordedRequest]:
    """Send a command in the group (or privately) and return the bot's calls to that chat."""
    start = len(w.loopback.requests)
    w.loopback.send_text(user, text, chat=None if private else w.group)
    await w.settle()
    return calls_since(w, start, user.id if private else w.group.id)


def texts(calls: list[RecordedRequest]) -> list[str]:
    return [str(c.params.get("text", "")) for c in calls if c.method == "sendMessage"]


def upload(call: RecordedRequest) -> bytes:
    [part] = call.files.values()
    return part.content


def words_of(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


async def test_rekap_bulan_in_the_group_returns_summary_chart_and_workbook(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await w.file(w.siti, title="Jalan berlubang di Oebobo")
        await w.file(w.rudi, name="Rudi Hartono", phone="081355577799", anonymous=True)
        await w.file(w.siti, confidential=True, title="Pungutan liar", description=SECRET)

        calls = await command(w, w.citra, "/rekap bulan")
        methods = [c.method for c in calls]
        assert "sendChatAction" in methods
        action = next(c for c in calls if c.method == "sendChatAction")
        assert action.params["action"] == "upload_document"
        [summary] = texts(calls)
        assert "Laporan hasil monitoring dan evaluasi" in summary
        assert "Diterima: <b>3</b>" in summary

        [photo] = [c for c in calls if c.method == "sendPhoto"]
        image = Image.open(io.BytesIO(upload(photo)))
        assert image.format == "PNG"
        assert image.size == (1080, 1620)

        [document] = [c for c in calls if c.method == "sendDocument"]
        content = upload(document)
        book = load_workbook(io.BytesIO(content))
        assert book.sheetnames[0] == "Ringkasan"
        units = list(book["Per unit"].iter_rows(values_only=True))
        assert units[1][:2] == ("(belum ada unit)", 3)
        text = words_of(content)
        for identity in ("Rudi Hartono", "081355577799", str(w.rudi.id), "rudi_r"):
            assert identity not in text


async def test_only_supervisors_get_recaps_and_bad_periods_get_an_example(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        [refused] = texts(await command(w, w.ani, "/rekap bulan"))
        assert "hanya untuk pimpinan" in refused
        [refused] = texts(await command(w, w.budi, "/ekspor bulan"))
        assert "hanya untuk pimpinan" in refused
        [stranger] = texts(await command(w, w.siti, "/rekap", private=True))
        assert "tidak terdaftar" in stranger

        for typed, problem in (
            ("/rekap kemarin sore ini", "tidak terbaca"),
            ("/rekap 2099-01", "belum dimulai"),
            ("/ekspor 2026-11-30 2026-11-01", "sebelum tanggal awal"),
            ("/ekspor 2026-13", "tidak terbaca"),
        ):
            [answer] = texts(await command(w, w.citra, typed))
            assert problem in answer, typed
            assert "2026-11" in answer, "an example of a period that works"


async def test_ekspor_withholds_confidential_content_in_the_group_but_not_privately(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        secret = await w.file(w.siti, confidential=True, title="Pungutan liar", description=SECRET)
        await w.file(w.rudi, name="Rudi Hartono", phone="081355577799", anonymous=True)

        [group_doc] = [
            c for c in await command(w, w.citra, "/ekspor") if c.method == "sendDocument"
        ]
        assert "2 laporan" in str(group_doc.params.get("caption"))
        shared = words_of(upload(group_doc))
        assert secret.number in shared
        assert SECRET not in shared

        calls = await command(w, w.citra, "/ekspor bulan", private=True)
        [private_doc] = [c for c in calls if c.method == "sendDocument"]
        private = words_of(upload(private_doc))
        assert SECRET in private
        for identity in ("Rudi Hartono", "081355577799", str(w.rudi.id)):
            assert identity not in private


async def test_surat_sends_the_answer_letter_as_docx_and_pdf_to_staff_who_may_read_it(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi", title="Jadwal vaksin")
        ani = await w.svc.repo.staff_by_telegram(w.ani.id)
        assert ani is not None
        done = await perform(
            w.svc,
            report.id,
            Action.ANSWER_INFO,
            operator(ani.id),
            values={"answer": "Vaksinasi setiap Senin pukul 08.00.", "answered_at": w.svc.clock()},
        )
        assert isinstance(done, Done)
        anonymous = await w.file(w.rudi, name="Rudi Hartono", anonymous=True)
        await w.settle()

        calls = await command(w, w.citra, f"/surat {report.number}", private=True)
        documents = [c for c in calls if c.method == "sendDocument"]
        names = sorted(next(iter(c.files.values())).filename or "" for c in documents)
        assert names == [f"surat-{report.number}.docx", f"surat-{report.number}.pdf"]
        docx = next(
            c
            for c in documents
            if str(c.files and next(iter(c.files.values())).filename).endswith(".docx")
        )
        letter = "\n".join(p.text for p in Document(io.BytesIO(upload(docx))).paragraphs)
        assert "Vaksinasi setiap Senin pukul 08.00." in letter
        assert report.number in letter
        seq = report.number.rsplit("-", 1)[-1]
        assert f"{seq}/LAPOR/" in letter, "the letter's number in the profile's format"
        assert "Kepala Kantor" in letter, "the signatory the profile gives"
        assert "Siti Aminah" in letter, "addressed to the reporter"
        pdf = next(c for c in documents if c is not docx)
        assert upload(pdf).startswith(b"%PDF")

        calls = await command(w, w.citra, f"/surat {anonymous.number}", private=True)
        docx = next(c for c in calls if c.method == "sendDocument")
        letter = "\n".join(p.text for p in Document(io.BytesIO(upload(docx))).paragraphs)
        assert "Rudi" not in letter
        assert "identitas dirahasiakan" in letter

        [usage] = texts(await command(w, w.citra, "/surat LAPOR-2026-999999", private=True))
        assert "tidak ditemukan" in usage


async def test_an_answer_by_letter_points_staff_to_its_letter_and_the_letter_carries_it(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from storage import tables as t
    from tests.test_catat_offline_reporter import recorded_by_phone, thread

    async with staff_world(loopback, tmp_path) as w:
        report = await recorded_by_phone(w, loopback)
        async with w.svc.db.write() as conn:  # the same report, received as a letter
            await conn.execute(
                update(t.reports).where(t.reports.c.id == report.id).values(channel="surat")
            )
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, report, "accept")
        start = len(w.loopback.requests)
        await w.act(w.budi, report, "answer", text="Izin usaha sudah terbit hari ini.")
        assert (await w.report(report)).stage == "answered"
        assert f"/surat {report.number}" in thread(loopback, w)
        # The letter itself comes to the card's thread, ready to print, sign and post.
        [sent] = [c for c in calls_since(w, start, w.group.id) if c.method == "sendDocument"]
        assert sent.files["document"].filename == f"surat-{report.number}.docx"
        card = await w.svc.repo.linked_message(report.id, "card", w.group.id)
        assert sent.response is not None
        assert sent.response["result"]["reply_to_message"]["message_id"] == card
        posted = "\n".join(p.text for p in Document(io.BytesIO(upload(sent))).paragraphs)
        assert "Izin usaha sudah terbit hari ini." in posted
        assert "Yosef Nahak" in posted

        calls = await command(w, w.ani, f"/surat {report.number}", private=True)
        docx = next(c for c in calls if c.method == "sendDocument")
        letter = "\n".join(p.text for p in Document(io.BytesIO(upload(docx))).paragraphs)
        assert "Izin usaha sudah terbit hari ini." in letter
        assert "Yosef Nahak" in letter
