"""A streaming XLSX writer for the register: a million rows in well under a minute.

XlsxWriter (used for the reports' small tables, bot/services/reports/tables.py) spends about
10 µs a cell even in constant_memory mode: 200 s for a year of a million reports. The register's
sheet is plain (text, numbers, dates), so it is written here as SpreadsheetML straight into the
zip: each row one formatted string, the sheet streamed through a temporary file. The workbook
keeps what people expect: a summary sheet first, a frozen bold header, filters, column widths,
and dates as dates (bench/register_1m.py prints the figures).
"""

from __future__ import annotations

import queue
import re
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from bot.services.reports.cells import Cell
from bot.services.reports.tables import Column

EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 -- Excel has no zones; Excel's day 0 (with its 1900 leap-year quirk absorbed)
SHEET_NAME_MAX = 31
# Characters XML 1.0 cannot carry at all (a pasted control character would break the file).
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# What a text needs escaped or dropped: one scan finds most texts clean and writes them as is.
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

STYLES = "".join(
    [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + "\n",
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>',
        "</numFmts>",
        '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font><font><b/>',
        '<sz val="11"/><name val="Calibri"/></font><font><i/><sz val="11"/>',
        '<name val="Calibri"/></font></fonts>',
        '<fills count="3"><fill><patternFill patternType="none"/></fill><fill>',
        '<patternFill patternType="gray125"/></fill><fill>',
        '<patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/>',
        '<bgColor indexed="64"/></patternFill></fill></fills>',
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>',
        "</borders>",
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>',
        "</cellStyleXfs>",
        '<cellXfs count="4">',
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0"',
        ' applyFont="1" applyFill="1"/>',
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
        '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
        "</cellXfs>",
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>',
        "</cellStyles>",
        "</styleSheet>",
    ]
)
HEADER, DATE, NOTE = 1, 2, 3  # the cellXfs above
_INLINE = '" t="inlineStr"><is><t xml:space="preserve">'  # a text cell, after its reference
_DATED = f'" s="{DATE}"><v>'  # a date cell, after its reference


