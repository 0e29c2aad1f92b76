"""Anonymous and confidential reports: staff never see who reported, the group never sees what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.domain.vocabulary import Action
from bot.domain.workflow import REPORTER
from bot.services.transition import perform
from loopback import LoopbackBotApi
from tests.harness import eventually
from tests.staff_kit import StaffWorld, staff_world

STAFF = ("ani", "budi", "citra", "dedi", "eka")


def seen_by_staff(w: StaffWorld) -> list[dict[str, Any]]:
    """Return every message staff can see: the group and each staff member's private chat."""
    chats = [w.group.id, *(w.people[name].id for name in STAFF)]
    return [m for chat in chats for m in w.loopback.bot_messages(chat)]


def identity_of(w: StaffWorld) -> list[str]:
    siti = w.siti
    return ["Siti", "Aminah", "081234567890", "siti_a", str(siti.id)]


def assert_hidden(w: StaffWorld, secrets: list[str]) -> None:
    """Check texts, captions, buttons, forward headers and callback answers for the secrets."""
    messages = seen_by_staff(w)
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

    async def answered() -> bool:
        return len(w.loopback.bot_messages(user.id)) > before

    await eventually(answered)
    await w.settle()
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
