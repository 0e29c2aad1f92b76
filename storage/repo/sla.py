"""Service levels: the sweep's candidates, its marks, who hears about them, the daily recap.

The sweep works in batches, each its own short write transaction: a batch sets the marks of the
thresholds that fired and, in the same transaction, journals those alerts in settings_kv under
`sla.pending.<sweep>.<batch>`; the digests that announce them are queued, and the journal
entries deleted, in one last transaction. A sweep stopped between two batches (killed, crashed)
leaves marks that keep the thresholds from firing again and journal entries that the next sweep
announces: no reminder is doubled or lost.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.models import OutboxMessage
from storage.repo.base import RepoBase, insert_outbox_rows, store_files
from storage.repo.register import stored_time

ClockName = Literal["stage", "final"]
MarkName = Literal["warned", "breached", "escalated"]
T = TypeVar("T")
# Reports read per statement by id (the sweep's rows, the version check of reminders).
_ID_CHUNK = 500
# settings_kv keys of the alerts a sweep's batches fired and no digest has announced yet.
PENDING_PREFIX = "sla.pending."
# The marks as the sweep names them (SlaMarks.values, SlaRow's fields): column-like names, stored
# as rows of sla_marks (clock, mark).
MARK_NAMES: dict[str, tuple[str, str]] = {
    f"{clock}_{mark}_at": (clock, mark)
    for clock in ("stage", "final")
    for mark in ("warned", "breached", "escalated")
}
_NO_MARKS: dict[str, datetime] = {}
# The type of the sweep's stored times (sla_marks.fired_at, sla_breaches.breached_at).
_TIME = t.sla_marks.c.fired_at.type


# The sweep's records are built by the ten thousand (21,000 rows, 26,000 alerts at a million
# reports) and never changed once built: not frozen, which costs seven times as much to build
# (2.5 against 0.4 us for SlaRow).
@dataclass(slots=True)
class SlaRow:
    """What the sweep needs of one open report, with its reporter's chat."""

    id: int
    number: str
    title: str
    confidential: bool
    channel: str
    stage: str
    unit_id: int | None
    approval_level: int
    version: int
    stage_due_at: datetime | None
    final_due_at: datetime | None
    # None when the reporter has no Telegram or blocked the bot.
    reporter_chat_id: int | None
    reporter_language: str
    # The marks set (rows of sla_marks), by MARK_NAMES name. A mark stands for the lower ones
    # too (MARK_RANK), which may have no row of their own.
    marks: dict[str, datetime] = field(default_factory=dict)


@dataclass(slots=True)
class SlaMarks:
    """Marks to set on one report, if it is still at the version the sweep read."""

    report_id: int
    version: int
    values: dict[str, datetime]
    # When a staff clock ran out (kept only if it is the first time).
    breached_at: datetime | None = None


@dataclass(slots=True)
class PendingAlert:
    """A threshold a batch fired, journaled until the sweep's digests are queued.

    The due time is not journaled: it is read back with the report, whose due times are the
    same as long as its version is.
    """

    report_id: int
    version: int
    clock: ClockName
    threshold: int


_CLOCKS: tuple[ClockName, ClockName] = ("stage", "final")
_CLOCK_NUMBER = {clock: n for n, clock in enumerate(_CLOCKS)}


def journal_value(alerts: Iterable[PendingAlert]) -> list[int]:
    """Return a batch's journal entry: four numbers per alert (report, version, clock, threshold).

    A catch-up journals 25,000 alerts: one flat list of numbers is the cheapest JSON to write.
    """
    flat: list[int] = []
    clock = _CLOCK_NUMBER
    for a in alerts:
        flat += (a.report_id, a.version, clock[a.clock], a.threshold)
    return flat


def read_journal(value: list[Any]) -> list[PendingAlert]:
    """Read a journal entry back.

    An entry written before 2026-12-03 is one [id, version, clock, threshold, due] list per
    alert.
    """
    if value and isinstance(value[0], list):
        return [PendingAlert(*entry[:4]) for entry in value]
    clocks = _CLOCKS
    return [
        PendingAlert(value[n], value[n + 1], clocks[value[n + 2]], value[n + 3])
        for n in range(0, len(value), 4)
    ]