def _letters(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _INVALID.sub("", text) if _INVALID.search(text) else text


class Sink(Protocol):
    """Where a sheet's rows go: a temporary file, or straight into the zip (Deflating)."""

    def write(self, data: bytes, /) -> int: ...  # noqa: D102


class Deflating:
    """A zip member written by a thread of its own, a megabyte at a time.

    zlib deflates (and sums) without holding the GIL, so compressing a million rows runs on a
    second core while the next rows are formatted, instead of after them all (about a sixth of
    the register's time, bench/register_1m.py). At most eight chunks wait: memory stays flat.
    """

    CHUNK = 1 << 20

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self._part = archive.open(name, "w", force_zip64=True)
        self._chunks: list[bytes] = []
        self._size = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-deflate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while (chunk := self._queue.get()) is not None:
                self._part.write(chunk)
        except BaseException as exc:  # raised again in close(), in the writer's thread
            self._error = exc
            while self._queue.get() is not None:  # keep taking chunks: the writer never blocks
                pass

    def write(self, data: bytes, /) -> int:
        """Add bytes; a full chunk goes to the deflating thread."""
        self._chunks.append(data)
        self._size += len(data)
        if self._size >= self.CHUNK:
            self._queue.put(b"".join(self._chunks))
            self._chunks.clear()
            self._size = 0
        return len(data)

    def abandon(self) -> None:
        """Stop the thread and close the member as it stands (the workbook is being given up)."""
        self._queue.put(None)
        self._thread.join()
        self._part.close()

    def close(self) -> None:
        """Send the rest, wait for the thread, close the member (raising what went wrong)."""
        if self._chunks:
            self._queue.put(b"".join(self._chunks))
            self._chunks.clear()
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        self._part.close()


class FastSheet:
    """One worksheet whose rows stream to a temporary file (or into the zip) until it closes."""

    def __init__(
        self,
        name: str,
        columns: Sequence[Column],
        strings: dict[str, int],
        sink: Deflating | None = None,
    ) -> None:
        self.name = name
        self.columns = columns
        self.letters = [_letters(n) for n in range(len(columns))]
        self.kinds = [c.cell for c in columns]
        # Each cell's opening up to its row number: `<c r="B` (the row's number follows).
        self._heads = [f'<c r="{letter}' for letter in self.letters]
        self.strings = strings  # the workbook's shared strings (LABEL cells), text -> index
        # Bytes, encoded once as each row is written: into the zip member as they come, or
        # spooled to a temporary file and copied into the zip when the workbook closes.
        self.sink = sink
        self.spool: IO[bytes] | None = None
        self.rows: Sink
        if sink is None:
            self.spool = self.rows = tempfile.TemporaryFile("w+b")  # noqa: SIM115 -- closed in close()
        else:
            self.rows = sink
            sink.write(self.xml_head().encode("utf-8"))
        self.row = 0
        self._cells([c.header for c in columns], style=HEADER)

    def _cells(self, values: Sequence[Any], style: int = 0) -> None:
        number = self.row + 1
        parts = [f'<row r="{number}">']
        append = parts.append
        styled = f' s="{style}"' if style else ""
        for letter, value in zip(self.letters, values, strict=False):
            if value is None or value == "":
                continue
            ref = f"{letter}{number}"
            if isinstance(value, datetime | date):
                moment = value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])  # noqa: DTZ001
                serial = (moment - EPOCH).total_seconds() / 86400
                append(f'<c r="{ref}" s="{DATE}"><v>{serial}</v></c>')
            elif isinstance(value, int | float) and not isinstance(value, bool):
                append(f'<c r="{ref}"{styled}><v>{value}</v></c>')
            else:
                text = _escape(str(value))
                append(
                    f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">'
                    f"{text}</t></is></c>"
                )
        append("</row>")
        self.rows.write("".join(parts).encode())

    def _shared(self, text: str) -> int:
        index = self.strings[text] = len(self.strings)
        return index

    def write(self, values: Sequence[Any]) -> None:
        """Write one row below the last (each column written as its kind says).

        A DATETIME cell takes a naive datetime (wall clock) or its Excel serial number as text
        (as RegisterCells.record gives it); a LABEL cell's text is a shared string.
        """
        self.row += 1
        n = str(self.row + 1)
        parts = [f'<row r="{n}">']
        append = parts.append
        strings = self.strings
        label, text, when, number = Cell.LABEL, Cell.TEXT, Cell.DATETIME, Cell.NUMBER
        for head, kind, value in zip(self._heads, self.kinds, values, strict=False):
            if value is None or value == "":
                continue
            cls = value.__class__
            if cls is str:
                if kind is label:
                    index = strings.get(value)
                    if index is None:
                        index = self._shared(value)
                    append(f'{head}{n}" t="s"><v>{index}</v></c>')
                    continue
                if kind is text:
                    if _SPECIAL.search(value):
                        value = _escape(value)
                    append(f"{head}{n}{_INLINE}{value}</t></is></c>")
                    continue
                if kind is when:  # a serial number's text (ExcelTimes)
                    append(f"{head}{n}{_DATED}{value}</v></c>")
                    continue
            elif cls is int or cls is float:
                if kind is number:
                    append(f'{head}{n}"><v>{value}</v></c>')
                    continue
            elif cls is datetime and kind is when:
                append(f"{head}{n}{_DATED}{(value - EPOCH).total_seconds() / 86400}</v></c>")
                continue
            # A value unlike its column (a summary's mixed second column): by its own kind.
            self._cells(values)
            return
        append("</row>")
        self.rows.write("".join(parts).encode())

    def note(self, text: str) -> None:
        """Write a line of text below the last row (e.g. "no reports in this period")."""
        self.row += 1
        self._cells([text], style=NOTE)

    def xml_head(self) -> str:
        """Return the sheet's XML up to its rows: frozen header and column widths."""
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{c.width + 0.7}" customWidth="1"/>'
            for n, c in enumerate(self.columns, start=1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2"'
            ' activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
        )

    @property
    def filter_ref(self) -> str:
        """Return the range the header's filter covers."""
        return f"A1:{self.letters[-1]}{max(self.row, 1) + 1}"

    def xml_tail(self) -> str:
        """Return the sheet's XML after its rows: the filter."""
        return f'</sheetData><autoFilter ref="{self.filter_ref}"/></worksheet>'


