"""Reading and writing spreadsheet files: CSV, XLSX, ODS and JSON, as streams, within limits.

Reading (`read_rows`) yields a file's rows as lists of cells, the header first, without ever
holding the whole file: CSV a line at a time, XLSX and ODS a block of whole rows (about a
megabyte of XML) at a time as it is inflated, JSON an object at a time. Bad files are refused
with a `FileProblem` a curator can act on; a bad cell with a `CellProblem` (a FileProblem)
naming its row and column.

Cells come typed: text as str, numbers as int or Decimal (never float), dates as date or
datetime, true/false as bool, empty cells as None. A number reads as a spreadsheet shows it, to
the 15 significant digits Excel and LibreOffice hold: stored as 0.29099999999999998, it reads as
Decimal("0.291"). Percent and month/year formats read as typed ("43.7%", "2022-01", "2011").
NaN, Infinity or text in a number cell, a NUL or half a character (a lone surrogate) in any cell,
are refused.

Limits, each checked on what has actually been read, never on sizes a file declares (settings,
or a `Limits` passed to read_rows; the defaults are Excel's where Excel has one):

    SPREADSHEET_MAX_ROWS               1,048,576   rows in a sheet (Excel's last row)
    SPREADSHEET_MAX_COLUMNS               16,384   columns in a row (Excel's last column, XFD)
    SPREADSHEET_MAX_CELLS             25,165,824   cells read in all: rows × columns, empty ones between
                                                   filled cells included (1,048,576 rows of 24 columns)
    SPREADSHEET_MAX_CELL_CHARS            32,767   characters in a cell (Excel's limit)
    SPREADSHEET_MAX_ROW_BYTES              8 MiB   a CSV line or record, a row of XLSX/ODS XML, a JSON object
    SPREADSHEET_MAX_UNPACKED_BYTES         4 GiB   bytes inflated from an XLSX/ODS zip, counted as inflated...
    SPREADSHEET_MAX_COMPRESSION_RATIO        200   ...and at most this many per byte of the file
    SPREADSHEET_MAX_SHARED_STRINGS_BYTES 128 MiB   an XLSX's shared-strings table, the one part held whole

A JSON file must be a list of flat objects: a list or object inside a row is refused at its
first bracket, so nesting costs nothing to refuse. A file within every limit is read in time
linear in its size, about 1 µs of CPU a cell: a file at the cells limit takes some 11 s to read
(and longer to import), so a caller serving the web may pass lower limits, e.g.
`Limits.from_settings(rows=200_000)`.

Writing (`write_file_chunks`) yields a file as bytes, a few thousand rows at a time, in every
format, so an HTTP response can stream it and memory stays flat at any size (XLSX and ODS are
zips written with data descriptors, which need no seeking back). Numbers stay numbers, negative
ones too; a number of more than 15 significant digits (or NaN, Infinity) goes into a text cell
rather than be rounded, and JSON numbers are exact literals. Text a spreadsheet would run as a
formula (starting with = + - @, tab or CR) gets a leading apostrophe in CSV, XLSX and ODS, which
`unescape_formula` removes on import. Whatever a writer writes, its reader reads back as the same
cells (tests/test_spreadsheet_writers.py).
"""

from collections.abc import Iterable, Iterator
from pathlib import Path

from .cells import FORMULA_TRIGGERS, escape_formula, unescape_formula
from .limits import CellProblem, FileProblem, Limits
from .ods import read_ods, write_ods
from .text_formats import read_csv, read_json, text_encoding, write_csv, write_json
from .xlsx import read_xlsx, write_xlsx

__all__ = ["CONTENT_TYPES", "FORMATS", "FORMULA_TRIGGERS", "CellProblem", "FileProblem", "Limits", "escape_formula",
           "format_of", "read_rows", "unescape_formula", "write_csv", "write_file_chunks", "write_json", "write_ods",
           "write_xlsx"]

FORMATS = ("csv", "xlsx", "ods", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "json": "application/json",
}


def format_of(name: str, declared: str | None = None) -> str:
    fmt = (declared or Path(name).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise FileProblem(f"“{name}”: unknown format “{fmt or 'none'}”; expected one of {', '.join(FORMATS)}")
    return fmt


def read_rows(stream, fmt: str, *, name: str = "the file", encoding: str | None = None,
              limits: Limits | None = None) -> Iterator[list]:
    """Yield the rows of a seekable binary stream as lists of cells; the first row is the header.

    Problems with the file raise FileProblem, at once for a bad `encoding`, otherwise as the rows
    are read (a CellProblem names the row and column).
    """
    limits = limits or Limits.from_settings()
    if encoding is not None:
        text_encoding(encoding)
    if fmt == "csv":
        return read_csv(stream, name, encoding, limits)
    if fmt == "xlsx":
        return read_xlsx(stream, name, limits)
    if fmt == "ods":
        return read_ods(stream, name, limits)
    if fmt == "json":
        return read_json(stream, name, limits)
    raise FileProblem(f"{name}: unknown format “{fmt}”")


_WRITERS = {"csv": write_csv, "json": write_json, "xlsx": write_xlsx, "ods": write_ods}


def write_file_chunks(fmt: str, header: list[str], rows: Iterable[list], *, sheet_name: str = "Sheet1",
                      ) -> Iterator[bytes]:
    """Yield a file of `fmt` as bytes, a few thousand rows at a time (`sheet_name` for XLSX and ODS)."""
    if fmt not in _WRITERS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt in ("xlsx", "ods"):
        return _WRITERS[fmt](header, rows, sheet_name=sheet_name)
    return _WRITERS[fmt](header, rows)
