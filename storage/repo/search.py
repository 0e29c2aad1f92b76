"""Duplicate search over open reports, and the citizens who follow another reporter's report.

On SQLite the text search reads the FTS5 table `report_search` (migration 0002), which triggers
keep holding exactly the reports still being handled that are not `rahasia`; closing a report
takes it out. A search never scans `reports`:

1. Each query word's document count is estimated with a capped count on the index (a word found
   in more than `COMMON_CAP` open reports says little about a duplicate and is left out, as a
   stop word would be: it would only make the match set, and bm25's statistics, expensive).
2. The rarest words are OR-ed into one MATCH; the matches in the category are ranked by bm25
   (the title counts double) and the best `limit` are returned.
   Words are added rarest first while their counts add up to `MATCH_BUDGET`, which bounds
   both the match set and the work bm25 does for its statistics.
3. When every word is common, the newest `WINDOW` reports containing the first three of them
   are ranked instead.

Nearby reports are read through the (latitude, longitude) index with a bounding box.

PostgreSQL runs the same steps on its own tables (migration 0012, kept by a trigger as FTS5's
is): `report_search_open` holds the words of exactly the reports FTS5 would hold, as a stored
tsvector with a GIN index, in the `aduan_simple` configuration (`simple` with `unaccent`: case
and diacritics folded, no stemming, as unicode61 does), and `report_search_words` each word's
count among them, so a count is one key lookup (a GIN count reads the word's whole posting list
before its LIMIT). The match uses the GIN index; ts_rank (title weight A, description B) on the
stored words stands for bm25, and pg_trgm's similarity of the titles adds a little, so that of
two reports sharing the same words the one whose title reads like the new one comes first.

Other databases have no index (migration 0002 does nothing there): the search falls back to
LIKE over the `FALLBACK_WINDOW` most recent open reports of the category, which is slower and
looser but needs nothing dialect-specific.

Staff search (`/cari`, `find_reports`) reads another index, `report_search_all` (migration
0008): every report ever filed, `rahasia` ones included, by number, title, description and
place. A whole tracking number is looked up on the unique index of `reports.number`; words and
"quoted phrases" go to one FTS5 MATCH (every one must appear, each as a whole word) walked
newest first, which FTS5 serves in rowid order without sorting: the walk stops at the page's
last row, and a miss costs the index lookups of its words. Who may read which `rahasia`
report is part of the query, so a page is never cut short by reports filtered out after it.
PostgreSQL reads a GIN index of every report's words (migration 0008) the same way; other
databases fall back to LIKE over the four columns (every report read, as before).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, column, func, literal, or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.models import Report, Reporter, StaffQuery, StaffSearch
from storage.repo.base import RepoBase, to_model
from storage.repo.reports import OPEN

# Stages whose reports can be offered as duplicates: still being handled (migration 0002 indexes
# the same list; "answered" is out, a citizen who meets the problem again files a new report).
SEARCHABLE = ("submitted", "disposed", "in_progress", "awaiting_approval", "needs_info")
_SEARCHABLE_SQL = ", ".join(f"'{stage}'" for stage in SEARCHABLE)
COMMON_CAP = 1000  # a word in this many open reports is too common to look for
MAX_TERMS = 8  # the rarest words that go into one MATCH ...
MATCH_BUDGET = 3000  # ... while their counts add up to at most this many reports
COMMON_TERMS = 3  # all of these must appear when no word is rare
WINDOW = 400  # newest matches ranked by bm25
FALLBACK_WINDOW = 500  # recent open reports LIKE-searched on other databases
NEARBY_LIMIT = 20
CATEGORY_MARK = "\ue000"  # starts a category's token in report_search (migration 0014)
TRIGRAM_WEIGHT = 0.1  # PostgreSQL: how much the titles' likeness adds to ts_rank

# PostgreSQL: the expression of the GIN index of migration 0008, written exactly as there (the
# planner uses an index only for the very expression it was built on).
_PG_ALL_WORDS = (
    "aduan_words(number || ' ' || title || ' ' || description || ' ' || "
    "coalesce(location_text, ''))"
)


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A latitude/longitude rectangle (degrees)."""

    south: float
    north: float
    west: float
    east: float