class FastWorkbook:
    """A workbook of FastSheets, written as an .xlsx (zip) when closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sheets: list[FastSheet] = []
        self.strings: dict[str, int] = {}
        self._archive: zipfile.ZipFile | None = None

    def sheet(self, name: str, columns: Sequence[Column], *, stream: bool = False) -> FastSheet:
        """Add a sheet with its header row.

        `stream`: its rows go into the zip as they are written, deflated beside (one such sheet
        per workbook: the big one; the others are spooled and copied in when the book closes).
        """
        for bad in "[]:*?/\\":
            name = name.replace(bad, " ")
        sink = None
        if stream and not any(s.sink is not None for s in self.sheets):
            sink = Deflating(self._zip(), f"xl/worksheets/sheet{len(self.sheets) + 1}.xml")
        sheet = FastSheet(name[:SHEET_NAME_MAX], columns, self.strings, sink)
        self.sheets.append(sheet)
        return sheet

    def abandon(self) -> None:
        """Give the workbook up after a failure: stop its thread, leave no open file behind."""
        for sheet in self.sheets:
            if sheet.sink is not None:
                sheet.sink.abandon()
            if sheet.spool is not None:
                sheet.spool.close()
        if self._archive is not None:
            self._archive.close()  # a zip of what was written: the caller deletes it
            self._archive = None

    def _zip(self) -> zipfile.ZipFile:
        if self._archive is None:
            # Level 1: a register compresses about ten times at a fraction of the default's time.
            self._archive = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        return self._archive

    def close(self) -> None:
        """Write the zip: the package parts, then each sheet streamed from its file."""
        n = len(self.sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        content_types = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            f"{overrides}</Types>"
        )
        rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        )
        sheets = "".join(
            f'<sheet name="{_escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(self.sheets, start=1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"'{_escape(s.name)}'!$A$1:${s.letters[-1]}${max(s.row, 1) + 1}"
            "</definedName>"
            for i, s in enumerate(self.sheets)
        )
        workbook = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<sheets>{sheets}</sheets><definedNames>{names}</definedNames></workbook>"
        )
        book_rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        book_rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{book_rels}<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        )
        shared = "".join(
            f'<si><t xml:space="preserve">{_escape(text)}</t></si>' for text in self.strings
        )
        shared = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            f' uniqueCount="{len(self.strings)}">{shared}</sst>'
        )
        for sheet in self.sheets:  # the streamed sheet's member first: one member at a time
            if sheet.sink is not None:
                sheet.sink.write(sheet.xml_tail().encode("utf-8"))
                sheet.sink.close()
        with self._zip() as archive:
            archive.writestr("[Content_Types].xml", content_types)
            archive.writestr("_rels/.rels", rels)
            archive.writestr("xl/workbook.xml", workbook)
            archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
            archive.writestr("xl/styles.xml", STYLES)
            archive.writestr("xl/sharedStrings.xml", shared)
            for i, sheet in enumerate(self.sheets, start=1):
                if sheet.spool is None:
                    continue
                with archive.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as part:
                    part.write(sheet.xml_head().encode("utf-8"))
                    sheet.spool.seek(0)
                    while chunk := sheet.spool.read(1 << 20):
                        part.write(chunk)
                    part.write(sheet.xml_tail().encode("utf-8"))
                sheet.spool.close()
