"""Build the 1,000,000-report world of issue 15: one builder every 1M bench reuses.

Run: .venv/bin/python bench/million.py --db PATH [--count N] [--seed S]
     .venv/bin/python bench/million.py --db postgresql+asyncpg://user@host/db [--count N]

The world, at the fixed moment `NOW` (Wednesday 2 December 2026, 10:00 WIB, the office open),
under the national profile (profiles/nasional.toml):

- `count` reports filed evenly over the three years before `NOW` (913 a day at 1M), numbered
  LAPOR-<year>-<n> with the counters table in step; about 70 % came through Telegram, the rest were
  recorded by staff (channels without a Telegram reporter).
- About 100,000 open: every report of the last 60 working days is still being handled (submitted,
  disposed, in progress, answered and waiting for a rating, or waiting for the reporter's answer),
  plus a tail of old ones stuck at the unit. About 20,000 are past a due time (the old tail, and
  reports never disposed) and carry no marks: the catch-up the first sweep must fire (a restore,
  or a bot that was stopped). `Built.overdue` holds the exact count (the world is a function of
  `count` and `seed`).
- SLA marks (rows of sla_marks) as the running bot wrote them: open reports that are not
  overdue carry the warning mark if its moment has passed (computed with the real calendar);
  closed reports carry the end-to-end marks that fired in their life (warned, breached,
  escalated) and, where a clock ran out, the first breach (a row of sla_breaches).
- Audit rows (report_events) for each step of every report's life (about 4.5 a report).
- 300,000 reporters (one in three reports by a returning citizen), 43 staff with the national
  profile's roles (4 admins, 5 liaison officers per unit for the 6 units, 3 heads, 6 viewers), all
  with a private chat.
- Sent outbox rows as a running bot accumulates them: the reporter's notices (receipt, disposal,
  answer) and the group card with its edits, about `OUTBOX_PER_REPORT` a report, all `sent`
  (none pending), so that pruning has something to prune.

Personal data (the encrypted reporter columns) stays empty, attachments, followers and
message_links are not built.

SQLite: the schema comes from `Database.upgrade()` (the current migrations), then the rows go in
through the sqlite3 module with the secondary indexes dropped during the load and re-created from
their own SQL afterwards (the FTS5 triggers stay, so report_search holds the open reports).
PostgreSQL (any other SQLAlchemy URL): the same rows through SQLAlchemy Core (`insert()` with
executemany batches) after `Database.upgrade()`; slower, and indexes are kept during the load.
The personal-data keys come from DATA_KEYS (none is used: the columns stay empty). Tried with
3,000 reports on the suite's throw-away server (tests/pg.py): 34 s with the server's start.

`build()` returns a `Built` with the counts; the CLI prints them with the build's wall and CPU
time, the file size and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.domain.clock import WorkCalendar
from bot.domain.profile import Profile, ServiceLevel, load_profile
from bot.domain.thresholds import Marks, Threshold, reached, shift, warn_moment
from bot.domain.tracking import counter_name
from bot.domain.vocabulary import Stage
from storage.database import Database
from storage.repo.sla import MARK_NAMES

# Wednesday 2 December 2026, 10:00 WIB: the office is open.
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
YEARS = 3
PROFILE = "nasional"
GROUP_CHAT = -1001234567890
REPORTERS = 300_000
OUTBOX_PER_REPORT = 4.0
BATCH = 20_000
UNITS = (
    ("sekretariat", "Sekretariat Daerah", "opd"),
    ("dinkes", "Dinas Kesehatan", "opd"),
    ("disdik", "Dinas Pendidikan", "opd"),
    ("dukcapil", "Dinas Kependudukan dan Pencatatan Sipil", "opd"),
    ("pupr", "Dinas Pekerjaan Umum dan Penataan Ruang", "opd"),
    ("rsud", "Rumah Sakit Umum Daerah", "rs"),
)
STAFF_CHANNELS = ("tatap_muka", "surat", "telepon", "email", "lapor", "sms")
TYPES = ("pengaduan", "pengaduan", "pengaduan", "pengaduan", "aspirasi", "informasi")
CATEGORIES = (
    "infrastruktur",
    "kesehatan",
    "pendidikan",
    "administrasi_kependudukan",
    "lingkungan",
    "pelayanan_publik",
    "ketertiban",
    "air_bersih",
    "listrik",
    "transportasi",
)
SUBJECTS = (
    "jalan rusak",
    "lampu jalan mati",
    "sampah menumpuk",
    "air PDAM keruh",
    "antrean KTP elektronik",
    "pungutan liar",
    "guru jarang hadir",
    "obat puskesmas habis",
    "saluran air tersumbat",
    "jembatan retak",
    "banjir",
    "pelayanan lambat",
    "petugas tidak ramah",
    "akta kelahiran belum terbit",
    "BPJS ditolak",
    "sekolah rusak",
    "pohon tumbang",
    "parkir liar",
    "kartu keluarga salah nama",
    "listrik padam",
    "ambulans terlambat",
    "bantuan sosial tidak tepat sasaran",
    "izin usaha berbelit",
    "trotoar dipakai pedagang",
)
PLACES = (
    "Oebobo",
    "Kelapa Lima",
    "Maulafa",
    "Alak",
    "Kota Raja",
    "Kota Lama",
    "Tideng Pale",
    "Sesayap",
    "Bukit Intan",
    "Girimaya",
    "Rangkui",
    "Taman Sari",
    "Gerunggang",
    "Pangkal Balam",
    "Sesayap Hilir",
    "Tana Lia",
    "Betun",
    "Atambua",
    "Soe",
    "Kefamenanu",
)
_TEXT = (
    "warga mengeluhkan kondisi ini sudah berlangsung lama tanpa tindak lanjut dari dinas terkait"
    " mohon segera diperbaiki karena membahayakan pengguna jalan dan anak sekolah setiap pagi"
    " kami sudah melapor ke kelurahan namun belum ada jawaban petugas datang sekali lalu pergi"
    " biaya yang diminta tidak sesuai aturan antrean panjang sejak subuh sistem sering gangguan"
)
WORDS = tuple(_TEXT.split(" "))

# A working day as calendar time (five in a week), for the closed reports, whose due times need
# not be exact: no sweep looks at a closed report.
WORKING_DAY = timedelta(days=7 / 5)


@dataclass
class Built:
    """What the builder wrote."""

    reports: int = 0
    open: int = 0
    overdue: int = 0
    events: int = 0
    outbox: int = 0
    reporters: int = 0
    staff: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    counters: list[tuple[str, int]] = field(default_factory=list)


def _iso(value: datetime | None) -> str | None:
    """Return a naive UTC time as SQLAlchemy's SQLite DateTime stores it."""
    return None if value is None else value.isoformat(" ", "microseconds")