@dataclass(frozen=True, slots=True)
class SearchHit:
    """An open report the search found; `rank` is bm25's (lower is better)."""

    id: int
    number: str
    reporter_id: int
    stage: str
    category: str | None
    title: str
    description: str
    latitude: float | None
    longitude: float | None
    submitted_at: datetime
    rank: float


_REPORT_FIELDS = [name for name in SearchHit.__dataclass_fields__ if name != "rank"]
_HIT_COLUMNS = ", ".join(f"r.{name}" for name in _REPORT_FIELDS)
# Typed result columns for the raw query, matched by position: times come back aware.
_HIT_TYPES = [*(t.reports.c[name] for name in _REPORT_FIELDS), column("rank", Float)]


# A term that holds no letter or digit would be an empty FTS5 phrase.
_WORDLIKE = re.compile(r"\w")
_TOKEN = re.compile(r"\w+")
# Staff search: a word in this many reports is common (estimated from the newest STAFF_PROBE);
# a query made only of common words walks the newest STAFF_WINDOW reports only (a miss among
# them costs ~15 ms of CPU, among a million ~80).
STAFF_COMMON = 30_000
STAFF_PROBE = 2_000
STAFF_WINDOW = 150_000


def category_token(category: str | None) -> str:
    """Return the FTS5 token that stands for a category in `report_search` (migration 0014)."""
    # The mark, a private-use character, keeps the token apart from every search word.
    return _phrase(CATEGORY_MARK + (category or "").encode().hex().upper())


def _phrase(term: str) -> str:
    """Quote a word for an FTS5 query (its own quotes doubled)."""
    return '"' + term.replace('"', '""') + '"'


