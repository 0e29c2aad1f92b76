"""Workbooks and CSV: tables written row by row, never held whole (a year of reports streams).

Excel: XlsxWriter in constant_memory mode (each row goes to disk as soon as the next starts):
a summary sheet first, one sheet per table, a frozen bold header, filters, widths, and dates
written as dates. CSV: UTF-8 with a byte-order mark, so that Excel opens it with the accents.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from bot.services.reports.cells import Cell

DATE_FORMAT = "yyyy-mm-dd hh:mm"
SHEET_NAME_MAX = 31  # Excel's limit


@dataclass(frozen=True)
class Column:
    """A table's column: its header, how it is written, its width in characters."""

    header: str
    cell: Cell = Cell.TEXT
    width: int = 14


class SheetWriter:
    """One worksheet, written a row at a time below its header."""

    def __init__(self, book: Workbook, sheet: Any, columns: Sequence[Column]) -> None:
        self.book = book
        self.sheet = sheet
        self.columns = columns
        self.row = 0
        for n, column in enumerate(columns):
            sheet.set_column(n, n, column.width)
            sheet.write_string(0, n, column.header, book.header_format)
        sheet.freeze_panes(1, 0)

    def write(self, values: Sequence[Any]) -> None:
        """Write one row below the last."""
        self.row += 1
        sheet, row, fmt = self.sheet, self.row, self.book.date_format
        for n, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, datetime | date):
                sheet.write_datetime(row, n, value, fmt)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(row, n, value)
            else:
                sheet.write_string(row, n, str(value))

    def note(self, text: str) -> None:
        """Write a line of text across the row below (e.g. "no reports in this period")."""
        self.row += 1
        self.sheet.write_string(self.row, 0, text, self.book.note_format)

    def finish(self) -> None:
        """Put the filter on the header, over every written row."""
        self.sheet.autofilter(0, 0, max(self.row, 1), len(self.columns) - 1)


class Workbook:
    """An Excel workbook in constant-memory mode; sheets appear in the order they are added."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter  # type: ignore[import-untyped]  # lazy: start-up does not load it

        self.book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_numbers": False}
        )
        self.header_format = self.book.add_format({"bold": True, "bg_color": "#DDEBF7"})
        self.date_format = self.book.add_format({"num_format": DATE_FORMAT})
        self.note_format = self.book.add_format({"italic": True})
        self.title_format = self.book.add_format({"bold": True, "font_size": 14})
        self.sheets: list[SheetWriter] = []

    def sheet(self, name: str, columns: Sequence[Column]) -> SheetWriter:
        """Add a sheet with its header row."""
        worksheet = self.book.add_worksheet(_sheet_name(name))
        writer = SheetWriter(self, worksheet, columns)
        self.sheets.append(writer)
        return writer

    def close(self) -> None:
        """Finish every sheet and write the file."""
        for sheet in self.sheets:
            sheet.finish()
        self.book.close()


def _sheet_name(name: str) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:SHEET_NAME_MAX]


class CsvWriter:
    """A CSV file with the same header and rows as a sheet; dates as `YYYY-MM-DD HH:MM`."""

    def __init__(self, handle: IO[str], columns: Sequence[Column]) -> None:
        self.writer = csv.writer(handle)
        self.writer.writerow([c.header for c in columns])
        self.row = 0

    def write(self, values: Sequence[Any]) -> None:
        """Write one row."""
        self.row += 1
        self.writer.writerow([_csv_value(v) for v in values])

    def note(self, text: str) -> None:
        """Write a line of text in the first column."""
        self.writer.writerow([text])


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value
