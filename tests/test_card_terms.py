"""The card and /lihat speak the office's terms and show staff what they may know of the reporter.

Issue 10: "The reporter's address is never shown to staff allowed to see identity. Cards use fixed
type names ('Aspirasi') instead of the profile's ('Saran', 'Informasi'). While waiting for the
reporter the staff card says 'Menunggu keterangan Anda'."
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.domain.tracking import numbering
from bot.services import notify
from bot.services.submit import unfiled_report
from loopback import FakeUser, LoopbackBotApi
from storage.models import NewReport, Report
from storage.vocabulary import Channel, ReportType, Stage
from tests.citizen_after import say
from tests.staff_kit import StaffWorld, staff_world

ADDRESS = "Jl. Frans Seda No. 12, Kel. Fatululi, Kupang"
EMAIL = "siti.aminah@contoh.id"


async def file_with_address(w: StaffWorld, citizen: FakeUser, *, anonymous: bool) -> Report:
    """File a report whose reporter gave name, phone, address and e-mail, as /lapor stores them."""
    svc = w.svc
    reporter = await svc.repo.ensure_reporter(citizen.id)
    now = datetime.now(UTC)
    new = NewReport(
        reporter_id=reporter.id,
        channel=Channel.TELEGRAM,
        type=ReportType.PENGADUAN,
        title="Puskesmas tutup",
        description="Puskesmas Oebobo tutup pada jam pelayanan tanpa pemberitahuan.",
        stage=Stage.SUBMITTED,
        submitted_at=now,
        anonymous=anonymous,
    )
    report = await svc.repo.submit_report(
        new,
        numbering=numbering(svc.profile.prefix, now, svc.profile.zone),
        identity={
            "name": "Siti Aminah",
            "phone": "081234567890",
            "address": ADDRESS,
            "email": EMAIL,
        },
        messages=notify.after_submission(svc, reporter, unfiled_report(new), []),
    )
    await w.settle()
    return report


async def detail_for(w: StaffWorld, user: FakeUser, report: Report) -> str:
    """Press the card's detail button and return what the bot sent privately."""
    await w.press(user, report, "view")
    details = [
        m["text"]
        for m in w.loopback.bot_messages(user.id)
        if m.get("text", "").startswith(("📋", "🔒"))
    ]
    assert details, "no detail was sent"
    return str(details[-1])


async def test_the_reporters_address_is_shown_to_staff_allowed_to_see_identity(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await file_with_address(w, w.siti, anonymous=False)
        card = await w.card(report)
        assert "👤 Siti Aminah · 081234567890\n🏠 " + ADDRESS in card["text"]
        detail = await detail_for(w, w.ani, report)
        assert f"🏠 {ADDRESS}\n✉️ {EMAIL}" in detail


async def test_an_anonymous_reporters_address_stays_hidden(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await file_with_address(w, w.siti, anonymous=True)
        card = await w.card(report)
        detail = await detail_for(w, w.ani, report)
        for text in (card["text"], detail):
            assert "👤 Anonim" in text
            assert "Fatululi" not in text
            assert EMAIL not in text


async def test_cards_name_report_types_as_the_profile_does(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="ntt-biro-organisasi") as w:
        report = await w.file(w.siti, type="aspirasi", title="Usul layanan daring")
        card = await w.card(report)
        assert card["text"].startswith(f"📋 {report.number} · Saran")
        assert "Aspirasi" not in card["text"]
        assert "· Saran" in await detail_for(w, w.ani, report)


async def test_an_information_card_uses_the_profiles_name_for_the_type(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="pangkalpinang-bkpsdmd") as w:
        report = await w.file(w.siti, type="informasi", title="Jadwal sidang kode etik")
        card = await w.card(report)
        assert card["text"].startswith(f"📋 {report.number} · Informasi")
        assert "Permintaan informasi" not in card["text"]


async def test_while_waiting_for_the_reporter_the_card_says_it_waits_for_the_reporter(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "ask_info", text="Kapan tepatnya puskesmas tutup?")
        assert (await w.report(report)).stage == "needs_info"
        card = await w.card(report)
        assert "Tahap: Menunggu keterangan pelapor" in card["text"]
        assert "Anda" not in card["text"]
        assert "Tahap: Menunggu keterangan pelapor" in await detail_for(w, w.ani, report)
        # The reporter still reads the stage as their own.
        assert "Menunggu keterangan Anda" in await say(w, w.siti, f"/status {report.number}")