class SearchRepo(RepoBase):
    """Duplicate search over open reports, and the citizens who follow another's report."""

    async def search_open_reports(
        self,
        terms: Sequence[str],
        *,
        category: str | None,
        box: BoundingBox | None = None,
        exclude_reporter_id: int | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        """Return open reports of a category whose text shares the given words, best first.

        `terms` are lower-case words without stop words. With a `box`, a report that has a
        location must lie inside it (one without a location still counts).
        """
        words = list(dict.fromkeys(w for w in terms if w))
        if not words:
            return []
        async with self.db.read() as conn:
            if self.db.is_sqlite:
                counts = await self._term_counts(conn, words)
            elif self.db.is_postgresql:
                counts = await self._pg_term_counts(conn, words)
            else:
                return await self._search_like(conn, words, category, box, exclude_reporter_id)
            rare = sorted((w for w in words if 0 < counts[w] < COMMON_CAP), key=counts.__getitem__)
            chosen: list[str] = []
            for word in rare[:MAX_TERMS]:
                if chosen and sum(counts[w] for w in chosen) + counts[word] > MATCH_BUDGET:
                    break
                chosen.append(word)
            if chosen:
                looked_for, joiner = chosen, "OR"
                window = None  # at most MATCH_BUDGET matches: rank them all
            else:
                looked_for = [w for w in words if counts[w] >= COMMON_CAP][:COMMON_TERMS]
                if not looked_for:
                    return []
                joiner, window = "AND", WINDOW
            if not self.db.is_sqlite:
                return await self._pg_ranked(
                    conn, looked_for, joiner, window, category, box, exclude_reporter_id, limit
                )
            expression = f" {joiner} ".join(_phrase(w) for w in looked_for)
            return await self._ranked(
                conn, expression, window, category, box, exclude_reporter_id, limit
            )

    async def _term_counts(self, conn: AsyncConnection, words: list[str]) -> dict[str, int]:
        # One statement: per word, how many indexed reports contain it, counting up to the cap.
        parts = [
            f"(SELECT count(*) FROM (SELECT 1 FROM report_search "
            f"WHERE report_search MATCH :w{i} LIMIT :cap)) AS c{i}"
            for i in range(len(words))
        ]
        params: dict[str, Any] = {f"w{i}": _phrase(w) for i, w in enumerate(words)}
        params["cap"] = COMMON_CAP
        row = (await conn.execute(text("SELECT " + ", ".join(parts)), params)).one()
        return {w: int(row[i]) for i, w in enumerate(words)}

    async def _pg_term_counts(self, conn: AsyncConnection, words: list[str]) -> dict[str, int]:
        # As _term_counts: a word's count is one primary key lookup in report_search_words
        # (migration 0012, kept by a trigger: the open, non-rahasia reports that hold it); a
        # capped count on a GIN index would read the word's whole posting list first. A word
        # that is not one lexeme (an underscore splits it) is counted on the index.
        rows = await conn.execute(
            text(
                """
                SELECT u.i, CASE WHEN numnode(aduan_query(u.w)) = 1 THEN least(coalesce((
                    SELECT s.n FROM report_search_words AS s
                    WHERE s.word = (tsvector_to_array(aduan_words(u.w)))[1]
                ), 0), :cap) END AS n
                FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS u(w, i)
                """
            ),
            {"words": words, "cap": COMMON_CAP},
        )
        found = {int(i): n for i, n in rows}
        counts = {w: int(found[i + 1]) for i, w in enumerate(words) if found[i + 1] is not None}
        if others := [w for w in words if w not in counts]:
            counts.update(await self._pg_index_counts(conn, others))
        return counts

    async def _pg_index_counts(self, conn: AsyncConnection, words: list[str]) -> dict[str, int]:
        # Capped counts on the GIN index of the open reports' words (migration 0012).
        parts = [
            f"(SELECT count(*) FROM (SELECT 1 FROM report_search_open AS s "
            f"WHERE s.words @@ aduan_query(:w{i}) LIMIT :cap) AS m{i}) AS c{i}"
            for i in range(len(words))
        ]
        params: dict[str, Any] = {f"w{i}": w for i, w in enumerate(words)}
        params["cap"] = COMMON_CAP
        row = (await conn.execute(text("SELECT " + ", ".join(parts)), params)).one()
        return {w: int(row[i]) for i, w in enumerate(words)}

    async def _pg_ranked(
        self,
        conn: AsyncConnection,
        words: list[str],
        joiner: str,
        window: int | None,
        category: str | None,
        box: BoundingBox | None,
        exclude_reporter_id: int | None,
        limit: int,
    ) -> list[SearchHit]:
        # The matches come from report_search_open's GIN index (migration 0012; with a window,
        # the newest ones); ts_rank reads its stored words, where the title (A) weighs double
        # the description (B) as bm25(2.0, 1.0) does on SQLite, and the trigram similarity of
        # the titles (pg_trgm) parts near ties. Lower is better, as bm25.
        glue = " || " if joiner == "OR" else " && "
        query = "(" + glue.join(f"aduan_query(:w{i})" for i in range(len(words))) + ")"
        params: dict[str, Any] = {f"w{i}": w for i, w in enumerate(words)}
        params.update(category=category or "", limit=limit, said=" ".join(words))
        where = _candidate_filters(exclude_reporter_id, box, params)
        newest = ""
        if window is not None:
            newest = "ORDER BY s.id DESC LIMIT :window"
            params["window"] = window
        sql = f"""
            WITH hits AS (
                SELECT s.id, s.words FROM report_search_open AS s
                WHERE s.words @@ {query} AND s.category = :category
                {newest}
            )
            SELECT {_HIT_COLUMNS}, -(
                ts_rank('{{0.1, 0.2, 0.5, 1.0}}'::float4[], hits.words, {query})
                + {TRIGRAM_WEIGHT} * similarity(unaccent(r.title), unaccent(:said))
            ) AS rank
            FROM hits JOIN reports AS r ON r.id = hits.id
            {"WHERE " + " AND ".join(where) if where else ""}
            ORDER BY rank, r.id DESC
            LIMIT :limit
        """
        rows = await conn.execute(text(sql).columns(*_HIT_TYPES), params)
        return [_hit(row._mapping) for row in rows]

    async def _ranked(
        self,
        conn: AsyncConnection,
        expression: str,
        window: int | None,
        category: str | None,
        box: BoundingBox | None,
        exclude_reporter_id: int | None,
        limit: int,
    ) -> list[SearchHit]:
        # With a window, the inner query walks the matches newest first (FTS5 serves rowid order
        # without sorting) and stops there; only those are ranked and joined. The category is a
        # token of its own column (migration 0014): FTS5 intersects it with the words, where a
        # filter on the category read each match's row (3,600 matches to keep the ~370 of the
        # category at a million; bench/pg_vs_sqlite.py, 300 checks: 1.94 -> 1.45 s of CPU, the
        # same offers for all 300).
        where = [f"r.stage IN ({_SEARCHABLE_SQL})"]
        params: dict[str, Any] = {
            "expr": f"category:{category_token(category)} AND ({expression})",
            "window": window if window is not None else -1,  # LIMIT -1: no limit
            "limit": limit,
        }
        where += _candidate_filters(exclude_reporter_id, box, params)
        sql = f"""
            SELECT {_HIT_COLUMNS}, hits.rank AS rank
            FROM (
                SELECT rowid AS id, bm25(report_search, 2.0, 1.0, 0.0) AS rank
                FROM report_search
                WHERE report_search MATCH :expr
                ORDER BY rowid DESC
                LIMIT :window
            ) AS hits
            JOIN reports AS r ON r.id = hits.id
            WHERE {" AND ".join(where)}
            ORDER BY hits.rank
            LIMIT :limit
        """
        rows = await conn.execute(text(sql).columns(*_HIT_TYPES), params)
        return [_hit(row._mapping) for row in rows]

    async def _search_like(
        self,
        conn: AsyncConnection,
        words: list[str],
        category: str | None,
        box: BoundingBox | None,
        exclude_reporter_id: int | None,
    ) -> list[SearchHit]:
        # Portable and bounded: the most recent open reports of the category, then LIKE.
        r = t.reports
        recent = (
            select(r.c.id)
            .where(
                r.c.stage.in_(SEARCHABLE),
                r.c.confidential.is_(False),
                func.coalesce(r.c.category, "") == (category or ""),
            )
            .order_by(r.c.id.desc())
            .limit(FALLBACK_WINDOW)
            .subquery()
        )
        body = func.lower(r.c.title + literal(" ") + r.c.description)
        matched = [body.like(f"%{w}%") for w in words[:MAX_TERMS]]
        conditions = [r.c.id.in_(select(recent.c.id)), or_(*matched)]
        if exclude_reporter_id is not None:
            conditions.append(r.c.reporter_id != exclude_reporter_id)
        if box is not None:
            conditions.append(_in_box_or_unplaced(box))
        stmt = select(r).where(*conditions)
        hits = []
        for row in await conn.execute(stmt):
            mapping = row._mapping
            body_text = f"{mapping['title']} {mapping['description']}".lower()
            shared = sum(1 for w in words if w in body_text)
            hits.append(_hit({**mapping, "rank": -float(shared)}))
        return sorted(hits, key=lambda h: h.rank)

    async def find_reports(
        self,
        query: StaffQuery,
        *,
        secret_units: Collection[int] | None,
        limit: int = 10,
    ) -> StaffSearch:
        """Return the newest reports that match a staff query and that the asker may read.

        `secret_units`: the units whose `rahasia` reports the asker may read; None for all of
        them, empty for none (the rule is bot/domain/access.py `may_read`).
        """
        async with self.db.read() as conn:
            if query.number is not None:
                stmt = select(t.reports).where(
                    t.reports.c.number == query.number, _readable(secret_units)
                )
                found = [to_model(r, Report) for r in await conn.execute(stmt)]
                if found or not query.terms:
                    return StaffSearch(found)
            terms = [term for term in query.terms if _WORDLIKE.search(term)]
            if not terms:
                return StaffSearch([])
            if self.db.is_sqlite:
                return await self._find_indexed(conn, terms, secret_units, limit)
            if self.db.is_postgresql:
                return await self._find_pg(conn, terms, secret_units, limit)
            return StaffSearch(await self._find_like(conn, terms, secret_units, limit))

    async def _find_pg(
        self,
        conn: AsyncConnection,
        terms: list[str],
        secret_units: Collection[int] | None,
        limit: int,
    ) -> StaffSearch:
        # Every term (a word or a phrase) must appear; newest first, as on SQLite, and with the
        # same window: a query made only of very common words (the rarest one's count among
        # the newest STAFF_PROBE reports) reads only the newest STAFF_WINDOW reports.
        # PostgreSQL keeps no words per report, only a GIN index of them (migration 0008), and
        # the two cases want opposite plans. Common words: the newest reports walked on the
        # primary key, each one's words made and matched (~56 us a report), stopping at the
        # page; the GIN index would read every match (387,000 for "jalan" at a million: 0.4 to
        # 0.7 s) to sort them. A rare word: the GIN index; the walk would read every report
        # on a miss (at a million: the statement timeout). So the newest STAFF_PROBE reports
        # are walked first: a page there is the answer whatever the window (dense matches:
        # ~25 reports read). Otherwise their words are counted (one pass), and the window is
        # walked on the key, or the older reports are read on the GIN index (`id + 0`: the
        # planner, which underrates to_tsvector, would walk the key).
        params: dict[str, Any] = {f"t{i}": term for i, term in enumerate(terms)}
        query = "(" + " && ".join(f"aduan_query(:t{i})" for i in range(len(terms))) + ")"
        matched = text(f"{_PG_ALL_WORDS} @@ {query}").bindparams(**params)
        r = t.reports
        readable = select(r).where(matched, _readable(secret_units))
        top = int(await conn.scalar(select(func.max(r.c.id))) or 0)
        tokens = sorted({w for term in terms for w in _TOKEN.findall(term.lower())})
        if not tokens or top <= STAFF_WINDOW:
            stmt = readable.order_by((r.c.id + 0).desc()).limit(limit)
            return StaffSearch([to_model(row, Report) for row in await conn.execute(stmt)])
        floor = top - STAFF_PROBE
        newest = readable.where(r.c.id > floor).order_by(r.c.id.desc()).limit(limit)
        found = [to_model(row, Report) for row in await conn.execute(newest)]
        if len(found) == limit:
            return StaffSearch(found)
        window = None
        if min(await self._pg_staff_counts(conn, tokens, floor)) * top >= (
            STAFF_COMMON * STAFF_PROBE
        ):
            window = STAFF_WINDOW
            older = readable.where(r.c.id > top - window, r.c.id <= floor).order_by(r.c.id.desc())
        else:
            older = readable.where(r.c.id + 0 <= floor).order_by((r.c.id + 0).desc())
        rows = await conn.execute(older.limit(limit - len(found)))
        found += [to_model(row, Report) for row in rows]
        return StaffSearch(found, newest_only=window if len(found) < limit else None)

    async def _pg_staff_counts(
        self, conn: AsyncConnection, tokens: list[str], after: int
    ) -> list[int]:
        # As _staff_counts: per word, how many of the newest reports (id > after) hold it, each
        # report's words made once (on the primary key's range; the GIN index would read each
        # word's whole posting list).
        counts = ", ".join(
            f"count(*) FILTER (WHERE s.words @@ aduan_query(:w{i}))" for i in range(len(tokens))
        )
        sql = f"""
            SELECT {counts} FROM (
                SELECT {_PG_ALL_WORDS} AS words FROM reports WHERE id > :after
            ) AS s
        """
        params: dict[str, Any] = {f"w{i}": w for i, w in enumerate(tokens)}
        params["after"] = after
        row = (await conn.execute(text(sql), params)).one()
        return [int(value) for value in row]

    async def _find_indexed(
        self,
        conn: AsyncConnection,
        terms: list[str],
        secret_units: Collection[int] | None,
        limit: int,
    ) -> StaffSearch:
        # CROSS JOIN keeps the FTS table outside: its rowid order is the result's, no sort.
        params: dict[str, Any] = {"expr": " ".join(_phrase(term) for term in terms)}
        params["limit"] = limit
        # Where even the rarest word is in STAFF_COMMON reports, a miss would walk them all:
        # the walk stops at the newest STAFF_WINDOW reports (the same page whenever those hold
        # a page of matches; the answer says so when they do not).
        window = None
        top = int(await conn.scalar(text("SELECT max(id) FROM reports")) or 0)
        tokens = sorted({w for term in terms for w in _TOKEN.findall(term.lower())})
        if tokens and top > STAFF_WINDOW:
            seen = min(await self._staff_counts(conn, tokens, top - STAFF_PROBE))
            if seen * top >= STAFF_COMMON * STAFF_PROBE:
                window = STAFF_WINDOW
        access = ""
        if secret_units is not None:
            units = sorted(secret_units)
            access = "AND (NOT r.confidential"
            if units:
                access += f" OR r.unit_id IN ({', '.join(f':u{i}' for i in range(len(units)))})"
                params.update({f"u{i}": unit for i, unit in enumerate(units)})
            access += ")"
        phrase = any(len(_TOKEN.findall(term)) > 1 for term in terms)
        if window is None or not phrase:
            params["floor"] = top - window if window is not None else 0
            sql = f"""
                SELECT r.* FROM report_search_all
                CROSS JOIN reports AS r ON r.id = report_search_all.rowid
                WHERE report_search_all MATCH :expr AND report_search_all.rowid > :floor
                    {access}
                ORDER BY report_search_all.rowid DESC
                LIMIT :limit
            """
            rows = await conn.execute(text(sql).columns(*t.reports.c), params)
            found = [to_model(row, Report) for row in rows]
            return StaffSearch(found, newest_only=window if len(found) < limit else None)
        # Newest first, FTS5 reads the positions of every match of a phrase's words whatever
        # the rowid bound (80 ms of CPU for two words in every third report); oldest first it
        # seeks to a lower bound. So a phrase's window is read in slices from the newest, each
        # oldest first, each four times the last, until a page is found.
        ids: list[int] = []
        high, floor, size = top, top - window, STAFF_PROBE
        slice_sql = text(
            f"""
            SELECT report_search_all.rowid FROM report_search_all
            CROSS JOIN reports AS r ON r.id = report_search_all.rowid
            WHERE report_search_all MATCH :expr
                AND report_search_all.rowid > :low AND report_search_all.rowid <= :high
                {access}
            """
        )
        while high > floor and len(ids) < limit:
            low = max(high - size, floor)
            got = await conn.execute(slice_sql, {**params, "low": low, "high": high})
            ids += sorted(got.scalars(), reverse=True)
            high, size = low, size * 4
        stmt = (
            select(t.reports).where(t.reports.c.id.in_(ids[:limit])).order_by(t.reports.c.id.desc())
        )
        reports = [to_model(row, Report) for row in await conn.execute(stmt)]
        return StaffSearch(reports, newest_only=window if len(reports) < limit else None)

    async def _staff_counts(
        self, conn: AsyncConnection, tokens: list[str], after: int
    ) -> list[int]:
        # Per word, how many of the newest reports (id > after) hold it, in one statement.
        parts = [
            f"(SELECT count(*) FROM report_search_all "
            f"WHERE report_search_all MATCH :w{i} AND rowid > :after)"
            for i in range(len(tokens))
        ]
        params: dict[str, Any] = {f"w{i}": _phrase(w) for i, w in enumerate(tokens)}
        params["after"] = after
        row = (await conn.execute(text("SELECT " + ", ".join(parts)), params)).one()
        return [int(value) for value in row]

    async def _find_like(
        self,
        conn: AsyncConnection,
        terms: list[str],
        secret_units: Collection[int] | None,
        limit: int,
    ) -> list[Report]:
        # Portable: every term (a phrase as it is written) in one of the four columns, in any
        # case; this reads every report.
        r = t.reports
        columns = (r.c.number, r.c.title, r.c.description, r.c.location_text)
        where = [
            or_(*(func.lower(c).contains(term.lower(), autoescape=True) for c in columns))
            for term in terms
        ]
        stmt = select(r).where(*where, _readable(secret_units)).order_by(r.c.id.desc()).limit(limit)
        return [to_model(row, Report) for row in await conn.execute(stmt)]

    async def nearby_open_reports(
        self,
        box: BoundingBox,
        *,
        category: str | None,
        exclude_reporter_id: int | None = None,
        limit: int = NEARBY_LIMIT,
    ) -> list[SearchHit]:
        """Return open, non-confidential reports of a category with a location inside `box`."""
        params: dict[str, Any] = {
            "south": box.south,
            "north": box.north,
            "west": box.west,
            "east": box.east,
            "category": category or "",
            "me": exclude_reporter_id if exclude_reporter_id is not None else -1,
            "cap": limit * 5,
        }
        if self.db.is_sqlite:
            # INDEXED BY: walk the box on the location index, never a stage index the planner
            # might prefer without statistics.
            stmt: Any = text(
                f"""
                SELECT {_HIT_COLUMNS}, 0.0 AS rank
                FROM reports AS r INDEXED BY ix_reports_lat_lon
                WHERE r.latitude BETWEEN :south AND :north
                    AND r.longitude BETWEEN :west AND :east
                    AND r.stage IN ({_SEARCHABLE_SQL}) AND NOT r.confidential
                    AND coalesce(r.category, '') = :category AND r.reporter_id != :me
                LIMIT :cap
                """
            ).columns(*_HIT_TYPES)
        else:
            r = t.reports
            stmt = (
                select(r, literal(0.0).label("rank"))
                .where(
                    r.c.latitude.between(box.south, box.north),
                    r.c.longitude.between(box.west, box.east),
                    r.c.stage.in_(SEARCHABLE),
                    r.c.confidential.is_(False),
                    func.coalesce(r.c.category, "") == (category or ""),
                    r.c.reporter_id != params["me"],
                )
                .limit(params["cap"])
            )
            params = {}
        async with self.db.read() as conn:
            rows = [_hit(row._mapping) for row in await conn.execute(stmt, params)]
        return sorted(rows, key=lambda h: h.id, reverse=True)[:limit]

    async def follow_report(self, report_id: int, reporter_id: int) -> bool:
        """Make a citizen follow another reporter's open report; False if it is closed or theirs."""
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    select(t.reports.c.stage, t.reports.c.reporter_id).where(
                        t.reports.c.id == report_id
                    )
                )
            ).first()
            if row is None or row.stage not in OPEN or row.reporter_id == reporter_id:
                return False
            await conn.execute(
                self._insert()(t.report_followers)
                .values(report_id=report_id, reporter_id=reporter_id, created_at=self.clock())
                .on_conflict_do_nothing(index_elements=["report_id", "reporter_id"])
            )
        return True

    async def followers_of(self, report_id: int) -> list[Reporter]:
        """Return the citizens who follow a report (not its own reporter), earliest first."""
        f = t.report_followers
        stmt = (
            select(t.reporters)
            .join(f, f.c.reporter_id == t.reporters.c.id)
            .where(f.c.report_id == report_id)
            .order_by(f.c.created_at, t.reporters.c.id)
        )
        async with self.db.read() as conn:
            return [to_model(row, Reporter) for row in await conn.execute(stmt)]

    async def follower_count(self, report_id: int) -> int:
        """Return how many citizens said they meet the same problem."""
        stmt = select(func.count()).where(t.report_followers.c.report_id == report_id)
        async with self.db.read() as conn:
            return int((await conn.execute(stmt)).scalar_one())