def _json_text(text: str) -> str:
    return str(json.encoder.encode_basestring(text))


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


@dataclass
class _World:
    """The pieces of the profile the builder needs, with naive-UTC calendar helpers."""

    profile: Profile
    calendar: WorkCalendar
    submitted: ServiceLevel
    disposed: ServiceLevel
    final: ServiceLevel
    needs_info: ServiceLevel
    answered: ServiceLevel
    escalate_after: ServiceLevel

    @classmethod
    def load(cls) -> _World:
        profile = load_profile(PROFILE)
        submitted = profile.service_level(Stage.SUBMITTED)
        disposed = profile.service_level(Stage.DISPOSED)
        final = profile.end_to_end.default
        assert submitted is not None
        assert disposed is not None
        assert final is not None
        return cls(
            profile,
            WorkCalendar.from_profile(profile),
            submitted,
            disposed,
            final,
            profile.limits.needs_info_close_after,
            profile.limits.answered_close_after,
            profile.limits.escalate_after_breach,
        )

    def due(self, start: datetime, level: ServiceLevel) -> datetime:
        return _naive(self.calendar.due_at(start.replace(tzinfo=UTC), level))

    def back(self, end: datetime, level: ServiceLevel) -> datetime:
        """Return the latest start whose due time under `level` is not after `end`."""
        return _naive(shift(self.calendar, end.replace(tzinfo=UTC), level, -level.amount))

    def warned(self, due: datetime, level: ServiceLevel) -> datetime | None:
        """Return when the bot warned about a clock due at `due` (None: not yet, at NOW)."""
        aware = due.replace(tzinfo=UTC)
        none = Marks(None, None, None)
        fired = reached(self.calendar, NOW, aware, level, none, self.escalate_after)
        if fired is None:
            return None
        assert fired is Threshold.WARN, "a report meant to be on time is overdue"
        moment = warn_moment(self.calendar, aware, level)
        assert moment is not None
        return _naive(moment) + timedelta(seconds=90)


