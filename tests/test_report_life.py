"""The whole life of a report of each type, from the citizen's side and the staff's side."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.telegram import callbacks
from loopback import LoopbackBotApi
from tests.staff_kit import staff_world


@pytest.mark.parametrize("report_type", ["pengaduan", "aspirasi"])
async def test_a_report_is_disposed_answered_rated_and_closed(
    loopback: LoopbackBotApi, tmp_path: Path, report_type: str
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type=report_type, title="Usul jam buka puskesmas")
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, report, "accept")
        assert "Dinas Kesehatan · Budi" in (await w.card(report))["text"], "the liaison holds it"
        await w.act(w.budi, report, "answer", text="Mulai bulan depan puskesmas buka sampai 20.00.")
        answer = loopback.last_bot_message(w.siti.id)
        assert "sampai 20.00" in answer["text"]

        query = loopback.press_button(w.siti, answer, callbacks.build("fb", "rate", report.id, 5))
        await w.settle()
        assert loopback.answered_callback(query) is not None
        closed = await w.report(report)
        assert (closed.stage, closed.rating) == ("closed", 5)
        assert await w.stages(report) == ["submit", "dispose", "accept", "answer", "rate"]
        assert "Selesai" in (await w.card(report))["text"]
