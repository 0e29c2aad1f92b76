"""The repository's shared core: engines, the clock, row mapping, outbox writes, update ids."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, and_, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.database import Database
from storage.models import Attachment, NewAttachment, OutboxMessage

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def to_model(row: Row[Any], cls: Any) -> Any:
    """Build a dataclass from a row, taking the columns the dataclass names."""
    mapping = row._mapping
    return cls(**{name: mapping[name] for name in cls.__dataclass_fields__})


# The payload key of a document built from text (a digest's CSV file): stored in outbox_files.
DOCUMENT_TEXT = "document_text"
# The payload key of such a document stored already (its outbox_files id, `store_documents`).
DOCUMENT_FILE = "document_file"


def document_bytes(text: str) -> bytes:
    """Return a document built from text as its file holds it: UTF-8 with a byte-order mark.

    The mark tells spreadsheet programs that the CSV file is UTF-8. A text that has it already
    (queued before 2026-12-03, when digests carried it in their text) keeps its one.
    """
    return text.encode("utf-8") if text.startswith("\ufeff") else text.encode("utf-8-sig")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def store_documents(
    conn: AsyncConnection, texts: Sequence[str], now: datetime
) -> dict[str, int]:
    """Store each distinct text once in outbox_files (`document_bytes`); return ids by text."""
    datas = {text: document_bytes(text) for text in texts}
    ids = await store_files(conn, list(datas.values()), now)
    return {text: ids[data] for text, data in datas.items()}


async def store_files(
    conn: AsyncConnection, datas: Sequence[bytes], now: datetime
) -> dict[bytes, int]:
    """Store each distinct file once in outbox_files; return the file's id by its bytes.

    A file already stored (the same bytes queued by an earlier sweep) is reused, and its time
    moved to now, so that pruning (OutboxRepo.prune_sent_outbox) keeps it for the new rows.
    """
    digests = {data: _sha256(data) for data in datas}
    dialect_insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    await conn.execute(
        dialect_insert(t.outbox_files).on_conflict_do_update(
            index_elements=["sha256"], set_={"created_at": now}
        ),
        [{"sha256": sha, "content": data, "created_at": now} for data, sha in digests.items()],
    )
    rows = await conn.execute(
        select(t.outbox_files.c.sha256, t.outbox_files.c.id).where(
            t.outbox_files.c.sha256.in_(sorted(set(digests.values())))
        )
    )
    ids: dict[str, int] = {sha: file_id for sha, file_id in rows}
    return {data: ids[sha] for data, sha in digests.items()}


async def insert_outbox_rows(
    conn: AsyncConnection,
    messages: Sequence[OutboxMessage],
    now: datetime,
    *,
    stored: dict[str, int] | None = None,
) -> None:
    """Queue messages that replace nothing (no coalesce key) with one executemany.

    A document's text is stored once in outbox_files, however many messages carry it; `stored`
    gives the files already stored (`store_documents` in transactions of their own).
    """
    if not messages:
        return
    files = dict(stored or {})
    texts = [
        m.payload[DOCUMENT_TEXT]
        for m in messages
        if DOCUMENT_TEXT in m.payload and m.payload[DOCUMENT_TEXT] not in files
    ]
    if texts:
        files.update(await store_documents(conn, texts, now))
    rows = []
    for msg in messages:
        assert msg.coalesce_key is None, "a coalescing message goes through RepoBase._enqueue"
        rows.append(_outbox_row(msg, now, files))
    await conn.execute(insert(t.outbox), rows)


def _outbox_row(msg: OutboxMessage, now: datetime, files: dict[str, int]) -> dict[str, Any]:
    """Return a message's outbox row; a document's text is named by its file in `files`."""
    payload = dict(msg.payload)
    if msg.link is not None:
        payload["_link"] = msg.link
    text = payload.pop(DOCUMENT_TEXT, None)
    stored = payload.pop(DOCUMENT_FILE, None)
    return {
        "chat_id": msg.chat_id,
        "kind": msg.kind,
        "payload": payload,
        "report_id": msg.report_id,
        "coalesce_key": msg.coalesce_key,
        "not_before": msg.not_before or now,
        "created_at": now,
        "document_id": stored if text is None else files[text],
    }


# The read transaction `RepoBase.reading` opened: its database, its task, its connection.
_SHARED_READ: ContextVar[tuple[Database, asyncio.Task[Any] | None, AsyncConnection] | None] = (
    ContextVar("shared_read", default=None)
)


class RepoBase:
    """What every part of the repository shares; each public write is one transaction."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """Let the reads made inside share one read transaction (one snapshot, one commit).

        For a use case that reads a report from several sides (a card: the report, its
        reporter, its events, the staff names): one transaction instead of one per read, ~0.2
        ms of CPU each. Only the reads of this task share it (another task gets its own), and
        only reads of the parts that read through `_read`; writes go on in their own.
        """
        if self._shared() is not None:
            yield
            return
        async with self.db.read() as conn:
            token = _SHARED_READ.set((self.db, asyncio.current_task(), conn))
            try:
                yield
            finally:
                _SHARED_READ.reset(token)

    def _shared(self) -> AsyncConnection | None:
        shared = _SHARED_READ.get()
        if shared is None:
            return None
        db, task, conn = shared
        return conn if db is self.db and task is asyncio.current_task() else None

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        """Run queries in a read transaction: the one `reading` opened, or one of their own."""
        conn = self._shared()
        if conn is not None:
            yield conn
            return
        async with self.db.read() as own:
            yield own

    def _insert(self) -> Any:
        return sqlite_insert if self.db.is_sqlite else pg_insert

    async def enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue messages on their own (for changes that write nothing else)."""
        async with self.db.write() as conn:
            await self._enqueue(conn, messages)

    async def _enqueue(self, conn: AsyncConnection, messages: Sequence[OutboxMessage]) -> None:
        now = self.clock()
        for msg in messages:
            text = msg.payload.get(DOCUMENT_TEXT)
            files = await store_documents(conn, [text], now) if text is not None else {}
            values = _outbox_row(msg, now, files)
            if msg.coalesce_key is not None:
                # A newer edit of the same card replaces the one still waiting.
                replaced = await conn.execute(
                    update(t.outbox)
                    .where(
                        and_(
                            t.outbox.c.coalesce_key == msg.coalesce_key,
                            t.outbox.c.status == "pending",
                        )
                    )
                    # The revision tells a sender that rendered the older payload that the
                    # row still has to go out (mark_sent leaves it pending).
                    .values(
                        payload=values["payload"],
                        kind=msg.kind,
                        chat_id=msg.chat_id,
                        document_id=values["document_id"],
                        revision=t.outbox.c.revision + 1,
                    )
                )
                if replaced.rowcount:
                    continue
            await conn.execute(insert(t.outbox).values(**values))

    async def _set_kv(self, conn: AsyncConnection, key: str, value: Any) -> None:
        values = {"value": value, "updated_at": self.clock()}
        await conn.execute(
            self._insert()(t.settings_kv)
            .values(key=key, **values)
            .on_conflict_do_update(index_elements=["key"], set_=values)
        )

    async def get_kv(self, key: str) -> Any:
        """Return a runtime value, or None."""
        async with self.db.read() as conn:
            return (
                await conn.execute(select(t.settings_kv.c.value).where(t.settings_kv.c.key == key))
            ).scalar()

    async def kv_items(self, prefix: str) -> dict[str, Any]:
        """Return every runtime value whose key starts with `prefix` (one read)."""
        stmt = select(t.settings_kv.c.key, t.settings_kv.c.value).where(
            t.settings_kv.c.key.startswith(prefix, autoescape=True)
        )
        async with self.db.read() as conn:
            return {str(key): value for key, value in await conn.execute(stmt)}

    async def set_kvs(self, values: dict[str, Any], *, drop: Sequence[str] = ()) -> None:
        """Store runtime values and forget others, in one transaction."""
        if not values and not drop:
            return
        async with self.db.write() as conn:
            for key, value in values.items():
                await self._set_kv(conn, key, value)
            if drop:
                await conn.execute(t.settings_kv.delete().where(t.settings_kv.c.key.in_(drop)))

    async def _insert_attachments(
        self,
        conn: AsyncConnection,
        report_id: int,
        items: Sequence[NewAttachment],
        at: datetime,
        event_id: int | None = None,
    ) -> list[Attachment]:
        """Store files of a report (and of the audit row they came with) inside a transaction."""
        stored: list[Attachment] = []
        for item in items:
            values = {name: getattr(item, name) for name in NewAttachment.__dataclass_fields__}
            row = (
                await conn.execute(
                    insert(t.attachments)
                    .values(**values, report_id=report_id, event_id=event_id, created_at=at)
                    .returning(*t.attachments.c)
                )
            ).one()
            stored.append(to_model(row, Attachment))
        return stored
