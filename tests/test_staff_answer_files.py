"""A liaison's answer with files: kept with the prompt, stored with it, sent after its text."""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from loopback.models import FakeUser
from storage.models import Report
from tests.staff_kit import StaffWorld, staff_world

PDF = b"%PDF-1.4 jadwal pelayanan"


async def _answer_prompt(w: StaffWorld, liaison: FakeUser, report: Report) -> int:
    """Press "answer" and return the prompt's message id in the group."""
    await w.press(liaison, report, "answer")
    return int(w.prompt_for(liaison, w.group.id)["message_id"])


async def test_a_liaison_answers_with_a_photo_and_a_document_sent_after_the_text(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, report, "accept")
        prompt = await _answer_prompt(w, w.budi, report)
        assert "kirim lebih dulu sebagai balasan" in w.prompt_for(w.budi, w.group.id)["text"]

        photo = loopback.send_photo(w.budi, caption="Jadwal baru", chat=w.group, reply_to=prompt)
        await w.settle()
        assert "(1 berkas)" in loopback.last_bot_message(w.group.id)["text"]
        loopback.send_document(
            w.budi, b"MZ", file_name="x.exe", mime_type="application/x-msdownload",
            chat=w.group, reply_to=prompt,
        )  # fmt: skip
        await w.settle()
        assert "tidak dapat dilampirkan" in loopback.last_bot_message(w.group.id)["text"]
        document = loopback.send_document(
            w.budi, PDF, file_name="jadwal.pdf", mime_type="application/pdf",
            chat=w.group, reply_to=prompt,
        )  # fmt: skip
        await w.settle()
        assert "(2 berkas)" in loopback.last_bot_message(w.group.id)["text"]
        assert (await w.report(report)).stage == "in_progress"  # files alone send nothing

        await w.reply(w.budi, "Puskesmas buka lagi mulai Senin, jadwal terlampir.")
        assert (await w.report(report)).stage == "answered"
        received = loopback.bot_messages(w.siti.id)[-3:]
        assert "Puskesmas buka lagi mulai Senin" in received[0]["text"]
        assert "photo" in received[1]
        assert received[1]["caption"] == "Jadwal baru"
        assert received[2]["document"]["file_name"] == "jadwal.pdf"
        assert "forward_origin" not in received[1]
        assert "forward_origin" not in received[2]

        answer = next(e for e in await w.svc.repo.events(report.id) if e.action == "answer")
        files = await w.svc.repo.answer_attachments(report.id)
        assert [(f.kind, f.source_message_id, f.event_id) for f in files] == [
            ("photo", photo["message_id"], answer.id),
            ("document", document["message_id"], answer.id),
        ]
        # The card counts the reporter's evidence apart from the answer's files.
        card = (await w.card(report))["text"]
        assert "📎 1 berkas" in card
        assert "📎 2 berkas jawaban" in card


async def test_approvers_see_the_answer_files_and_the_reporter_gets_them_once_approved(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="ntt-biro-organisasi") as w:
        kepala_biro = w.citra
        kabag = await w.add_staff("Fajar", "supervisor")
        await w.add_staff("Gita", "liaison", units=("kelembagaan",))
        report = await w.file(w.siti)
        await w.act(kepala_biro, report, "dispose", choice=await w.unit_id("kelembagaan"))
        prompt = await _answer_prompt(w, w.gita, report)
        loopback.send_photo(w.gita, chat=w.group, reply_to=prompt)
        await w.settle()
        await w.reply(w.gita, "Draf jawaban dengan foto.")
        assert (await w.report(report)).stage == "awaiting_approval"
        assert "📎 1 berkas jawaban" in (await w.card(report))["text"]
        before = len(loopback.bot_messages(w.siti.id))

        await w.act(kabag, report, "approve")
        assert len(loopback.bot_messages(w.siti.id)) == before  # nothing before the last level
        await w.act(kepala_biro, report, "approve")
        received = loopback.bot_messages(w.siti.id)[before:]
        assert "Draf jawaban dengan foto." in received[0]["text"]
        assert "photo" in received[1]
        assert len(received) == 2


async def test_an_album_in_reply_to_the_answer_prompt_is_acknowledged_once(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi")
        prompt_count = len(loopback.bot_messages(w.group.id))
        await w.press(w.ani, report, "answer_info")
        prompt = int(w.prompt_for(w.ani, w.group.id)["message_id"])
        for _ in range(3):
            loopback.send_photo(w.ani, chat=w.group, reply_to=prompt, media_group_id="77")
        await w.settle()
        acks = [m for m in loopback.bot_messages(w.group.id)[prompt_count:] if "📎" in m["text"]]
        assert len(acks) == 1
        await w.reply(w.ani, "Informasi yang diminta ada pada foto.")
        assert (await w.report(report)).stage == "answered"
        assert sum("photo" in m for m in loopback.bot_messages(w.siti.id)) == 3