@dataclass(frozen=True, slots=True)
class StaffContact:
    """An active staff member as the reminders see them."""

    id: int
    telegram_user_id: int
    role: str
    unit_ids: frozenset[int]
    # The bot may write to them privately only after they wrote to it.
    reachable: bool
    language: str
    # The approval level they hold (staff.approval_level), if one was assigned to them.
    approval_level: int | None = None


@dataclass(frozen=True, slots=True)
class UnitTally:
    """Answered reports of one unit over a period, and how many within the service level."""

    answered: int
    within: int


_SLA_COLUMNS = [
    t.reports.c.id,
    t.reports.c.number,
    t.reports.c.title,
    t.reports.c.confidential,
    t.reports.c.channel,
    t.reports.c.stage,
    t.reports.c.unit_id,
    t.reports.c.approval_level,
    t.reports.c.version,
    t.reports.c.stage_due_at,
    t.reports.c.final_due_at,
    t.reporters.c.telegram_user_id,
    t.reporters.c.blocked_at,
    t.reporters.c.language,
]


# The report's columns of _SLA_COLUMNS are SlaRow's first fields, in the same order.
_REPORT_FIELDS = len(_SLA_COLUMNS) - 3
assert tuple(SlaRow.__dataclass_fields__)[:_REPORT_FIELDS] == tuple(
    c.name for c in _SLA_COLUMNS[:_REPORT_FIELDS]
)


def _sla_row(row: Any, marks: dict[int, dict[str, datetime]]) -> SlaRow:
    """Build an SlaRow from a row of _SLA_COLUMNS (by position: thousands a sweep)."""
    *report, chat, blocked, language = row
    return SlaRow(
        *[*report, chat if blocked is None else None, language, marks.get(row[0], _NO_MARKS)]
    )


def _ids_in(column: Any, sqlite: bool) -> ColumnElement[bool]:
    """Return `column IN (:ids)` with the ids bound as one value (`_ids_value`).

    An expanding IN renders and binds one parameter per id: for the sweep's 21,000 rows that
    was a tenth of a second of SQLAlchemy's own work.
    """
    if sqlite:
        ids = func.json_each(bindparam("ids", type_=String)).table_valued("value")
        return column.in_(select(ids.c.value))
    return column == any_(bindparam("ids", type_=ARRAY(Integer)))


def _ids_value(conn: AsyncConnection, ids: Sequence[int]) -> Any:
    """Return the ids as `_ids_in` binds them: JSON text on SQLite, an array on PostgreSQL."""
    return json.dumps(list(ids)) if conn.dialect.name == "sqlite" else list(ids)


def _raw(column: Any) -> Any:
    """Return a column read as the database gives it (parsed by `stored_time` or as text)."""
    return type_coerce(column, String).label(column.name)


# The report's columns of _SLA_COLUMNS only (SlaRepo.sla_rows), times and enums read raw: the
# column types' own processing of 21,000 rows' five values was most of the read's CPU.
_STAFF_COLUMNS = [
    t.reports.c.id,
    t.reports.c.number,
    t.reports.c.title,
    t.reports.c.confidential,
    _raw(t.reports.c.channel),
    _raw(t.reports.c.stage),
    t.reports.c.unit_id,
    t.reports.c.approval_level,
    t.reports.c.version,
    _raw(t.reports.c.stage_due_at),
    _raw(t.reports.c.final_due_at),
]
assert [c.name for c in _STAFF_COLUMNS] == [c.name for c in _SLA_COLUMNS[:_REPORT_FIELDS]]
_STAFF_ROWS = {
    sqlite: select(*_STAFF_COLUMNS).where(_ids_in(t.reports.c.id, sqlite)).order_by(t.reports.c.id)
    for sqlite in (True, False)
}
_STAFF_ROWS_LOCKED = _STAFF_ROWS[False].with_for_update()
_MARKS_OF = {
    sqlite: select(
        t.sla_marks.c.report_id, t.sla_marks.c.clock, t.sla_marks.c.mark, t.sla_marks.c.fired_at
    ).where(_ids_in(t.sla_marks.c.report_id, sqlite))
    for sqlite in (True, False)
}


