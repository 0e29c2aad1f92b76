"""Finding other reporters' open reports about the same problem (issue 6), on real SQLite files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from bot.domain.screening.duplicates import fold, search_terms, stopwords
from bot.domain.tracking import numbering
from bot.services.duplicates import find_duplicates
from storage.models import NewEvent, NewReport, Report, ReportChange
from storage.repository import Repository
from storage.vocabulary import Action, ActorKind, Channel, ReportType, Stage

WITA = ZoneInfo("Asia/Makassar")
START = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)
POTHOLE = (
    "Jalan di depan SD Inpres Oesapa berlubang besar sejak dua bulan lalu, "
    "sudah dua pengendara motor jatuh minggu ini."
)
# The same pothole as another citizen tells it.
POTHOLE_AGAIN = (
    "Lubang besar di jalan depan SD Inpres Oesapa belum diperbaiki, "
    "pengendara motor sering jatuh di situ."
)
# Kupang, near the school, and a point some 5 km away.
HERE = (-10.1420, 123.6290)
NEXT_DOOR = (-10.1425, 123.6294)
FAR = (-10.1800, 123.5900)


_telegram_ids = count(7001)


async def file(
    repo: Repository,
    title: str,
    description: str,
    *,
    category: str = "infrastruktur",
    reporter_id: int | None = None,
    where: tuple[float, float] | None = None,
    confidential: bool = False,
) -> Report:
    if reporter_id is None:
        reporter_id = (await repo.ensure_reporter(next(_telegram_ids))).id
    return await repo.submit_report(
        NewReport(
            reporter_id=reporter_id,
            channel=Channel.TELEGRAM,
            type=ReportType.PENGADUAN,
            category=category,
            title=title,
            description=description,
            latitude=where[0] if where else None,
            longitude=where[1] if where else None,
            confidential=confidential,
            stage=Stage.SUBMITTED,
            submitted_at=START,
        ),
        numbering=numbering("LAPOR", START, WITA),
    )


async def move(repo: Repository, report: Report, stage: str) -> None:
    before = await repo.report(report.id)
    assert before is not None
    event = NewEvent(
        START + timedelta(hours=1),
        ActorKind.SYSTEM,
        None,
        Action.CLOSE,
        before.stage,
        Stage(stage),
    )
    moved = await repo.apply_change(
        ReportChange(before.id, before.version, {"stage": stage}, event)
    )
    assert moved is not None


async def numbers_found(
    repo: Repository,
    title: str,
    description: str,
    *,
    category: str = "infrastruktur",
    where: tuple[float, float] | None = None,
    reporter_id: int | None = None,
) -> list[str]:
    found = await find_duplicates(
        repo,
        title=title,
        description=description,
        category=category,
        latitude=where[0] if where else None,
        longitude=where[1] if where else None,
        exclude_reporter_id=reporter_id,
    )
    return [d.number for d in found]


async def fill_with_other_complaints(repo: Repository) -> None:
    await file(repo, "Lampu jalan mati", "Lampu penerangan jalan di Oebobo mati sejak Senin malam.")
    await file(repo, "Air PDAM tidak mengalir", "Air PDAM di Kelurahan Fatululi tidak mengalir.")
    await file(repo, "Drainase tersumbat", "Selokan di Jalan Frans Seda tersumbat sampah plastik.")


async def test_another_reporters_open_report_about_the_same_pothole_is_found(
    repo: Repository,
) -> None:
    await fill_with_other_complaints(repo)
    original = await file(repo, "Jalan berlubang di Oesapa", POTHOLE)
    assert await numbers_found(repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN) == [
        original.number
    ]


async def test_a_different_problem_in_the_same_place_is_not_offered(repo: Repository) -> None:
    await file(repo, "Jalan berlubang di Oesapa", POTHOLE)
    assert (
        await numbers_found(
            repo,
            "Sampah menumpuk di Oesapa",
            "Sampah rumah tangga menumpuk di pinggir pasar Oesapa dan tidak diangkut petugas.",
        )
        == []
    )


async def test_reports_of_another_category_are_not_offered(repo: Repository) -> None:
    await file(repo, "Jalan berlubang di Oesapa", POTHOLE, category="layanan")
    assert await numbers_found(repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN) == []


@pytest.mark.parametrize(
    "category", ["air_bersih", "jalan", "Pelayanan Publik", "kesehatan ibu-anak"]
)
async def test_the_category_is_matched_whole_and_never_as_a_word(
    repo: Repository, category: str
) -> None:
    # The index keeps the category as one token (migration 0014): a category named like a word
    # of the draft, or made of several words, is only its own.
    same = await file(repo, "Jalan berlubang di Oesapa", POTHOLE, category=category)
    await file(repo, "Jalan berlubang di Oesapa", POTHOLE, category=f"{category}_lain")
    await file(repo, "Jalan berlubang di Oesapa", POTHOLE, category="air")
    assert await numbers_found(
        repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN, category=category
    ) == [same.number]


@pytest.mark.parametrize("stage", ["closed", "rejected", "duplicate", "answered"])
async def test_a_report_no_longer_being_handled_leaves_the_candidates(
    repo: Repository, stage: str
) -> None:
    original = await file(repo, "Jalan berlubang di Oesapa", POTHOLE)
    await move(repo, original, "disposed")
    assert await numbers_found(repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN) == [
        original.number
    ]
    await move(repo, original, stage)
    assert await numbers_found(repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN) == []


async def test_a_reopened_report_comes_back(repo: Repository) -> None:
    original = await file(repo, "Jalan berlubang di Oesapa", POTHOLE)
    await move(repo, original, "answered")
    await move(repo, original, "in_progress")  # "belum puas": reopened
    assert await numbers_found(repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN) == [
        original.number
    ]


async def test_confidential_reports_are_never_shown_to_other_citizens(repo: Repository) -> None:
    await file(repo, "Jalan berlubang di Oesapa", POTHOLE, confidential=True)
    assert await numbers_found(repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN) == []


async def test_the_reporters_own_reports_are_left_to_the_own_report_check(
    repo: Repository,
) -> None:
    mine = await file(repo, "Jalan berlubang di Oesapa", POTHOLE)
    found = await numbers_found(
        repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN, reporter_id=mine.reporter_id
    )
    assert found == []


async def test_when_both_are_pinned_only_a_report_nearby_is_offered(repo: Repository) -> None:
    far = await file(repo, "Jalan berlubang di Oesapa", POTHOLE, where=FAR)
    near = await file(repo, "Jalan berlubang di Oesapa", POTHOLE, where=NEXT_DOOR)
    unpinned = await file(repo, "Jalan berlubang di Oesapa", POTHOLE)
    found = await numbers_found(repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN, where=HERE)
    assert near.number in found
    assert unpinned.number in found
    assert far.number not in found
    assert found[0] == near.number, "a report pinned close by comes first"
    # Without a pin of its own, the draft cannot tell near from far: all three are candidates.
    assert len(await numbers_found(repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN)) == 3


async def test_a_report_pinned_next_door_is_offered_even_when_worded_differently(
    repo: Repository,
) -> None:
    near = await file(
        repo,
        "Jalan rusak parah",
        "Aspal di ruas depan sekolah hancur, banyak lubang dan genangan air saat hujan.",
        where=NEXT_DOOR,
    )
    found = await numbers_found(
        repo,
        "Jalan rusak berlubang",
        "Ruas jalan depan sekolah rusak, lubang dalam dan tergenang air ketika hujan turun.",
        where=HERE,
    )
    assert found == [near.number]


async def test_stop_words_are_left_out_of_the_search(repo: Repository) -> None:
    terms = search_terms("Mohon bapak segera", "Saya sudah lapor tapi belum ada yang datang juga")
    assert terms == ["datang"]
    assert {"yang", "dan", "di", "gak", "mohon"} <= stopwords()
    # A report sharing only common words with the draft is not a candidate.
    await file(
        repo,
        "Mohon segera ditindak",
        "Saya sudah lapor berkali-kali tapi belum ada yang datang juga sampai sekarang pak.",
    )
    assert (
        await numbers_found(
            repo,
            "Mohon segera diperbaiki",
            "Saya sudah lapor tapi belum ada yang datang juga, jembatan gantung Noelbaki putus.",
        )
        == []
    )


async def test_other_databases_fall_back_to_like_over_recent_reports(repo: Repository) -> None:
    original = await file(repo, "Jalan berlubang di Oesapa", POTHOLE)
    await file(repo, "Jalan berlubang di Oesapa", POTHOLE, category="layanan")
    repo.db.is_sqlite = False  # the LIKE path is plain SQLAlchemy: SQLite runs it too
    assert await numbers_found(repo, "Lubang di depan SD Oesapa", POTHOLE_AGAIN) == [
        original.number
    ]


async def test_following_another_reporters_open_report(repo: Repository) -> None:
    original = await file(repo, "Jalan berlubang di Oesapa", POTHOLE)
    neighbour = await repo.ensure_reporter(8801)
    assert await repo.follow_report(original.id, neighbour.id)
    assert await repo.follow_report(original.id, neighbour.id), "following twice is harmless"
    assert [r.id for r in await repo.followers_of(original.id)] == [neighbour.id]
    assert await repo.follower_count(original.id) == 1
    assert not await repo.follow_report(original.id, original.reporter_id), "not one's own"
    await move(repo, original, "closed")
    late = await repo.ensure_reporter(8802)
    assert not await repo.follow_report(original.id, late.id), "not a closed report"


def test_folding_lowers_ascii_and_strips_diacritics_as_the_index_does() -> None:
    assert fold("Jalan RUSAK di Oesapa, RT 03") == "jalan rusak di oesapa, rt 03"
    assert fold("Désa Ôeba: jalan licin") == "desa oeba: jalan licin"
    assert fold("STRAẞE ﬁle") == "strasse file"
