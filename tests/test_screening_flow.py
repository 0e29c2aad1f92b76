"""Screening in the report conversation, as a citizen meets it (issue 6).

Abusive words: rephrase, or send as is for staff review. Similar reports: the citizen's own (add to
it) and other citizens' (support it and follow its news, or file anyway and staff see the link).
Hints: outside the office's remit, shouting, very short; they never stop the conversation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.domain.screening.relevance import remit_hints
from bot.domain.tracking import numbering
from bot.domain.vocabulary import Action, Channel, ReportType, Stage
from loopback import FakeUser, LoopbackBotApi
from tests.citizen import Citizen
from tests.citizen_after import staff_do
from tests.staff_kit import StaffWorld, staff_world
from tests.test_report_conversation import DESCRIPTION, NUMBER, walk_to_title

TITLE = "Jalan berlubang di Oesapa"
# The same pothole as a neighbour tells it.
SAME_POTHOLE = (
    "Lubang besar di jalan depan SD Inpres Oesapa belum diperbaiki, "
    "pengendara motor sering jatuh di situ karena gelap."
)
ABUSIVE_TITLE = "Pejabat bangsat jalan rusak"
ABUSIVE_DESCRIPTION = (
    "Kepala dinas brengsek, jalan di depan rumah saya berlubang besar sejak dua bulan lalu "
    "dan tidak pernah diperbaiki walau sudah berkali-kali diminta warga."
)
REPHRASE = "✏️ Saya tulis ulang"
SEND_AS_IS = "📨 Kirim apa adanya untuk ditinjau"
FILE_ANYWAY = "📝 Tetap kirim laporan saya"


async def finish_anonymously(citizen: Citizen) -> str:
    """Answer the questions after the description and submit; return the tracking number."""
    assert "Di mana lokasinya" in await citizen.says("📅 Hari ini")
    await citizen.says("Jl. Timor Raya, Oesapa, Kupang")
    await citizen.says("🙈 Ya, anonim")
    await citizen.says("📢 Tidak perlu dirahasiakan")
    assert "Periksa laporan" in await citizen.says("⏭️ Lewati")
    done = await citizen.says("📨 Kirim laporan")
    number = NUMBER.search(done)
    assert number is not None, done
    return number.group()


async def file_report(citizen: Citizen, title: str = TITLE, text: str = DESCRIPTION) -> str:
    """File a whole report through the conversation; return its number."""
    await walk_to_title(citizen)
    await citizen.says(title)
    assert "Kapan kejadiannya" in await citizen.says(text)
    return await finish_anonymously(citizen)


def bot_texts(loopback: LoopbackBotApi, user: FakeUser) -> list[str]:
    return [str(m.get("text", "")) for m in loopback.bot_messages(user.id)]


@pytest.fixture
def maria(loopback: LoopbackBotApi) -> Citizen:
    return Citizen(loopback, loopback.add_user("Maria"))


# --- abusive words --------------------------------------------------------------------------


async def test_a_blocked_title_is_explained_and_can_be_rephrased(
    loopback: LoopbackBotApi, bot: object, maria: Citizen
) -> None:
    await walk_to_title(maria)
    shown = await maria.says(ABUSIVE_TITLE)
    assert "tidak pantas" in shown
    assert "bangsat" in shown
    assert maria.buttons() == [REPHRASE, SEND_AS_IS]
    assert "judul singkat" in await maria.says(REPHRASE)
    assert "Ceritakan masalahnya" in await maria.says(TITLE)


async def test_a_blocked_description_is_explained_and_can_be_rephrased(
    loopback: LoopbackBotApi, bot: object, maria: Citizen
) -> None:
    await walk_to_title(maria)
    await maria.says(TITLE)
    shown = await maria.says(ABUSIVE_DESCRIPTION)
    assert "brengsek" in shown
    assert "Ceritakan masalahnya" in await maria.says(REPHRASE)
    assert "Kapan kejadiannya" in await maria.says(DESCRIPTION)


@pytest.mark.parametrize(
    ("title", "description", "flag", "word"),
    [
        (ABUSIVE_TITLE, DESCRIPTION, "screen_title", "bangsat"),
        (TITLE, ABUSIVE_DESCRIPTION, "screen_description", "brengsek"),
    ],
)
async def test_a_blocked_text_sent_for_review_is_filed_flagged_with_the_words(
    loopback: LoopbackBotApi,
    tmp_path: Path,
    title: str,
    description: str,
    flag: str,
    word: str,
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        citizen = Citizen(loopback, w.siti)
        await walk_to_title(citizen)
        answer = await citizen.says(title)
        if flag == "screen_title":
            assert word in answer
            assert "Ceritakan masalahnya" in await citizen.says(SEND_AS_IS)
        shown = await citizen.says(description)
        if flag == "screen_description":
            assert word in shown
            assert citizen.buttons() == [REPHRASE, SEND_AS_IS]
            assert "Kapan kejadiannya" in await citizen.says(SEND_AS_IS)
        number = await finish_anonymously(citizen)
        report = await w.svc.repo.report_by_number(number)
        assert report is not None
        assert (report.title, report.description) == (title, description)
        assert report.screening is not None
        assert report.screening[flag]["outcome"] == "block"
        assert word in report.screening[flag]["terms"]
        # Staff read the report with those words masked, and see that it was flagged.
        await w.settle()
        card = (await w.card(report))["text"]
        assert word not in card.lower()
        assert "Ditandai penyaringan" in card


# --- the citizen's own similar report --------------------------------------------------------


async def test_a_similar_text_can_be_added_to_the_citizens_own_open_report(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        citizen = Citizen(loopback, w.siti)
        number = await file_report(citizen)
        await walk_to_title(citizen)
        await citizen.says("Jalan Oesapa masih berlubang")
        offer = await citizen.says(DESCRIPTION + " Sekarang lubangnya makin lebar.")
        assert "laporan yang mirip" in offer
        assert number in offer
        assert citizen.buttons()[:2] == [
            "➕ Tambahkan ke laporan itu",
            "📝 Tetap buat laporan baru",
        ]
        added = await citizen.says("➕ Tambahkan ke laporan itu")
        assert "sudah ditambahkan" in added
        assert number in added
        report = await w.svc.repo.report_by_number(number)
        assert report is not None
        events = await w.svc.repo.events(report.id)
        assert any("makin lebar" in (e.note or "") for e in events)
        reporter = await w.svc.repo.reporter_by_telegram(w.siti.id)
        assert reporter is not None
        assert len(await w.svc.repo.open_reports_of(reporter.id)) == 1
        assert await w.svc.repo.draft(w.siti.id, "report") is None


# --- another citizen's similar report --------------------------------------------------------


async def walk_to_duplicate_offer(w: StaffWorld, user: FakeUser, original: str) -> Citizen:
    """Let a second citizen write about the same pothole until the offer appears."""
    neighbour = Citizen(w.loopback, user)
    await walk_to_title(neighbour)
    await neighbour.says("Lubang di depan SD Oesapa")
    offer = await neighbour.says(SAME_POTHOLE)
    assert "laporan warga lain yang mirip" in offer
    assert original in offer
    assert TITLE in offer
    assert neighbour.buttons()[:2] == [f"🙋 Saya juga mengalami ini ({original})", FILE_ANYWAY]
    return neighbour


async def test_supporting_another_citizens_report_follows_its_news_without_a_new_report(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        original = await file_report(Citizen(loopback, w.siti))
        neighbour = await walk_to_duplicate_offer(w, w.rudi, original)
        done = await neighbour.says(f"🙋 Saya juga mengalami ini ({original})")
        assert "Dukungan Anda tercatat" in done
        assert original in done
        assert "📝 Buat Laporan" in neighbour.buttons()
        rudi = await w.svc.repo.reporter_by_telegram(w.rudi.id)
        assert rudi is not None
        assert await w.svc.repo.open_reports_of(rudi.id) == []
        assert await w.svc.repo.draft(w.rudi.id, "report") is None
        # The next status change reaches the supporter too.
        report = await w.svc.repo.report_by_number(original)
        assert report is not None
        unit = await w.unit_id("dinkes")
        await staff_do(w, report, Action.DISPOSE, note="catatan internal", values={"unit_id": unit})
        news = bot_texts(loopback, w.rudi)[-1]
        assert news.startswith(f"🔔 Laporan {original} yang Anda dukung")
        assert "Diteruskan ke unit (Dinas Kesehatan)" in news
        assert "catatan internal" not in news


async def test_filing_anyway_puts_the_possible_duplicate_on_the_staff_card(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        original = await file_report(Citizen(loopback, w.siti))
        neighbour = await walk_to_duplicate_offer(w, w.rudi, original)
        assert "Kapan kejadiannya" in await neighbour.says(FILE_ANYWAY)
        number = await finish_anonymously(neighbour)
        report = await w.svc.repo.report_by_number(number)
        assert report is not None
        assert report.screening is not None
        assert report.screening["possible_duplicates"] == [original]
        await w.settle()
        card = await w.card(report)
        assert f"Mungkin duplikat dari {original}" in card["text"]
        first = await w.svc.repo.report_by_number(original)
        assert first is not None
        assert "duplikat" not in (await w.card(first))["text"]


# --- hints -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "hint"),
    [
        (
            "Motor saya dicuri di parkiran pasar Oebobo kemarin malam, kunci stang sudah "
            "dirusak dan pelakunya kabur ke arah terminal, mohon dibantu mencarinya.",
            "laporkan juga ke polisi",
        ),
        (
            "JALAN DI DEPAN RUMAH KAMI RUSAK PARAH SUDAH SETAHUN, TIDAK ADA YANG PEDULI, "
            "SETIAP HUJAN BANJIR DAN ANAK-ANAK TIDAK BISA LEWAT KE SEKOLAH.",
            "berteriak",
        ),
        (
            "Jalan di RT 05 Oesapa rusak parah, mohon segera diperbaiki.",
            "Ceritanya masih singkat",
        ),
    ],
)
async def test_a_hint_is_shown_once_and_the_conversation_goes_on(
    loopback: LoopbackBotApi, bot: object, maria: Citizen, description: str, hint: str
) -> None:
    await walk_to_title(maria)
    await maria.says("Laporan warga Oesapa")
    assert "Kapan kejadiannya" in await maria.says(description, replies=2)
    hints = bot_texts(loopback, maria.user)[-2]
    assert hints.startswith("💡")
    assert hint in hints
    # Going back and sending the description again does not repeat the hint.
    assert "Ceritakan masalahnya" in await maria.says("⬅️ Kembali")
    assert "Kapan kejadiannya" in await maria.says(description)
    assert sum(hint in text for text in bot_texts(loopback, maria.user)) == 1


async def test_an_ordinary_complaint_gets_no_hint(
    loopback: LoopbackBotApi, bot: object, maria: Citizen
) -> None:
    await walk_to_title(maria)
    await maria.says(TITLE)
    assert "Kapan kejadiannya" in await maria.says(DESCRIPTION)
    assert not any(text.startswith("💡") for text in bot_texts(loopback, maria.user))


async def test_a_theft_by_an_official_is_a_public_service_complaint_without_a_hint(
    loopback: LoopbackBotApi, bot: object, maria: Citizen
) -> None:
    await walk_to_title(maria)
    await maria.says("Bantuan sosial dicuri")
    text = (
        "Beras bantuan sosial untuk warga RT 03 dicuri oknum petugas kelurahan, "
        "sebagian dijual ke pedagang di pasar Oeba dan warga hanya menerima separuh."
    )
    assert "Kapan kejadiannya" in await maria.says(text)
    assert not any(re.match("💡", t) for t in bot_texts(loopback, maria.user))


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Gugatan saya di pengadilan negeri sudah dua tahun belum diputus hakim.", ["court"]),
        ("Tetangga tidak mau bayar utang dua juta rupiah sejak Natal tahun lalu.", ["private"]),
        ("Rumah kami kemalingan tadi malam, televisi dan motor hilang.", ["criminal"]),
        ("Panitera pengadilan meminta uang agar sidang perkara saya dipercepat.", []),
        ("Jalan di depan SD Inpres Oesapa berlubang besar sejak dua bulan lalu.", []),
    ],
)
def test_remit_hints_name_where_a_text_belongs(text: str, kinds: list[str]) -> None:
    assert remit_hints(text) == kinds


async def test_a_pin_next_to_another_report_brings_the_offer_at_the_location_step(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from storage.models import NewReport

    async with staff_world(loopback, tmp_path) as w:
        svc = w.svc
        neighbour = await svc.repo.ensure_reporter(w.rudi.id)
        first = await svc.repo.submit_report(
            NewReport(
                reporter_id=neighbour.id,
                channel=Channel.TELEGRAM,
                type=ReportType.PENGADUAN,
                category="infrastruktur",
                title="Jalan rusak parah",
                description=(
                    "Aspal di ruas depan sekolah hancur, banyak lubang dan genangan air saat hujan."
                ),
                latitude=-10.1425,
                longitude=123.6294,
                stage=Stage.SUBMITTED,
                submitted_at=datetime.now(UTC),
            ),
            numbering=numbering(svc.profile.prefix, datetime.now(UTC), svc.profile.zone),
        )
        citizen = Citizen(loopback, w.siti)
        await walk_to_title(citizen)
        await citizen.says("Genangan di jalan")
        # Worded differently: the text alone does not bring the offer...
        assert "Kapan kejadiannya" in await citizen.says(
            "Setiap hujan jalan tergenang dan berlubang, warga susah lewat ke pasar di ujung gang.",
            replies=2,  # a gentle hint (a short story) comes first
        )
        await citizen.says("📅 Hari ini")
        # ...but a pin next door does.
        offer = await citizen.sends("location", latitude=-10.1420, longitude=123.6290)
        assert first.number in offer
        assert "anonim" in await citizen.says(FILE_ANYWAY)
        draft = await svc.repo.draft(w.siti.id, "report")
        assert draft is not None
        assert draft.data["latitude"] == pytest.approx(-10.1420)
        assert [c["number"] for c in draft.data["flags"]["dup_candidates"]] == [first.number]
