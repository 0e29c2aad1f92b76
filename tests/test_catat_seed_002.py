"""Seed 002 (Biro Organisasi NTT): /catat asks what each channel's SOP asks of the reporter.

[S002 L19-22]: face to face, an ID; the box, a name and an address or phone; a letter, a copy of
an ID or a phone; SP4N-LAPOR!, a name and an address. [S002 L57-62]: each channel has its own
time (15 minutes face to face), shown on the card beside the stage's due date (issue 10).
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from bot.domain.profile import load_profile
from loopback import LoopbackBotApi
from storage import tables as t
from storage.models import Report
from tests.citizen import Citizen
from tests.staff_kit import StaffWorld, staff_world

PROFILE = "ntt-biro-organisasi"
OFFICE = load_profile(PROFILE)
SKIP = "⏭️ Lewati"
DESCRIPTION = (
    "Pengguna layanan menyampaikan bahwa analisis jabatan di dinasnya belum selesai "
    "sejak tahun lalu dan meminta kejelasan jadwalnya."
)


def channel(code: str) -> str:
    """Return the channel's button as /catat offers it."""
    found = next(c for c in OFFICE.channels if c.code == code)
    return found.name.get("id")


async def up_to_the_reporter(ani: Citizen, code: str) -> str:
    """Record a report up to the first question about the reporter; return that question."""
    await ani.says("/catat")
    await ani.says(channel(code))
    await ani.says("Pengaduan")
    await ani.says("Kelembagaan dan jabatan")
    await ani.says("Analisis jabatan tertunda")
    return await ani.says(DESCRIPTION)


async def saved(w: StaffWorld, done: str) -> Report:
    number = re.search(r"ORGNTT-\d{4}-\d{6}", done)
    assert number is not None, done
    await w.settle()
    report = await w.svc.repo.report_by_number(number.group())
    assert report is not None
    return report


async def test_seed_002_catat_refuses_anonymous_where_the_channel_needs_identity(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        ani = Citizen(loopback, w.ani)
        asked = await up_to_the_reporter(ani, "tatap_muka")
        # No "stay anonymous" question: the name is asked at once, with the SOP's requirement.
        assert "Nama pelapor" in asked
        assert "Menunjukkan KTP atau identitas diri lainnya yang sah" in asked
        assert "🙈 Pelapor minta anonim" not in ani.buttons()
        for typed in ("🙈 Pelapor minta anonim", "anonim"):
            refused = await ani.says(typed)
            assert "tidak dapat dicatat sebagai anonim" in refused
        draft = await w.svc.repo.draft(w.ani.id, "catat")
        assert draft is not None
        assert draft.step == "NAME"
        assert draft.data["name"] is None


async def test_seed_002_catat_asks_the_id_face_to_face_and_it_cannot_be_skipped(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        ani = Citizen(loopback, w.ani)
        await up_to_the_reporter(ani, "tatap_muka")
        assert "Nomor HP" in await ani.says("Maria Goreti Lado")
        assert "Alamat" in await ani.says(SKIP)
        asked = await ani.says(SKIP)
        assert "KTP/identitas pelapor" in asked
        assert SKIP not in ani.buttons(), "the ID is required face to face"
        assert "wajib" in await ani.says(SKIP)
        assert "Kirim foto" in await ani.says("sudah lihat KTP")
        summary = await ani.sends_photo()
        assert "foto identitas tersimpan" in summary
        report = await saved(w, await ani.says("💾 Simpan laporan"))
        reporter = await w.svc.repo.reporter_of_report(report.id)
        assert (report.channel, report.anonymous) == ("tatap_muka", False)
        assert reporter.name == "Maria Goreti Lado"
        async with w.svc.db.read() as conn:
            photo = await conn.scalar(
                select(t.reporters.c.id_photo_file_id).where(t.reporters.c.id == reporter.id)
            )
        assert photo, "the ID's photo is kept with the reporter"


async def test_seed_002_catat_asks_the_box_for_a_name_and_an_address_or_phone(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        ani = Citizen(loopback, w.ani)
        asked = await up_to_the_reporter(ani, "kotak_saran")
        assert "Mencantumkan nama, alamat dan/atau nomor HP" in asked
        phone = await ani.says("Yohanes Bria")
        assert "cukup salah satu" in phone
        assert SKIP in ani.buttons(), "the phone may be left out if the address is given"
        address = await ani.says(SKIP)
        assert "Alamat pelapor?" in address
        assert SKIP not in ani.buttons(), "one of address or phone is required"
        assert "wajib" in await ani.says(SKIP)
        summary = await ani.says("Jl. Frans Seda No. 5, Kupang")
        assert "Jl. Frans Seda No. 5, Kupang" in summary
        report = await saved(w, await ani.says("💾 Simpan laporan"))
        reporter = await w.svc.repo.reporter_of_report(report.id)
        assert (reporter.name, reporter.phone, reporter.address) == (
            "Yohanes Bria",
            None,
            "Jl. Frans Seda No. 5, Kupang",
        )


async def test_seed_002_catat_asks_sp4n_lapor_for_a_name_and_an_address(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        ani = Citizen(loopback, w.ani)
        asked = await up_to_the_reporter(ani, "lapor")
        assert "Mencantumkan nama dan alamat" in asked
        await ani.says("Yohanes Bria")
        assert "Alamat" in await ani.says("081234567890")
        assert SKIP not in ani.buttons(), "SP4N-LAPOR! requires the address"
        assert "wajib" in await ani.says(SKIP)


async def test_seed_002_catat_can_mark_a_report_confidential(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        citra = Citizen(loopback, w.citra)
        await citra.says("/start")  # the supervisor, who disposes, reads it in private
        ani = Citizen(loopback, w.ani)
        await up_to_the_reporter(ani, "lapor")
        await ani.says("Yohanes Bria")
        await ani.says(SKIP)
        summary = await ani.says("Jl. Frans Seda No. 5, Kupang")
        assert "Laporan rahasia?" in summary
        assert "🔒 Tandai rahasia" in ani.buttons()
        marked = await ani.says("🔒 Tandai rahasia")
        assert "isi laporan tidak tampil di grup petugas" in marked
        assert "📂 Batalkan rahasia" in ani.buttons()
        report = await saved(w, await ani.says("💾 Simpan laporan"))
        assert report.confidential
        card = (await w.card(report))["text"]
        assert card.startswith(f"🔒 {report.number}")
        assert "Analisis jabatan" not in card
        assert "Yohanes" not in card
        group = " ".join(m.get("text", "") for m in loopback.bot_messages(w.group.id))
        assert "Analisis jabatan" not in group
        private = " ".join(m.get("text", "") for m in loopback.bot_messages(w.citra.id))
        assert "Analisis jabatan tertunda" in private


async def test_seed_002_card_shows_the_channels_own_target_beside_the_stage_due_date(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        ani = Citizen(loopback, w.ani)
        await up_to_the_reporter(ani, "tatap_muka")
        await ani.says("Maria Goreti Lado")
        await ani.says(SKIP)
        await ani.says(SKIP)
        await ani.sends_photo()
        report = await saved(w, await ani.says("💾 Simpan laporan"))
        card = (await w.card(report))["text"]
        lines = card.splitlines()
        due = next(i for i, line in enumerate(lines) if line.startswith("⏰ Batas:"))
        assert lines[due + 1].startswith("🎯 Target saluran: 15 menit"), card
        assert "selesai paling lambat" in lines[due + 1]