class _Rows:
    """Rows for each table, flushed in batches by a sink."""

    REPORT_COLUMNS = (
        "id",
        "number",
        "reporter_id",
        "channel",
        "type",
        "category",
        "title",
        "description",
        "location_text",
        "anonymous",
        "confidential",
        "stage",
        "unit_id",
        "stage_started_at",
        "stage_due_at",
        "final_due_at",
        "rating",
        "answer",
        "answered_at",
        "approval_level",
        "version",
        "submitted_at",
        "updated_at",
        "closed_at",
    )
    EVENT_COLUMNS = (
        "id",
        "report_id",
        "at",
        "actor_kind",
        "actor_staff_id",
        "action",
        "from_stage",
        "to_stage",
    )
    OUTBOX_COLUMNS = (
        "id",
        "chat_id",
        "kind",
        "payload",
        "report_id",
        "status",
        "attempts",
        "not_before",
        "sent_message_id",
        "created_at",
        "sent_at",
        "revision",
    )
    MARK_COLUMNS = ("report_id", "clock", "mark", "fired_at")
    BREACH_COLUMNS = ("report_id", "breached_at")

    def __init__(self) -> None:
        self.reports: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.outbox: list[tuple[Any, ...]] = []
        self.marks: list[tuple[Any, ...]] = []
        self.breaches: list[tuple[Any, ...]] = []


