"""The answer letter of a report answered by letter or box: to the card's thread, unless rahasia.

Driven through the loopback Bot API: the report is recorded with /catat, received by letter or
box, disposed, accepted and answered in the group. A `rahasia` report's letter carries its content,
so it never goes to the group (where liaisons of every unit read): staff who may read the report
ask /surat privately (docs/reports.md).
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from sqlalchemy import update

from loopback import LoopbackBotApi
from storage import tables as t
from storage.models import Report
from tests.staff_kit import StaffWorld, staff_world
from tests.test_catat_offline_reporter import recorded_by_phone
from tests.test_rekap import calls_since, command, upload

ANSWER = "Izin usaha sudah terbit hari ini."


def words(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


async def received_by(
    w: StaffWorld, loopback: LoopbackBotApi, channel: str, *, rahasia: bool
) -> Report:
    """Record a report, then make it one received by `channel` (and rahasia or not)."""
    report = await recorded_by_phone(w, loopback)
    async with w.svc.db.write() as conn:
        await conn.execute(
            update(t.reports)
            .where(t.reports.c.id == report.id)
            .values(channel=channel, confidential=rahasia)
        )
    return report


async def answered(w: StaffWorld, report: Report) -> int:
    """Dispose, accept and answer the report in the group; return where the calls began."""
    await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
    await w.act(w.budi, report, "accept")
    start = len(w.loopback.requests)
    await w.act(w.budi, report, "answer", text=ANSWER)
    await w.settle()
    assert (await w.report(report)).stage == "answered"
    return start


async def test_a_rahasia_report_answered_by_letter_keeps_its_letter_out_of_the_group(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await received_by(w, loopback, "surat", rahasia=True)
        start = await answered(w, report)
        group = calls_since(w, start, w.group.id)
        assert [c for c in group if c.method == "sendDocument"] == []
        assert not any(
            ANSWER in str(c.params.get("caption", "")) for c in group
        )  # nothing of the letter in the group
        notices = [str(c.params.get("text", "")) for c in group if c.method == "sendMessage"]
        [notice] = [n for n in notices if "dijawab dengan surat" in n]
        assert f"/surat {report.number}" in notice
        assert "secara pribadi" in notice
        assert "menyusul di bawah" not in notice  # no letter follows in the thread
        kinds = [i.kind for i in await w.svc.repo.outbox_items() if i.report_id == report.id]
        assert "answer_letter" not in kinds

        # Privately, a supervisor (who may read every report) gets it as DOCX and PDF.
        calls = await command(w, w.citra, f"/surat {report.number}", private=True)
        documents = [c for c in calls if c.method == "sendDocument"]
        names = sorted(str(c.files["document"].filename) for c in documents)
        assert names == [f"surat-{report.number}.docx", f"surat-{report.number}.pdf"]
        docx = next(c for c in documents if str(c.files["document"].filename).endswith(".docx"))
        assert ANSWER in words(upload(docx))
        # Still nothing in the group.
        later = calls_since(w, start, w.group.id)
        assert [c for c in later if c.method == "sendDocument"] == []


async def test_a_report_answered_by_box_gets_its_letter_in_the_card_thread_once(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await received_by(w, loopback, "kotak_saran", rahasia=False)
        start = await answered(w, report)
        await w.settle()
        group = calls_since(w, start, w.group.id)
        notices = [str(c.params.get("text", "")) for c in group if c.method == "sendMessage"]
        [notice] = [n for n in notices if "dijawab dengan surat" in n]
        assert "menyusul di bawah" in notice
        [sent] = [c for c in group if c.method == "sendDocument"]
        assert sent.files["document"].filename == f"surat-{report.number}.docx"
        card = await w.svc.repo.linked_message(report.id, "card", w.group.id)
        assert sent.response is not None
        assert sent.response["result"]["reply_to_message"]["message_id"] == card
        letter = words(upload(sent))
        assert ANSWER in letter
        assert "Yosef Nahak" in letter
