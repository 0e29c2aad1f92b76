"""Anonymous and confidential reports: staff never see who reported, the group never sees what."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.domain.vocabulary import Action
from bot.domain.workflow import REPORTER
from bot.services.transition import perform
from loopback import FakeUser, LoopbackBotApi
from tests.staff_kit import StaffWorld, staff_world

STAFF = ("ani", "budi", "citra", "dedi", "eka")


def seen_by_staff(w: StaffWorld, followers: Sequence[FakeUser] = ()) -> list[dict[str, Any]]:
    """Return every message staff can see: the group and each staff member's private chat.

    With `followers`, also what those citizens (following the report) were sent.
    """
    chats = [w.group.id, *(w.people[name].id for name in STAFF), *(f.id for f in followers)]
    return [m for chat in chats for m in w.loopback.bot_messages(chat)]


def identity_of(w: StaffWorld) -> list[str]:
    siti = w.siti
    return ["Siti", "Aminah", "081234567890", "siti_a", str(siti.id)]


def assert_hidden(w: StaffWorld, secrets: list[str], *, followers: Sequence[FakeUser] = ()) -> None:
    """Check texts, captions, buttons, forward headers and callback answers for the secrets.

    Staff's chats are checked, and those of the report's `followers`.
    """
    messages = seen_by_staff(w, followers)
    assert messages
    for message in messages:
        assert "forward_origin" not in message, message
        visible = json.dumps(
            {k: message.get(k) for k in ("text", "caption", "reply_markup")}, ensure_ascii=False
        )
        for secret in secrets:
            assert secret not in visible, (secret, visible)
    for answer in w.loopback.calls("answerCallbackQuery"):
        for secret in secrets:
            assert secret not in str(answer.params.get("text", ""))


async def ask_privately(w: StaffWorld, name: str, text: str) -> str:
    user = w.people[name]
    before = len(w.loopback.bot_messages(user.id))
    w.loopback.send_text(user, text)
    await w.settle()
    assert len(w.loopback.bot_messages(user.id)) > before, "the bot did not answer"
    return str(w.loopback.bot_messages(user.id)[-1].get("text", ""))


async def test_an_anonymous_confidential_report_reaches_only_allowed_staff_and_never_its_reporter(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, anonymous=True, confidential=True, evidence=2)
        card = await w.card(report)
        assert card["text"].startswith("🔒")
        await w.press(w.ani, report, "view")
        assert "Puskesmas Oebobo" in loopback.bot_messages(w.ani.id)[-3]["text"]
        assert [m.get("caption") for m in loopback.bot_messages(w.ani.id)[-2:]] == [
            "bukti 1",
            "bukti 2",
        ]
        viewer = await w.press(w.dedi, report, "view")
        assert viewer is not None
        assert viewer["show_alert"] is True

        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        assert any(
            "Puskesmas Oebobo" in m.get("text", "") for m in loopback.bot_messages(w.budi.id)
        )
        await w.act(w.budi, report, "accept")
        await w.act(w.budi, report, "ask_info", text="Siapa petugas yang bertugas saat itu?")
        assert "Siapa petugas" in loopback.bot_messages(w.siti.id)[-1]["text"]
        await perform(w.svc, report.id, Action.PROVIDE_INFO, REPORTER, note="Petugas jaga pagi.")
        await w.settle()
        await w.act(w.budi, report, "answer", text="Petugas tersebut sudah dibina.")
        assert "sudah dibina" in loopback.bot_messages(w.siti.id)[-1]["text"]

        history = await ask_privately(w, "budi", f"/riwayat {report.number}")
        assert "Pelapor" in history
        assert "Siapa petugas" in history
        await ask_privately(w, "budi", f"/lihat {report.number}")
        refused = await ask_privately(w, "eka", f"/riwayat {report.number}")
        assert "bukan untuk unit Anda" in refused

        assert_hidden(w, identity_of(w))
        group = [json.dumps(m, ensure_ascii=False) for m in loopback.bot_messages(w.group.id)]
        for content in ("Puskesmas", "Oebobo", "bukti", "Siapa petugas", "dibina", "photo"):
            assert not any(content in m for m in group), content
        for outsider in ("dedi", "eka"):
            texts = json.dumps(loopback.bot_messages(w.people[outsider].id), ensure_ascii=False)
            assert "Puskesmas" not in texts
            assert "photo" not in texts


async def test_an_anonymous_report_shows_its_content_and_evidence_but_never_the_reporter(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, anonymous=True, evidence=1)
        card = await w.card(report)
        assert "Anonim" in card["text"]
        assert "Puskesmas Oebobo" in card["text"]
        evidence = [m for m in loopback.bot_messages(w.group.id) if "photo" in m]
        assert len(evidence) == 1
        assert evidence[0]["reply_to_message"]["message_id"] == card["message_id"]
        await w.act(w.ani, report, "ask_info", text="Kapan tepatnya?")
        await perform(w.svc, report.id, Action.PROVIDE_INFO, REPORTER, note="Senin pagi.")
        await w.settle()
        await w.act(w.ani, report, "reject", choice="outside", text="Ombudsman RI")
        assert "Ombudsman RI" in loopback.bot_messages(w.siti.id)[-1]["text"]
        await ask_privately(w, "dedi", f"/riwayat {report.number}")
        await ask_privately(w, "dedi", f"/lihat {report.number}")
        assert_hidden(w, identity_of(w))


async def test_a_named_report_shows_the_reporter_to_staff(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        card = await w.card(report)
        assert "Siti Aminah · 081234567890" in card["text"]
        assert str(w.siti.id) not in json.dumps(card)


# Issue 10: "A confidential and anonymous report marked as the original of a duplicate: the
# duplicate's reporter received '🔔 Laporan … yang Anda dukung (Pegawai meminta uang untuk izin
# menara)' and later the full answer."
BRIBE = "Pegawai meminta uang untuk izin menara"
BRIBE_DETAIL = "Petugas loket perizinan meminta Rp5 juta agar izin menara cepat keluar."
BRIBE_ANSWER = "Pegawai tersebut sudah diperiksa Inspektorat dan dibebastugaskan."


def sent_to(w: StaffWorld, citizen: FakeUser) -> list[dict[str, Any]]:
    return w.loopback.bot_messages(citizen.id)


async def test_a_follower_of_a_confidential_original_gets_a_neutral_progress_notice_only(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        original = await w.file(
            w.siti, anonymous=True, confidential=True, title=BRIBE, description=BRIBE_DETAIL
        )
        duplicate = await w.file(
            w.rudi, name="Rudi Lado", phone="085299990000", title="Pungutan izin menara"
        )
        await w.act(w.ani, duplicate, "mark_duplicate", text=original.number)
        assert (await w.report(duplicate)).duplicate_of_id == original.id
        merged = len(sent_to(w, w.rudi))

        await w.act(w.ani, original, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, original, "accept")
        await w.act(w.budi, original, "answer", text=BRIBE_ANSWER)
        assert BRIBE_ANSWER in sent_to(w, w.siti)[-1]["text"], "the reporter reads the answer"

        news = sent_to(w, w.rudi)[merged:]
        assert [m["text"].split("\n")[0] for m in news] == [
            f"🔔 Ada perkembangan pada laporan {original.number} yang Anda ikuti: {stage}."
            for stage in ("Diteruskan ke unit", "Sedang ditindaklanjuti", "Sudah dijawab")
        ]
        assert all("reply_markup" not in m for m in news), "no rating buttons for a follower"
        # Nothing of the report's content, its unit or its answer reaches the follower.
        follower = json.dumps(sent_to(w, w.rudi), ensure_ascii=False)
        for content in (BRIBE, "Rp5 juta", "loket", "Inspektorat", "Dinas Kesehatan"):
            assert content not in follower, content
        assert_hidden(w, identity_of(w), followers=[w.rudi])


async def test_a_follower_of_an_ordinary_report_hears_its_title_stage_unit_and_answer_only(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        original = await w.file(w.siti, anonymous=True)
        duplicate = await w.file(
            w.rudi, name="Rudi Lado", phone="085299990000", title="Puskesmas tutup lagi"
        )
        await w.act(w.ani, duplicate, "mark_duplicate", text=original.number)
        merged = len(sent_to(w, w.rudi))

        await w.act(w.ani, original, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, original, "accept")
        await w.act(w.budi, original, "ask_info", text="Jam berapa Anda datang ke puskesmas?")
        await perform(w.svc, original.id, Action.PROVIDE_INFO, REPORTER, note="Pukul sembilan.")
        await w.settle()
        await w.act(w.budi, original, "answer", text="Puskesmas kembali buka sesuai jadwal.")

        news = [m["text"] for m in sent_to(w, w.rudi)[merged:]]
        assert news[0] == (
            f"🔔 Laporan {original.number} yang Anda dukung (Puskesmas tutup): "
            "Diteruskan ke unit (Dinas Kesehatan)."
        )
        assert len(news) == 3, "the reporter's question is not the follower's"
        assert news[-1].endswith("Jawaban petugas:\nPuskesmas kembali buka sesuai jadwal.")
        assert all("reply_markup" not in m for m in sent_to(w, w.rudi)[merged:])
        follower = json.dumps(sent_to(w, w.rudi), ensure_ascii=False)
        for for_the_reporter in ("Jam berapa", "Pukul sembilan", "fb:"):
            assert for_the_reporter not in follower, for_the_reporter
        assert_hidden(w, identity_of(w), followers=[w.rudi])