# One statement per batch of marks (SlaRepo._insert_grouped). On SQLite the rows travel grouped,
# [[clock, mark, fired_at, [report ids]], ...], so that a list of ints per group is all Python
# encodes; the CTE reads each group once (json_extract on the whole group for every row was
# quadratic: 0.97 s at a million). The WHERE keeps SQLite's parser from reading ON CONFLICT as
# a join constraint.
_SQLITE_INSERT_MARKS = text(
    "WITH g AS MATERIALIZED (SELECT json_extract(value, '$[0]') AS clock,"
    " json_extract(value, '$[1]') AS mark, json_extract(value, '$[2]') AS fired_at,"
    " json_extract(value, '$[3]') AS ids FROM json_each(:groups))"
    " INSERT INTO sla_marks (report_id, clock, mark, fired_at)"
    " SELECT ids.value, g.clock, g.mark, g.fired_at FROM g, json_each(g.ids) AS ids WHERE true"
    " ON CONFLICT (report_id, clock, mark) DO NOTHING"
)
_SQLITE_INSERT_BREACHES = text(
    "WITH g AS MATERIALIZED (SELECT json_extract(value, '$[0]') AS at,"
    " json_extract(value, '$[1]') AS ids FROM json_each(:groups))"
    " INSERT INTO sla_breaches (report_id, breached_at)"
    " SELECT ids.value, g.at FROM g, json_each(g.ids) AS ids WHERE true"
    " ON CONFLICT (report_id) DO NOTHING"
)
_PG_INSERT_BREACHES = text(
    "INSERT INTO sla_breaches (report_id, breached_at)"
    " SELECT * FROM unnest(CAST(:ids AS INTEGER[]), CAST(:ats AS TIMESTAMPTZ[]))"
    " ON CONFLICT (report_id) DO NOTHING"
)
_PG_INSERT_MARKS = text(
    "INSERT INTO sla_marks (report_id, clock, mark, fired_at)"
    " SELECT * FROM unnest(CAST(:ids AS INTEGER[]), CAST(:clocks AS VARCHAR[]),"
    " CAST(:marks AS VARCHAR[]), CAST(:ats AS TIMESTAMPTZ[]))"
    " ON CONFLICT (report_id, clock, mark) DO NOTHING"
)


# A mark stands for the lower ones too (a threshold fires with every lower one: escalated means
# breached and warned): each mark's rank, and the marks a rank is held by.
MARK_RANK = {"warned": 1, "breached": 2, "escalated": 3}


def _held_rank() -> ColumnElement[int]:
    m = t.sla_marks.c
    return case(*[(m.mark == name, rank) for name, rank in MARK_RANK.items()], else_=0)


def _holds(clock: str, rank: Any) -> ColumnElement[bool]:
    """Return the condition that the report's `clock` carries a mark of `rank` or higher.

    One range of sla_marks' primary key (report, clock): at most three rows.
    """
    m = t.sla_marks.c
    return exists().where(m.report_id == t.reports.c.id, m.clock == clock, _held_rank() >= rank)


def _unmarked(clock: str, mark: str) -> ColumnElement[bool]:
    """Return the condition that `mark` (or a higher one) has not fired on the report's `clock`."""
    return ~_holds(clock, MARK_RANK[mark])


async def _marks_of(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, dict[str, datetime]]:
    """Return the marks set on these reports, by report and name."""
    found: dict[int, dict[str, datetime]] = defaultdict(dict)
    stmt = _MARKS_OF[conn.dialect.name == "sqlite"]
    rows = await conn.execute(stmt, {"ids": _ids_value(conn, ids)})
    for report_id, clock, mark, fired_at in rows:
        found[report_id][f"{clock}_{mark}_at"] = fired_at
    return found


