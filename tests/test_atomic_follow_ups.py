"""A transition and the messages and files it causes are written in one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.vocabulary import Action
from bot.domain.workflow import REPORTER
from bot.services.transition import Done, perform
from loopback import LoopbackBotApi
from storage.models import NewAttachment, NewEvent, OutboxMessage, Report
from tests.citizen_after import bot_texts
from tests.staff_kit import staff_world


async def test_the_reporters_answer_its_files_and_the_staff_notice_go_with_the_transition(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "ask_info", text="Jam berapa puskesmas tutup?")
        events_before = len(await w.svc.repo.events(report.id))
        copies_before = len(loopback.calls("copyMessage", chat_id=w.group.id))

        photo = loopback.send_photo(w.siti, caption="Tutup sejak jam 10 pagi.")
        await loopback.wait_for("sendMessage", chat_id=w.group.id, count=1)
        await w.settle()

        events = await w.svc.repo.events(report.id)
        assert [e.action for e in events[events_before:]] == ["provide_info"]
        provided = events[-1]
        assert provided.note == "Tutup sejak jam 10 pagi."
        files = [f for f in await w.svc.repo.attachments_of(report.id) if f.event_id is not None]
        assert [(f.source_message_id, f.event_id) for f in files] == [
            (photo["message_id"], provided.id)
        ]
        assert (await w.report(report)).stage == "submitted"
        assert any("Tutup sejak jam 10 pagi." in t for t in bot_texts(w, w.group.id))
        assert len(loopback.calls("copyMessage", chat_id=w.group.id)) == copies_before + 1


async def test_a_follow_up_that_fails_leaves_the_report_its_files_and_the_outbox_untouched(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "ask_info", text="Jam berapa?")
        before = await w.report(report)
        outbox_before = len(await w.svc.repo.outbox_items())
        files_before = len(await w.svc.repo.attachments_of(report.id))
        events_before = len(await w.svc.repo.events(report.id))
        file = NewAttachment("photo", "f-1", "u-1", source_chat_id=w.siti.id, source_message_id=1)

        def broken(_report: Report, _event: NewEvent) -> list[OutboxMessage]:
            raise RuntimeError("the follow-up could not be built")

        with pytest.raises(RuntimeError):
            await perform(
                w.svc, report.id, Action.PROVIDE_INFO, REPORTER, note="x",
                attachments=[file], extra=broken,
            )  # fmt: skip
        assert await w.report(report) == before
        assert len(await w.svc.repo.events(report.id)) == events_before
        assert len(await w.svc.repo.attachments_of(report.id)) == files_before
        assert len(await w.svc.repo.outbox_items()) == outbox_before

        seen: list[NewEvent] = []

        def extra(after: Report, event: NewEvent) -> list[OutboxMessage]:
            seen.append(event)
            return [OutboxMessage(chat_id=w.citra.id, kind="send_message", payload={"text": "ok"})]

        outcome = await perform(
            w.svc, report.id, Action.PROVIDE_INFO, REPORTER, note="y",
            attachments=[file], extra=extra,
        )  # fmt: skip
        assert isinstance(outcome, Done)
        stored = await w.svc.repo.attachments_of(report.id)
        last = (await w.svc.repo.events(report.id))[-1]
        assert stored[-1].event_id == last.id
        # The follow-up announced the audit row that was written with it.
        assert [(e.action, e.note, e.at) for e in seen] == [(last.action, last.note, last.at)]


async def test_a_confidential_disposal_reaches_the_liaison_with_details_rendered_when_sent(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, confidential=True, evidence=2)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        dms = bot_texts(w, w.budi.id)
        assert any("diteruskan ke unit Anda" in t for t in dms)
        assert any(report.title in t and "Dinas Kesehatan" in t for t in dms)
        assert len(loopback.calls("copyMessage", chat_id=w.budi.id)) == 2
        assert not any("diteruskan ke unit Anda" in t for t in bot_texts(w, w.eka.id))