def _generate(count: int, seed: int, built: Built) -> Iterator[_Rows]:
    """Yield batches of rows as SQLite stores them (times as text, payloads as JSON text)."""
    world = _World.load()
    rng = random.Random(seed)
    now = _naive(NOW)
    start = now - timedelta(days=365 * YEARS)
    step = (now - start) / count
    # Every report filed after `recent` is still open; `submitted_since` are not disposed yet
    # (3 working days), `disposed_since` still at the unit (5 working days).
    recent = world.back(now, world.final)
    submitted_since = world.back(now, world.submitted)
    disposed_since = world.back(now, world.disposed)
    answer_since = world.back(now, world.answered)
    info_since = world.back(now, world.needs_info)
    # The share of older reports still open (stuck at the unit, overdue): ~20k at 1M.
    old_open = 0.0215
    liaisons = {unit: [100 + unit * 10 + k for k in range(5)] for unit in range(1, 7)}
    operators = [1, 2, 3, 4]
    years: dict[int, int] = {}
    rows = _Rows()
    event_id = 0
    outbox_id = 0
    message_id = 1000
    outbox_share = OUTBOX_PER_REPORT / 6  # six candidate notices in a full life

    def event(
        report: int, at: datetime, actor: str, staff: int | None, action: str, a: str | None, b: str
    ) -> None:
        nonlocal event_id
        event_id += 1
        rows.events.append((event_id, report, _iso(at), actor, staff, action, a, b))

    def notice(report: int, chat: int | None, at: datetime, text: str, edit: bool = False) -> None:
        nonlocal outbox_id, message_id
        if chat is None or rng.random() > outbox_share:
            return
        outbox_id += 1
        message_id += 1
        # The payload as the JSON column stores it, written directly (json.dumps is slow).
        payload = '{"text": ' + _json_text(text) + ', "parse_mode": "HTML"'
        if edit:
            payload += f', "message_id": {message_id - 7}'
        payload += "}"
        created = _iso(at)
        sent = _iso(at + timedelta(seconds=rng.randint(1, 20)))
        kind = "edit_message_text" if edit else "send_message"
        rows.outbox.append(
            (
                outbox_id,
                chat,
                kind,
                payload,
                report,
                "sent",
                1,
                created,
                message_id,
                created,
                sent,
                0,
            )
        )

    for i in range(1, count + 1):
        filed = start + step * i + timedelta(seconds=rng.randint(0, 59))
        year = filed.year
        years[year] = years.get(year, 0) + 1
        number = f"LAPOR-{year}-{years[year]:06d}"
        telegram = rng.random() < 0.7
        channel = "telegram" if telegram else rng.choice(STAFF_CHANNELS)
        # Reporters 1..270,000 have Telegram; the rest were recorded by staff.
        if telegram:
            reporter = rng.randint(1, REPORTERS * 9 // 10)
            chat: int | None = 500_000_000 + reporter
        else:
            reporter = rng.randint(REPORTERS * 9 // 10 + 1, REPORTERS)
            chat = None
        rtype = rng.choice(TYPES)
        category = rng.choice(CATEGORIES)
        subject = rng.choice(SUBJECTS)
        place = rng.choice(PLACES)
        title = f"{subject.capitalize()} di {place}"
        body = " ".join(rng.choices(WORDS, k=rng.randint(12, 30)))
        description = f"{subject.capitalize()} di Kel. {place}. {body}."
        unit = rng.randint(1, 6)
        liaison = rng.choice(liaisons[unit])
        operator = rng.choice(operators)
        anonymous = rng.random() < 0.08
        confidential = rng.random() < 0.03
        marks: dict[str, datetime | None] = dict.fromkeys(
            (
                "stage_warned_at",
                "final_warned_at",
                "final_breached_at",
                "final_escalated_at",
                "sla_breached_at",
            )
        )
        rating: int | None = None
        answer: str | None = None
        answered: datetime | None = None
        closed: datetime | None = None
        stage_due: datetime | None = None
        is_open = filed >= recent or rng.random() < old_open
        overdue = False
        version = 1
        event(
            i,
            filed,
            "reporter" if telegram else "staff",
            None if telegram else operator,
            "submit",
            None,
            "submitted",
        )
        notice(i, chat, filed, f"Laporan Anda {number} sudah kami terima: {title}.")
        notice(i, GROUP_CHAT, filed, f"📥 {number} · {title} · {category} · baru masuk")
        if is_open:
            final_due: datetime | None = world.due(filed, world.final)
            assert final_due is not None
            if filed >= submitted_since:
                stage, started = "submitted", filed
                stage_due = world.due(filed, world.submitted)
                unit_id: int | None = None
            elif filed >= recent and rng.random() < 0.02:
                # Never disposed: the admin's 3 days ran out.
                stage, started, unit_id = "submitted", filed, None
                stage_due = world.due(filed, world.submitted)
                overdue = True
            else:
                unit_id = unit
                disposed = filed + timedelta(hours=rng.randint(2, 40))
                disposed = min(disposed, now - timedelta(minutes=5))
                event(i, disposed, "staff", operator, "dispose", "submitted", "disposed")
                notice(i, GROUP_CHAT, disposed, f"📤 {number} → {UNITS[unit - 1][1]}", edit=True)
                version += 1
                stuck = filed < recent and rng.random() < 0.2
                if disposed >= disposed_since or stuck:
                    stage, started = "disposed", disposed
                    stage_due = world.due(disposed, world.disposed)
                    overdue = stuck
                else:
                    accepted = disposed + timedelta(hours=rng.randint(1, 30))
                    accepted = min(accepted, now - timedelta(minutes=4))
                    event(i, accepted, "staff", liaison, "accept", "disposed", "in_progress")
                    notice(i, chat, accepted, f"Laporan {number} sedang ditindaklanjuti.")
                    version += 1
                    stage, started, stage_due = "in_progress", accepted, None
                    overdue = final_due <= now
                    roll = rng.random()
                    if not overdue and roll < 0.12 and accepted < answer_since:
                        answered = answer_since + (now - answer_since) * rng.uniform(0.05, 0.95)
                        answer = "Terima kasih, laporan Anda sudah kami tindak lanjuti."
                        event(i, answered, "staff", liaison, "answer", "in_progress", "answered")
                        notice(i, chat, answered, f"Jawaban untuk {number}: {answer}")
                        version += 1
                        stage, started = "answered", answered
                        stage_due = world.due(answered, world.answered) if telegram else None
                    elif not overdue and telegram and roll > 0.97 and accepted < info_since:
                        asked = info_since + (now - info_since) * rng.uniform(0.05, 0.95)
                        event(i, asked, "staff", liaison, "ask_info", "in_progress", "needs_info")
                        notice(i, chat, asked, f"Petugas meminta keterangan untuk {number}.")
                        version += 1
                        stage, started = "needs_info", asked
                        stage_due = world.due(asked, world.needs_info)
                        final_due = None  # paused while the reporter owes an answer
            overdue = overdue or any(
                due is not None and due <= now
                for due in (stage_due if stage != "answered" else None, final_due)
            )
            if not overdue:
                # What the running bot marked: the warnings whose moment has passed.
                if stage in ("submitted", "disposed") and stage_due is not None:
                    level = world.submitted if stage == "submitted" else world.disposed
                    marks["stage_warned_at"] = world.warned(stage_due, level)
                elif stage == "needs_info" and stage_due is not None:
                    marks["stage_warned_at"] = world.warned(stage_due, world.needs_info)
                if final_due is not None and stage not in ("answered",):
                    marks["final_warned_at"] = world.warned(final_due, world.final)
            built.open += 1
            built.overdue += overdue
            updated = started
        else:
            # A closed life: the due time is approximate (weekends as office days).
            final_due = filed + WORKING_DAY * world.final.amount
            roll = rng.random()
            unit_id = unit
            if roll < 0.05:
                at = filed + timedelta(hours=rng.randint(2, 60))
                event(i, at, "staff", operator, "reject", "submitted", "rejected")
                notice(i, chat, at, f"Laporan {number} tidak dapat kami proses.")
                stage, started, closed, unit_id = "rejected", at, at, None
                version += 1
            elif roll < 0.07:
                at = filed + timedelta(hours=rng.randint(2, 60))
                event(i, at, "staff", operator, "mark_duplicate", "submitted", "duplicate")
                stage, started, closed, unit_id = "duplicate", at, at, None
                version += 1
            else:
                disposed = filed + timedelta(hours=rng.randint(2, 60))
                accepted = disposed + timedelta(hours=rng.randint(1, 72))
                answered = accepted + timedelta(days=rng.expovariate(1 / 25))
                closed = answered + timedelta(days=rng.choice((1, 2, 3, 14)))
                rating = rng.randint(1, 5)
                answer = "Terima kasih, laporan Anda sudah kami tindak lanjuti."
                event(i, disposed, "staff", operator, "dispose", "submitted", "disposed")
                notice(i, GROUP_CHAT, disposed, f"📤 {number} → {UNITS[unit - 1][1]}", edit=True)
                event(i, accepted, "staff", liaison, "accept", "disposed", "in_progress")
                notice(i, chat, accepted, f"Laporan {number} sedang ditindaklanjuti.")
                event(i, answered, "staff", liaison, "answer", "in_progress", "answered")
                notice(i, chat, answered, f"Jawaban untuk {number}: {answer}")
                notice(i, GROUP_CHAT, answered, f"✅ {number} · dijawab", edit=True)
                actor = "reporter" if telegram else "system"
                event(i, closed, actor, None, "rate" if telegram else "close", "answered", "closed")
                stage, started = "closed", closed
                version += 4
                assert world.final.warn_at is not None
                warn_at = final_due - WORKING_DAY * (world.final.amount - world.final.warn_at)
                if answered > warn_at:
                    marks["final_warned_at"] = warn_at + timedelta(minutes=3)
                if answered > final_due:
                    marks["final_breached_at"] = final_due + timedelta(minutes=3)
                    marks["sla_breached_at"] = final_due
                if answered > final_due + timedelta(days=1, hours=12):
                    marks["final_escalated_at"] = final_due + timedelta(days=1, minutes=3)
            updated = closed
        built.by_stage[stage] = built.by_stage.get(stage, 0) + 1
        rows.reports.append(
            (
                i,
                number,
                reporter,
                channel,
                rtype,
                category,
                title,
                description,
                f"Kel. {place}",
                anonymous,
                confidential,
                stage,
                unit_id,
                _iso(started),
                _iso(stage_due),
                _iso(final_due),
                rating,
                answer,
                _iso(answered),
                0,
                version,
                _iso(filed),
                _iso(updated),
                _iso(closed),
            )
        )
        # The marks are rows of sla_marks (migration 0011), the first breach of sla_breaches (0015).
        if marks["sla_breached_at"] is not None:
            rows.breaches.append((i, _iso(marks["sla_breached_at"])))
        rows.marks.extend(
            (i, *MARK_NAMES[name], _iso(at))
            for name, at in marks.items()
            if at is not None and name in MARK_NAMES
        )
        if len(rows.reports) >= BATCH:
            built.reports += len(rows.reports)
            built.events += len(rows.events)
            built.outbox += len(rows.outbox)
            yield rows
            rows = _Rows()
    built.reports += len(rows.reports)
    built.events += len(rows.events)
    built.outbox += len(rows.outbox)
    yield rows
    built.counters = [(counter_name("LAPOR", year), value) for year, value in sorted(years.items())]


def _people(built: Built) -> tuple[list[tuple[Any, ...]], ...]:
    """Return the reporters, units, staff and staff_units rows."""
    at = _iso(_naive(NOW) - timedelta(days=365 * YEARS + 30))
    reporters = [
        (n, 500_000_000 + n if n <= REPORTERS * 9 // 10 else None, "id", at, at)
        for n in range(1, REPORTERS + 1)
    ]
    units = [(n, code, name, kind, True, at) for n, (code, name, kind) in enumerate(UNITS, 1)]
    staff: list[tuple[Any, ...]] = []
    staff_units: list[tuple[Any, ...]] = []

    def member(sid: int, name: str, role: str) -> None:
        staff.append((sid, 700_000 + sid, name, role, True, at, at, at))

    for sid in (1, 2, 3, 4):
        member(sid, f"Admin SP4N {sid}", "operator")
    for sid in (5, 6, 7):
        member(sid, f"Pimpinan {sid}", "supervisor")
    for unit in range(1, 7):
        for k in range(5):
            sid = 100 + unit * 10 + k
            member(sid, f"Penghubung {UNITS[unit - 1][0]} {k + 1}", "liaison")
            staff_units.append((sid, unit))
    for sid in range(8, 14):
        member(sid, f"Pemantau {sid}", "viewer")
    built.reporters, built.staff = len(reporters), len(staff)
    return reporters, units, staff, staff_units


_PEOPLE_SQL = (
    "INSERT INTO reporters (id, telegram_user_id, language, created_at, updated_at)"
    " VALUES (?,?,?,?,?)",
    "INSERT INTO units (id, code, name, kind, active, created_at) VALUES (?,?,?,?,?,?)",
    "INSERT INTO staff (id, telegram_user_id, display_name, role, active, private_chat_at,"
    " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
    "INSERT INTO staff_units (staff_id, unit_id) VALUES (?,?)",
)


_TIME_COLUMNS = frozenset(
    (
        *(c for c in _Rows.REPORT_COLUMNS if c.endswith("_at")),
        "at",
        "not_before",
        "created_at",
        "updated_at",
        "private_chat_at",
        "sent_at",
        "fired_at",
        "breached_at",
    )
)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    marks = ",".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def _build_sqlite(path: Path, count: int, seed: int, built: Built) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    # No journal while loading a new file (a failed build is thrown away); WAL again after.
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-200000")
    # Secondary indexes are re-created from their own SQL after the load (much faster).
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('reports', 'report_events', 'outbox')"
    ).fetchall()
    con.execute("BEGIN")
    for name, _sql in indexes:
        con.execute(f"DROP INDEX {name}")
    for sql, people in zip(_PEOPLE_SQL, _people(built), strict=True):
        con.executemany(sql, people)
    reports_sql = _insert_sql("reports", _Rows.REPORT_COLUMNS)
    events_sql = _insert_sql("report_events", _Rows.EVENT_COLUMNS)
    outbox_sql = _insert_sql("outbox", _Rows.OUTBOX_COLUMNS)
    marks_sql = _insert_sql("sla_marks", _Rows.MARK_COLUMNS)
    breaches_sql = _insert_sql("sla_breaches", _Rows.BREACH_COLUMNS)
    for rows in _generate(count, seed, built):
        con.executemany(reports_sql, rows.reports)
        con.executemany(events_sql, rows.events)
        con.executemany(outbox_sql, rows.outbox)
        con.executemany(marks_sql, rows.marks)
        con.executemany(breaches_sql, rows.breaches)
    con.executemany("INSERT INTO counters (name, value) VALUES (?, ?)", built.counters)
    con.execute("COMMIT")
    for _name, sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()


async def _build_core(url: str, count: int, seed: int, built: Built) -> None:
    """Load the rows through SQLAlchemy Core (PostgreSQL and any other backend)."""
    from sqlalchemy import insert, text

    from storage import tables as t

    # A database other than SQLite needs its personal-data keys (no personal data is written).
    keys = [k for k in os.environ.get("DATA_KEYS", "").split(",") if k]
    db = Database(url, keys)
    await db.upgrade()

    def dicts(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            values = {}
            for column, value in zip(columns, row, strict=True):
                if column in _TIME_COLUMNS and value is not None:
                    value = datetime.fromisoformat(value).replace(tzinfo=UTC)
                elif column == "payload":
                    value = json.loads(value)
                values[column] = value
            out.append(values)
        return out

    people_tables = (
        (t.reporters, ("id", "telegram_user_id", "language", "created_at", "updated_at")),
        (t.units, ("id", "code", "name", "kind", "active", "created_at")),
        (
            t.staff,
            (
                "id",
                "telegram_user_id",
                "display_name",
                "role",
                "active",
                "private_chat_at",
                "created_at",
                "updated_at",
            ),
        ),
        (t.staff_units, ("staff_id", "unit_id")),
    )
    async with db.write() as conn:
        for (table, columns), people in zip(people_tables, _people(built), strict=True):
            for k in range(0, len(people), BATCH):
                await conn.execute(insert(table), dicts(columns, people[k : k + BATCH]))
    for rows in _generate(count, seed, built):
        async with db.write() as conn:
            await conn.execute(insert(t.reports), dicts(_Rows.REPORT_COLUMNS, rows.reports))
            await conn.execute(insert(t.report_events), dicts(_Rows.EVENT_COLUMNS, rows.events))
            if rows.outbox:
                await conn.execute(insert(t.outbox), dicts(_Rows.OUTBOX_COLUMNS, rows.outbox))
            if rows.marks:
                await conn.execute(insert(t.sla_marks), dicts(_Rows.MARK_COLUMNS, rows.marks))
            if rows.breaches:
                await conn.execute(
                    insert(t.sla_breaches), dicts(_Rows.BREACH_COLUMNS, rows.breaches)
                )
    async with db.write() as conn:
        await conn.execute(insert(t.counters), [{"name": n, "value": v} for n, v in built.counters])
        if db.url.get_backend_name() == "postgresql":
            # Explicit ids were inserted: move the sequences past them.
            for name in ("reporters", "units", "staff", "reports", "report_events", "outbox"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                        f" (SELECT max(id) FROM {name}))"
                    )
                )
    await db.dispose()


def build(url_or_path: str | Path, count: int = 1_000_000, seed: int = 15) -> Built:
    """Build the world into a new SQLite file (a path) or an empty database (a URL)."""
    built = Built()
    target = str(url_or_path)
    if "://" not in target:
        path = Path(target)
        if path.exists():
            raise FileExistsError(f"{path} exists: the builder makes a new file")

        async def schema() -> None:
            db = Database(f"sqlite+aiosqlite:///{path}")
            await db.upgrade()
            await db.dispose()

        asyncio.run(schema())
        _build_sqlite(path, count, seed, built)
    elif target.startswith("sqlite"):
        path = Path(target.split("///", 1)[1])
        return build(path, count, seed)
    else:
        asyncio.run(_build_core(target, count, seed, built))
    return built


def main() -> None:
    """Build the world and print what was built, how long it took and the file's size."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", required=True, help="a new SQLite file, or a database URL")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    wall = time.perf_counter()
    cpu = time.process_time()
    built = build(args.db, args.count, args.seed)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"reports {built.reports:,}  open {built.open:,}  overdue {built.overdue:,}")
    print(f"  by stage: {dict(sorted(built.by_stage.items()))}")
    print(f"events {built.events:,}  sent outbox rows {built.outbox:,}")
    print(f"reporters {built.reporters:,}  staff {built.staff}")
    print(f"build: wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {peak:.0f} MB")
    if "://" not in args.db:
        size = Path(args.db).stat().st_size
        print(f"file {args.db}: {size / 2**30:.2f} GiB")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