def _readable(secret_units: Collection[int] | None) -> Any:
    """Return the condition for reports the asker may read (see `find_reports`)."""
    if secret_units is None:
        return true()
    r = t.reports
    if not secret_units:
        return r.c.confidential.is_(False)
    return or_(r.c.confidential.is_(False), r.c.unit_id.in_(sorted(secret_units)))


def _in_box_or_unplaced(box: BoundingBox) -> Any:
    r = t.reports
    return or_(
        r.c.latitude.is_(None),
        r.c.longitude.is_(None),
        and_(r.c.latitude.between(box.south, box.north), r.c.longitude.between(box.west, box.east)),
    )


def _hit(mapping: Any) -> SearchHit:
    return SearchHit(**{name: mapping[name] for name in SearchHit.__dataclass_fields__})


def _candidate_filters(
    exclude_reporter_id: int | None, box: BoundingBox | None, params: dict[str, Any]
) -> list[str]:
    """Return the conditions for "not the reporter's own" and "near", adding their parameters."""
    where = []
    if exclude_reporter_id is not None:
        where.append("r.reporter_id != :me")
        params["me"] = exclude_reporter_id
    if box is not None:
        where.append(
            "(r.latitude IS NULL OR r.longitude IS NULL OR "
            "(r.latitude BETWEEN :south AND :north AND r.longitude BETWEEN :west AND :east))"
        )
        params.update(south=box.south, north=box.north, west=box.west, east=box.east)
    return where
