"""The daily recap: once per working morning, with the day's figures per unit."""

from __future__ import annotations

from pathlib import Path

from bot.domain.vocabulary import Action
from bot.services.container import Services
from bot.services.sla.recap import post_recap
from bot.services.transition import Done, perform
from storage.vocabulary import ReportType
from tests.test_sla_sweep import (
    MONDAY,
    STAFF_GROUP,
    Clock,
    clock,
    file_report,
    operator,
    start_services,
    svc,
    wib,
)

__all__ = ["clock", "svc"]  # the fixtures, shared with test_sla_sweep


async def recaps(svc: Services) -> list[str]:
    return [
        m.payload["text"]
        for m in await svc.repo.outbox_items()
        if m.chat_id == STAFF_GROUP and "Rekap harian" in m.payload.get("text", "")
    ]


async def test_the_recap_posts_once_per_working_day_also_across_a_restart(
    tmp_path: Path, clock: Clock
) -> None:
    first = await start_services(tmp_path, clock)
    assert not await post_recap(first, wib(4, 7, 59)), "before opening"
    assert await post_recap(first, wib(4, 8))
    assert not await post_recap(first, wib(4, 8, 1))
    await first.db.dispose()

    again = await start_services(tmp_path, clock)  # restarted during the morning
    assert not await post_recap(again, wib(4, 9))
    assert await post_recap(again, wib(5, 8)), "the next working day"
    assert not await post_recap(again, wib(9, 8)), "Saturday"
    assert not await post_recap(again, wib(14, 8)), "Ascension Day"
    assert not await post_recap(again, wib(11, 17)), "a bot started after closing waits"
    assert len(await recaps(again)) == 2
    await again.db.dispose()


async def test_the_recap_counts_new_answered_overdue_and_due_today_per_unit(
    svc: Services,
) -> None:
    dinkes, _ = await svc.repo.list_units()
    await svc.repo.add_staff(9001, "Operator", "operator")
    # Filed Monday 4 May: triage due Thursday 7 May 16:00.
    late = [await file_report(svc, MONDAY) for _ in range(2)]
    for report_id in late:
        done = await perform(
            svc, report_id, Action.DISPOSE, operator(1), values={"unit_id": dinkes.id}
        )
        assert isinstance(done, Done)  # disposed Monday: due Monday 11 May 16:00
    today = await file_report(svc, wib(6, 10))  # due Monday 11 May 16:00 as well
    # Answered directly: an information request (a complaint is never answered that way).
    answered = await file_report(svc, wib(8, 9), type=ReportType.INFORMASI)
    await perform(
        svc,
        answered,
        Action.ANSWER_INFO,
        operator(1),
        values={"answer": "Sudah kami jawab.", "answered_at": wib(8, 10)},
    )
    await file_report(svc, wib(9, 11))  # Saturday: new since Friday's opening
    assert today

    assert await post_recap(svc, wib(11, 8))
    [text] = await recaps(svc)
    assert "Laporan baru: <b>2</b>" in text  # Friday and Saturday
    assert "Dijawab: <b>1</b>" in text
    assert "Jatuh tempo hari ini: <b>3</b>" in text
    assert "Dinas Kesehatan: 2" in text
    assert "Belum didisposisikan: 1" in text
    assert "Lewat batas waktu: <b>0</b>" in text
    assert "Belum didisposisikan: 1/1 (100%)" in text

    assert await post_recap(svc, wib(12, 8))
    text = (await recaps(svc))[-1]
    assert "Lewat batas waktu: <b>3</b>" in text