async def _staff_rows(
    conn: AsyncConnection, ids: Sequence[int], *, lock: bool = False
) -> list[SlaRow]:
    """Return what the staff alerts need of these reports, with their marks, by id."""
    sqlite = conn.dialect.name == "sqlite"
    stmt = _STAFF_ROWS_LOCKED if lock and not sqlite else _STAFF_ROWS[sqlite]
    rows = (await conn.execute(stmt, {"ids": _ids_value(conn, ids)})).all()
    marks = await _marks_of(conn, [r[0] for r in rows])
    # The first nine columns are SlaRow's fields as read (mypy cannot know a Row slice's
    # length); the two due times are parsed.
    when = stored_time
    return [
        SlaRow(*row[:9], when(row[9]), when(row[10]), None, "id", marks.get(row[0], _NO_MARKS))  # type: ignore[call-arg]
        for row in rows
    ]


def candidate_ids_query(
    stage: str, clock: ClockName, horizons: dict[MarkName, datetime]
) -> Select[Any]:
    """Return the sweep's read of candidate ids at one stage on one clock (sla_candidate_ids).

    A threshold fires with every lower one and its mark stands for theirs (MARK_RANK), so a
    report has a threshold left to fire exactly when no mark at or above the most urgent one
    its due time reaches is there: one range of sla_marks' primary key per report (at most
    three rows), whatever the number of thresholds (the steady state reads every overdue
    report's marks).
    """
    due = t.reports.c[f"{clock}_due_at"]
    # Most urgent first: the earliest horizon (escalate), then breach, then warn.
    ordered = sorted(horizons.items(), key=lambda item: item[1])
    *urgent, (least, _latest) = ordered
    rank: Any = case(
        *[(due <= horizon, MARK_RANK[name]) for name, horizon in urgent],
        else_=MARK_RANK[least],
    )
    if not urgent:
        rank = literal(MARK_RANK[least])
    return select(t.reports.c.id).where(
        t.reports.c.stage == stage, due <= max(horizons.values()), ~_holds(clock, rank)
    )


