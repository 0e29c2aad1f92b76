"""Time the duplicate check against a million reports (issue 6: p99 under 20 ms).

Run: .venv/bin/python bench/duplicates_bench.py [--reports N] [--open-share F] [--checks N]

Fills a temporary SQLite file through the real migrations (so the FTS5 triggers index the open
reports as they are inserted) with reports written from templates and word lists: four
categories, formal and informal registers, thousands of place names, 40% with a map pin around
thirty towns, 5% `rahasia`. Then runs the check a citizen's description goes through
(bot.services.duplicates.find_duplicates: search words, the capped word counts, the FTS5 query
ranked by bm25, the bounding box on the location index, rapidfuzz) for new drafts, a third of
them a retelling of an open report, and prints p50 and p99 and how often the retold report was
offered.

Measured on the 2-core development container (Python 3.11, SQLite 3.40), defaults (about 2.5
minutes, most of it the fill):
    reports                   1,000,000 in 136 s (713 MiB)
      open, searchable        79,231 (open share 10%)
    duplicate checks          1,000 (333 retell an open report)
      p50                       6.99 ms
      p99                      14.19 ms
      max                      18.12 ms
    retold report offered      90.7%
The synthetic texts share far more words than real complaints do (a few templates), so "checks
with an offer" (75%) says more about the generator than about the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from bot.services.duplicates import find_duplicates
from storage import tables as t
from storage.database import Database
from storage.repository import Repository

BATCH = 20_000
REPORTERS = 100_000
NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
OPEN = ("submitted", "disposed", "in_progress", "awaiting_approval", "needs_info", "answered")
CLOSED = ("closed", "closed", "closed", "rejected", "duplicate")

# --- words -----------------------------------------------------------------------------------

SYLLABLES = [
    "oe",
    "ba",
    "sa",
    "pa",
    "ne",
    "li",
    "ka",
    "tu",
    "ma",
    "ko",
    "la",
    "ta",
    "be",
    "no",
    "fa",
    "ru",
    "si",
    "na",
    "le",
    "bo",
    "ku",
    "wa",
    "mo",
    "ha",
    "ti",
    "da",
    "lo",
    "ke",
    "ra",
    "nu",
    "bi",
    "te",
    "me",
    "pu",
    "so",
    "de",
    "ga",
    "ho",
    "mi",
    "lu",
    "po",
    "we",
]
KNOWN_PLACES = [
    "Oesapa",
    "Oebobo",
    "Kelapa",
    "Lima",
    "Fatululi",
    "Naikoten",
    "Oepura",
    "Sikumana",
    "Liliba",
    "Penfui",
    "Maulafa",
    "Alak",
    "Bakunase",
    "Kuanino",
    "Nunbaun",
    "Naikolan",
    "Oeba",
    "Fontein",
    "Airnona",
    "Noelbaki",
    "Tarus",
    "Baumata",
    "Camplong",
    "Soe",
    "Kefamenanu",
    "Atambua",
    "Betun",
    "Kalabahi",
    "Lewoleba",
    "Larantuka",
    "Maumere",
    "Ende",
    "Bajawa",
    "Ruteng",
    "Labuan",
    "Bajo",
    "Waingapu",
    "Waikabubak",
    "Tambolaka",
    "Rote",
    "Sabu",
    "Tanjung",
    "Selor",
    "Tideng",
    "Pale",
    "Pangkalpinang",
    "Gerunggang",
    "Bukit",
    "Intan",
    "Rangkui",
    "Taman",
    "Sari",
    "Girimaya",
    "Sesetan",
    "Pemecutan",
    "Mataram",
    "Ampenan",
]
PEOPLE = [
    "Soekarno",
    "Hatta",
    "El",
    "Tari",
    "Timor",
    "Raya",
    "Frans",
    "Seda",
    "Sudirman",
    "Ahmad",
    "Yani",
    "Diponegoro",
    "Cak",
    "Doko",
    "Moh",
    "Hatta",
    "Adisucipto",
    "Piet",
    "Tallo",
    "Herman",
    "Johannes",
    "Kartini",
    "Gatot",
    "Subroto",
    "Veteran",
    "Perintis",
]
TOWNS = [
    (-10.17 + random.Random(i).uniform(-3, 3), 123.6 + random.Random(-i).uniform(-5, 8))
    for i in range(30)
]


def place_name(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(KNOWN_PLACES)
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


@dataclass(frozen=True)
class Topic:
    """A kind of complaint: its category, what it is about, what is wrong, what follows."""

    category: str
    things: tuple[str, ...]
    problems: tuple[str, ...]
    effects: tuple[str, ...]


TOPICS = (
    Topic(
        "infrastruktur",
        (
            "jalan",
            "jembatan",
            "lampu jalan",
            "saluran air",
            "selokan",
            "trotoar",
            "gorong-gorong",
            "pipa PDAM",
            "tanggul",
            "jalan desa",
            "jembatan gantung",
            "talud",
            "drainase",
        ),
        (
            "berlubang",
            "rusak parah",
            "putus",
            "mati",
            "tersumbat",
            "bocor",
            "ambruk",
            "retak",
            "tergenang",
            "longsor",
            "tidak mengalir",
            "keruh",
            "amblas",
        ),
        (
            "pengendara motor sering jatuh",
            "anak sekolah tidak bisa lewat",
            "warga kesulitan air",
            "banjir setiap hujan",
            "gelap dan rawan kecelakaan",
            "kendaraan harus memutar jauh",
            "bau busuk menyebar ke rumah warga",
            "truk pengangkut hasil kebun tidak bisa masuk",
        ),
    ),
    Topic(
        "layanan",
        (
            "KTP elektronik",
            "kartu keluarga",
            "akta kelahiran",
            "izin usaha",
            "puskesmas",
            "rumah sakit umum",
            "sekolah negeri",
            "BPJS",
            "surat keterangan",
            "izin bangunan",
            "posyandu",
            "ambulans desa",
            "pelayanan dukcapil",
        ),
        (
            "tidak selesai",
            "ditolak tanpa alasan",
            "antre berjam-jam",
            "tutup di jam kerja",
            "dipersulit",
            "blanko habis",
            "petugas tidak ada",
            "sistem selalu gangguan",
            "obat kosong",
            "dokter tidak datang",
            "dipungut biaya",
        ),
        (
            "warga harus bolak-balik",
            "pasien dirujuk ke kota",
            "anak tidak bisa mendaftar sekolah",
            "bantuan sosial tidak cair",
            "usaha kecil kami terhenti",
            "lansia menunggu seharian",
        ),
    ),
    Topic(
        "aparatur",
        (
            "petugas kelurahan",
            "oknum pegawai",
            "kepala desa",
            "staf kecamatan",
            "petugas parkir",
            "satpol PP",
            "guru honorer",
            "pegawai dinas",
            "petugas pasar",
            "operator sekolah",
        ),
        (
            "meminta uang pelicin",
            "memungut biaya di luar aturan",
            "bersikap kasar",
            "tidak masuk kerja",
            "menyalahgunakan wewenang",
            "menahan berkas",
            "meminta imbalan",
            "berjudi di jam kerja",
            "menjual bantuan",
        ),
        (
            "warga takut melapor",
            "banyak warga dirugikan",
            "pelayanan terhenti",
            "kepercayaan warga hilang",
            "pedagang kecil merugi",
        ),
    ),
    Topic(
        "lainnya",
        (
            "sampah",
            "anjing liar",
            "kebisingan",
            "pasar",
            "terminal",
            "taman kota",
            "kuburan umum",
            "lapangan",
            "pantai",
            "hutan kota",
        ),
        (
            "menumpuk",
            "tidak diangkut",
            "berkeliaran",
            "kotor",
            "tidak terurus",
            "dibakar",
            "rusak",
            "gelap",
            "penuh pedagang liar",
        ),
        (
            "bau menyengat",
            "anak-anak digigit",
            "warga terganggu",
            "lalat di mana-mana",
            "wisatawan mengeluh",
        ),
    ),
)
SINCE = (
    "sejak dua bulan lalu",
    "sudah seminggu",
    "sejak awal tahun",
    "sudah tiga hari",
    "sejak musim hujan",
    "sudah lama sekali",
    "sejak Lebaran",
    "dari bulan kemarin",
)
OPENINGS = (
    "",
    "",
    "Dengan hormat, ",
    "Selamat siang, ",
    "Pak, ",
    "Mohon perhatian, ",
    "Min, ",
    "Kami warga RT {rt} melaporkan bahwa ",
)
CLOSINGS = (
    "",
    "Mohon segera ditindaklanjuti.",
    "Tolong diperbaiki secepatnya.",
    "Terima kasih.",
    "Kami sudah lapor ke kelurahan tapi belum ada tindakan.",
    "udah lapor berkali2 tp gak ada respon.",
    "Mohon perhatian dinas terkait.",
)


def complaint(rng: random.Random) -> tuple[str, str, str]:
    """Return (category, title, description) of a plausible complaint."""
    topic = rng.choice(TOPICS)
    thing, problem = rng.choice(topic.things), rng.choice(topic.problems)
    place = place_name(rng)
    street = f"Jl. {rng.choice(PEOPLE)}" if rng.random() < 0.4 else f"RT {rng.randint(1, 30):02d}"
    title = rng.choice(
        (
            f"{thing.capitalize()} {problem} di {place}",
            f"{thing.capitalize()} di {place} {problem}",
            f"Keluhan {thing} {place}",
        )
    )
    opening = rng.choice(OPENINGS).format(rt=rng.randint(1, 30))
    body = rng.choice(
        (
            f"{thing.capitalize()} di {street}, {place} {problem} {rng.choice(SINCE)}, "
            f"{rng.choice(topic.effects)}.",
            f"Di {place}, dekat {street}, {thing} {problem}. Akibatnya {rng.choice(topic.effects)} "
            f"{rng.choice(SINCE)}.",
            f"{thing} {problem} terus di {place} {rng.choice(SINCE)}, {rng.choice(topic.effects)}, "
            f"dan {rng.choice(topic.effects)}.",
        )
    )
    closing = rng.choice(CLOSINGS)
    description = f"{opening}{body} {closing}".strip()
    if rng.random() < 0.15:
        description = description.lower()
    return topic.category, title, description[:1].upper() + description[1:]


def retelling(rng: random.Random, title: str, description: str) -> tuple[str, str]:
    """Return the same complaint as another citizen might tell it: words moved, some changed."""
    words = description.replace(",", "").replace(".", "").split()
    rng.shuffle(words)
    keep = words[: max(8, int(len(words) * 0.8))]
    extra = rng.choice(("Tolong dicek.", "Sudah parah sekali.", "Mohon bantuannya pak.", ""))
    return title, f"{' '.join(keep)} {extra}".strip()


# --- filling ---------------------------------------------------------------------------------


def report_rows(
    rng: random.Random, first: int, count: int, open_share: float
) -> list[dict[str, Any]]:
    rows = []
    for n in range(first, first + count):
        category, title, description = complaint(rng)
        is_open = rng.random() < open_share
        submitted = NOW - timedelta(days=rng.randint(0, 30 if is_open else 1800))
        lat = lon = None
        if rng.random() < 0.4:
            town = rng.choice(TOWNS)
            lat, lon = town[0] + rng.gauss(0, 0.03), town[1] + rng.gauss(0, 0.03)
        rows.append(
            {
                "number": f"LAPOR-{submitted.year}-{n:07d}",
                "reporter_id": rng.randint(1, REPORTERS),
                "channel": "telegram",
                "type": "pengaduan",
                "category": category,
                "title": title[:200],
                "description": description,
                "latitude": lat,
                "longitude": lon,
                "confidential": rng.random() < 0.05,
                "stage": rng.choice(OPEN) if is_open else rng.choice(CLOSED),
                "stage_started_at": submitted,
                "submitted_at": submitted,
                "updated_at": submitted,
            }
        )
    return rows


async def fill(db: Database, total: int, open_share: float, rng: random.Random) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(t.reporters),
            [
                {"telegram_user_id": 10_000 + n, "created_at": NOW, "updated_at": NOW}
                for n in range(REPORTERS)
            ],
        )
    done = 0
    while done < total:
        rows = report_rows(rng, done + 1, min(BATCH, total - done), open_share)
        async with db.write() as conn:
            await conn.execute(insert(t.reports), rows)
        done += len(rows)
        if done % 200_000 == 0:
            print(f"  {done:>9,} reports", flush=True)


# --- measuring -------------------------------------------------------------------------------


async def open_samples(db: Database, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Return open, non-confidential reports to retell (read by id: no scan)."""
    async with db.read() as conn:
        top = (await conn.execute(select(func.max(t.reports.c.id)))).scalar_one()
        samples: list[dict[str, Any]] = []
        while len(samples) < count:
            ids = [rng.randint(1, top) for _ in range(200)]
            rows = await conn.execute(select(t.reports).where(t.reports.c.id.in_(ids)))
            for row in rows:
                m = row._mapping
                if m["stage"] in OPEN[:-1] and not m["confidential"]:
                    samples.append(dict(m))
        return samples[:count]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(repo: Repository, checks: int, rng: random.Random) -> None:
    samples = await open_samples(repo.db, checks // 3, rng)
    drafts = []
    for sample in samples:
        title, description = retelling(rng, sample["title"], sample["description"])
        drafts.append(
            (
                sample["category"],
                title,
                description,
                sample["latitude"],
                sample["longitude"],
                sample["id"],
            )
        )
    while len(drafts) < checks:
        category, title, description = complaint(rng)
        lat = lon = None
        if rng.random() < 0.4:
            town = rng.choice(TOWNS)
            lat, lon = town[0] + rng.gauss(0, 0.03), town[1] + rng.gauss(0, 0.03)
        drafts.append((category, title, description, lat, lon, None))
    rng.shuffle(drafts)

    async def check(draft: tuple[Any, ...]) -> tuple[float, list[int]]:
        category, title, description, lat, lon, _source = draft
        start = time.perf_counter()
        found = await find_duplicates(
            repo,
            title=title,
            description=description,
            category=category,
            latitude=lat,
            longitude=lon,
            exclude_reporter_id=REPORTERS + 1,
        )
        return (time.perf_counter() - start) * 1000, [d.id for d in found]

    for draft in drafts[:20]:  # open the files and fill the page cache; not counted
        await check(draft)
    times, offered, retold, recalled = [], 0, 0, 0
    for draft in drafts:
        elapsed, ids = await check(draft)
        times.append(elapsed)
        offered += bool(ids)
        if draft[5] is not None:
            retold += 1
            recalled += draft[5] in ids
    print(f"duplicate checks          {len(times):,} ({retold:,} retell an open report)")
    print(f"  p50                     {percentile(times, 0.50):6.2f} ms")
    print(f"  p99                     {percentile(times, 0.99):6.2f} ms")
    print(f"  max                     {max(times):6.2f} ms")
    print(f"  mean                    {statistics.fmean(times):6.2f} ms")
    print(f"retold report offered     {recalled / max(retold, 1):6.1%}")
    print(f"checks with an offer      {offered / len(times):6.1%}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--open-share", type=float, default=0.10)
    parser.add_argument("--checks", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await db.upgrade()
        started = time.perf_counter()
        await fill(db, args.reports, args.open_share, rng)
        filled = time.perf_counter() - started
        async with db.read() as conn:
            indexed = (await conn.execute(text("SELECT count(*) FROM report_search"))).scalar()
        size = (Path(folder) / "bench.db").stat().st_size / 2**20
        print(f"reports                   {args.reports:,} in {filled:.0f} s ({size:,.0f} MiB)")
        print(f"  open, searchable        {indexed:,} (open share {args.open_share:.0%})")
        await measure(Repository(db), args.checks, rng)
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