def pop_cleared_marks(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Take the marks a transition clears out of a report's new values; return (clock, mark)s.

    The domain clears a stage visit's marks by naming them with None (deadline_changes); they
    are rows of sla_marks, deleted with `clear_marks` in the transition's transaction.
    """
    cleared = []
    for name, key in MARK_NAMES.items():
        if name in values:
            value = values.pop(name)
            assert value is None, "only the sweep sets a mark (SlaRepo.record_sla_batch)"
            cleared.append(key)
    return cleared


async def clear_marks(
    conn: AsyncConnection, report_id: int, cleared: Sequence[tuple[str, str]]
) -> None:
    """Delete a report's marks (`pop_cleared_marks`), so that its thresholds fire again."""
    by_clock: dict[str, list[str]] = defaultdict(list)
    for clock, mark in cleared:
        by_clock[clock].append(mark)
    m = t.sla_marks.c
    for clock, marks in by_clock.items():
        await conn.execute(
            delete(t.sla_marks).where(m.report_id == report_id, m.clock == clock, m.mark.in_(marks))
        )


class SlaRepo(RepoBase):
    """Service levels: the sweep's candidates, its marks, who hears about them, the recap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sweep_statements: dict[Any, Any] = {}

    async def sla_candidates(
        self,
        stage: str,
        due_before: datetime,
        *,
        clock: ClockName = "stage",
        unmarked: MarkName | None = None,
        after: tuple[datetime, int] | None = None,
        limit: int = 500,
    ) -> list[SlaRow]:
        """Return one batch of reports at `stage` whose clock is due by `due_before`.

        With `unmarked`, only reports that mark has not fired on (no row in sla_marks). The
        query reads the index of (stage, due time). `after` is the (due, id) of the previous
        batch's last row.
        """
        due = t.reports.c[f"{clock}_due_at"]
        conditions: list[ColumnElement[bool]] = [t.reports.c.stage == stage, due <= due_before]
        if unmarked is not None:
            conditions.append(_unmarked(clock, unmarked))
        if after is not None:
            conditions.append(or_(due > after[0], and_(due == after[0], t.reports.c.id > after[1])))
        stmt = (
            select(*_SLA_COLUMNS)
            .join(t.reporters, t.reporters.c.id == t.reports.c.reporter_id)
            .where(and_(*conditions))
            .order_by(due, t.reports.c.id)
            .limit(limit)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
            marks = await _marks_of(conn, [r[0] for r in rows])
        return [_sla_row(r, marks) for r in rows]

    async def sla_marks_of(self, report_id: int) -> dict[str, datetime]:
        """Return the marks set on one report, by MARK_NAMES name ("stage_warned_at", ...)."""
        async with self.db.read() as conn:
            return dict((await _marks_of(conn, [report_id])).get(report_id, {}))

    async def sla_candidate_ids(
        self, stage: str, clock: ClockName, horizons: dict[MarkName, datetime]
    ) -> list[int]:
        """Return the reports at `stage` with a threshold that may be due on `clock`: one read.

        `horizons` gives, per mark, the latest due time for which that threshold can be due
        now. One range of the (stage, due time) index up to the latest horizon (the stage
        clock's ix_reports_stage_due, the end-to-end ix_reports_open_final_due), each report
        kept if a threshold within its horizon has no mark row yet (a primary-key probe of
        sla_marks each), so that a report due for several thresholds is found once; only ids
        are read, so that the rows themselves are read once, a batch at a time (`sla_rows`).
        """
        if not horizons:
            return []
        stmt = candidate_ids_query(stage, clock, horizons)
        async with self.db.read() as conn:
            return list((await conn.execute(stmt)).scalars())

    async def fire_sla_batch(
        self,
        ids: Sequence[int],
        decide: Callable[[list[SlaRow]], tuple[Sequence[SlaMarks], Sequence[PendingAlert], T]],
        *,
        journal: str,
    ) -> T:
        """Read these reports, decide what fires and write it, in one short write transaction.

        Read under the write lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's FOR UPDATE), the rows
        cannot change before their marks are written: no version check, no second read. `decide`
        is the sweep's pure decision (thresholds, no I/O); its alerts go to the journal under
        `journal`, its third value is returned.
        """
        async with self.db.write() as conn:
            rows = await _staff_rows(conn, ids, lock=not self.db.is_sqlite)
            marks, alerts, result = decide(rows)
            await self._write_marks(conn, marks)
            if alerts:
                await self._set_kv(conn, journal, journal_value(alerts))
        return result

    async def sla_rows(self, ids: Sequence[int]) -> list[SlaRow]:
        """Return what the staff alerts need of these reports (those that still exist), by id.

        Staff alerts never write to the reporter: their rows carry no reporter chat (and the
        reporters table is not read, a lookup less per report).
        """
        async with self.db.read() as conn:
            return await _staff_rows(conn, ids)

    async def record_sla_batch(
        self,
        marks: Sequence[SlaMarks],
        messages: Sequence[OutboxMessage] = (),
    ) -> set[int]:
        """Write one batch of reporter reminders in one transaction; return the ids it marked.

        A report that changed since the sweep read it (a transition bumps the version and
        starts a fresh stage visit) is left out: no mark, no message of its own
        (`OutboxMessage.report_id`). The messages are inserted with one executemany.
        """
        if not marks:
            return set()
        async with self.db.write() as conn:
            current = await self._versions(conn, [m.report_id for m in marks])
            kept_marks = [m for m in marks if current.get(m.report_id) == m.version]
            kept = {m.report_id for m in kept_marks}
            await self._write_marks(conn, kept_marks)
            await insert_outbox_rows(
                conn, [m for m in messages if m.report_id in kept], self.clock()
            )
        return kept

    async def pending_sla_alerts(self) -> dict[str, list[PendingAlert]]:
        """Return the journaled alerts no digest has announced yet, by journal key."""
        stmt = select(t.settings_kv.c.key, t.settings_kv.c.value).where(
            t.settings_kv.c.key.startswith(PENDING_PREFIX, autoescape=True)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return {key: read_journal(value) for key, value in rows}

    async def store_document(self, data: bytes) -> int:
        """Store one file (a digest's CSV file) in its own transaction; return its id.

        A catch-up's files are megabytes: each is stored as soon as it is rendered, so that the
        sweep holds one at a time and an update never waits behind megabytes being written. A
        sweep stopped before its digests are queued leaves files no row names (pruned with the
        sent rows).
        """
        async with self.db.write() as conn:
            return (await store_files(conn, [data], self.clock()))[data]

    async def post_sla_digests(
        self, journals: Iterable[str], messages: Sequence[OutboxMessage]
    ) -> None:
        """Queue the digests and close the journal entries they announce, in one transaction.

        Their CSV files are stored already (`store_document`), so that this transaction is
        short: 38 rows and a delete.
        """
        keys = list(journals)
        async with self.db.write() as conn:
            if keys:
                await conn.execute(delete(t.settings_kv).where(t.settings_kv.c.key.in_(keys)))
            await insert_outbox_rows(conn, messages, self.clock())

    async def _write_marks(self, conn: AsyncConnection, marks: Sequence[SlaMarks]) -> None:
        """Insert the marks' rows into sla_marks and the first breaches into sla_breaches.

        A sweep sets the same time on every mark, so the rows of one clock, mark and time go in
        together (`_insert_grouped`); a mark already there is left as it is. When a clock ran
        out (breached or escalated now), the report's first breach is that clock's due time
        (the earlier of the two when both ran out), kept only where none was recorded before.
        """
        rows: dict[tuple[str, str, datetime], list[int]] = defaultdict(list)
        breaches: dict[tuple[datetime], list[int]] = defaultdict(list)
        for m in marks:
            for name, at in m.values.items():
                rows[(*MARK_NAMES[name], at)].append(m.report_id)
            if m.breached_at is not None:
                breaches[(m.breached_at,)].append(m.report_id)
        await self._insert_grouped(
            conn, rows, (_SQLITE_INSERT_MARKS, _PG_INSERT_MARKS), ("clocks", "marks", "ats")
        )
        await self._insert_grouped(
            conn, breaches, (_SQLITE_INSERT_BREACHES, _PG_INSERT_BREACHES), ("ats",)
        )

    def _statement(self, key: Any, build: Callable[..., Any], *args: Any) -> Any:
        """Return a statement of the sweep's writes, built once per repository.

        Building (and cache-keying) a statement costs more than SQLite's work for a batch of
        narrow rows: a catch-up runs over a thousand of them.
        """
        found = self._sweep_statements.get(key)
        if found is None:
            found = self._sweep_statements[key] = build(*args)
        return found

    async def _insert_grouped(
        self,
        conn: AsyncConnection,
        groups: dict[Any, list[int]],
        statements: tuple[Any, Any],
        names: tuple[str, ...],
    ) -> None:
        """Insert rows that share their values but for the report, in one statement.

        `groups` maps the shared values (their last one a time) to the reports. The rows travel
        as one value, unpacked by the database: on SQLite `[[*values, [ids]], ...]` in JSON
        (json_each), on PostgreSQL one array per column (unnest), `names` naming the value
        columns' arrays. SQLAlchemy's handling of a bound value per row (an executemany, or an
        IN list per group) cost more CPU than SQLite's own work, 0.4-1 s for a catch-up's
        77,000 mark rows at a million reports.
        """
        if not groups:
            return
        sqlite_statement, pg_statement = statements
        if self.db.is_sqlite:
            # The time as the columns store it, formatted once per distinct value.
            stored = _TIME.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            assert stored is not None
            packed = json.dumps(
                [[*values[:-1], stored(values[-1]), ids] for values, ids in groups.items()]
            )
            await conn.execute(sqlite_statement, {"groups": packed})
            return
        columns: dict[str, list[Any]] = {"ids": [], **{name: [] for name in names}}
        for values, ids in groups.items():
            columns["ids"].extend(ids)
            for name, value in zip(names, values, strict=True):
                columns[name].extend([value] * len(ids))
        await conn.execute(pg_statement, columns)

    async def _versions(self, conn: AsyncConnection, ids: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        stmt = self._statement(
            "versions",
            lambda: (
                select(t.reports.c.id, t.reports.c.version)
                .where(t.reports.c.id.in_(bindparam("ids", expanding=True)))
                .with_for_update()
            ),
        )
        for start in range(0, len(ids), _ID_CHUNK):
            rows = await conn.execute(stmt, {"ids": ids[start : start + _ID_CHUNK]})
            found.update({r.id: r.version for r in rows})
        return found

    async def staff_contacts(self) -> list[StaffContact]:
        """Return every active staff member with their units and whether they can be written to."""
        stmt = (
            select(
                t.staff.c.id,
                t.staff.c.telegram_user_id,
                t.staff.c.role,
                t.staff.c.private_chat_at,
                t.staff.c.approval_level,
                t.reporters.c.language,
                t.reporters.c.blocked_at,
            )
            .outerjoin(t.reporters, t.reporters.c.telegram_user_id == t.staff.c.telegram_user_id)
            .where(t.staff.c.active.is_(True))
            .order_by(t.staff.c.id)
        )
        async with self.db.read() as conn:
            people = (await conn.execute(stmt)).all()
            links = await conn.execute(select(t.staff_units.c.staff_id, t.staff_units.c.unit_id))
            units: dict[int, set[int]] = defaultdict(set)
            for link in links:
                units[link.staff_id].add(link.unit_id)
        return [
            StaffContact(
                id=p.id,
                telegram_user_id=p.telegram_user_id,
                role=p.role,
                unit_ids=frozenset(units.get(p.id, ())),
                reachable=p.private_chat_at is not None and p.blocked_at is None,
                language=p.language or "id",
                approval_level=p.approval_level,
            )
            for p in people
        ]

    # --- the daily recap ---------------------------------------------------------------------

    async def count_submitted_between(self, start: datetime, end: datetime) -> int:
        """Return how many reports were filed in [start, end)."""
        col = t.reports.c.submitted_at
        stmt = select(func.count()).where(and_(col >= start, col < end))
        async with self.db.read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def count_answered_between(self, start: datetime, end: datetime) -> int:
        """Return how many reports were answered in [start, end)."""
        col = t.reports.c.answered_at
        stmt = select(func.count()).where(and_(col >= start, col < end))
        async with self.db.read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def due_by_unit(
        self, stages: Iterable[str], start: datetime | None, end: datetime
    ) -> dict[int | None, int]:
        """Return, per unit, the reports at `stages` whose stage is due in [start, end)."""
        due = t.reports.c.stage_due_at
        counts: dict[int | None, int] = defaultdict(int)
        async with self.db.read() as conn:
            for stage in stages:  # one range of ix_reports_stage_due per stage
                conditions = [t.reports.c.stage == stage, due < end]
                if start is not None:
                    conditions.append(due >= start)
                rows = await conn.execute(
                    select(t.reports.c.unit_id, func.count())
                    .where(and_(*conditions))
                    .group_by(t.reports.c.unit_id)
                )
                for unit_id, count in rows:
                    counts[unit_id] += count
        return dict(counts)

    async def answered_by_unit(self, start: datetime, end: datetime) -> dict[int | None, UnitTally]:
        """Return, per unit, reports answered in [start, end) and how many within their level.

        Within = answered before the end-to-end due time (where there is one) and before any
        staff clock of the report was recorded as run out.
        """
        r, b = t.reports.c, t.sla_breaches.c
        late = or_(
            and_(r.final_due_at.is_not(None), r.answered_at > r.final_due_at),
            and_(b.breached_at.is_not(None), b.breached_at < r.answered_at),
        )
        stmt = (
            select(r.unit_id, func.count(), func.sum(case((late, 1), else_=0)))
            .select_from(t.reports.outerjoin(t.sla_breaches, b.report_id == r.id))
            .where(and_(r.answered_at >= start, r.answered_at < end))
            .group_by(r.unit_id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return {u: UnitTally(answered=n, within=n - int(late or 0)) for u, n, late in rows}

    async def post_once(self, key: str, value: str, messages: Sequence[OutboxMessage]) -> bool:
        """Queue messages unless `key` already holds `value`; record it in the same transaction."""
        async with self.db.write() as conn:
            current = (
                await conn.execute(select(t.settings_kv.c.value).where(t.settings_kv.c.key == key))
            ).scalar()
            if current == value:
                return False
            await self._set_kv(conn, key, value)
            await self._enqueue(conn, messages)
        return True
