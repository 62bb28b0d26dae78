"""Reading and writing spreadsheet files: CSV, XLSX, ODS and JSON.

Reading refuses bad files with a message a curator can act on (wrong
encoding, truncated or disguised files, zip bombs, files over the limit) and
streams CSV and XLSX row by row. Writing streams too, and escapes every cell a
spreadsheet program would run as a formula, while numbers stay numbers.
"""

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

FORMATS = ("csv", "xlsx", "ods", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "json": "application/json",
}
# A spreadsheet program runs a cell starting with these as a formula (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Unpacked XLSX/ODS content allowed per packed byte, and in all: beyond either it is a zip bomb.
MAX_COMPRESSION_RATIO = 200
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


def format_of(name: str, declared: str | None = None) -> str:
    fmt = (declared or Path(name).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise FileProblem(f"“{name}”: unknown format “{fmt or 'none'}”; expected one of {', '.join(FORMATS)}")
    return fmt


def read_rows(stream, fmt: str, *, name: str = "the file", encoding: str | None = None) -> Iterator[list]:
    """Yield the rows of a binary stream as lists of cells; the first row is the header."""
    if fmt == "csv":
        return _read_csv(stream, name, encoding)
    if fmt == "xlsx":
        return _read_xlsx(stream, name)
    if fmt == "ods":
        return _read_ods(stream, name)
    if fmt == "json":
        return _read_json(stream, name)
    raise FileProblem(f"{name}: unknown format “{fmt}”")


def _read_csv(stream, name, encoding):
    head = stream.read(4)
    stream.seek(0)
    if encoding is None:
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif b"\x00" in head:
            raise FileProblem(
                f"{name} looks like UTF-16 without a byte-order mark; save it as UTF-8 (or UTF-16 with a BOM), "
                "or declare its encoding"
            )
        else:
            encoding = "utf-8"
    if codecs.lookup(encoding).name.startswith("utf-16"):
        lines = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    else:
        lines = _decoded_lines(stream, encoding)
    reader = csv.reader(lines)
    line = 0
    try:
        for row in reader:
            line = reader.line_num
            yield row
    except _BadByte as error:
        raise FileProblem(
            f"{name} is not {encoding.upper().replace('-SIG', '')} text (byte 0x{error.byte:02x} on line "
            f"{error.line}); save it as UTF-8 or declare its encoding (e.g. latin-1)"
        ) from None
    except UnicodeDecodeError:
        raise FileProblem(f"{name} is not {encoding.upper()} text near line {line + 1}; save it as UTF-8") from None
    except csv.Error as error:
        raise FileProblem(f"{name} line {line + 1}: not valid CSV ({error})") from None


class _BadByte(Exception):
    def __init__(self, byte, line):
        self.byte, self.line = byte, line


def _decoded_lines(stream, encoding):
    """Decode line by line, so an undecodable byte is reported on its own line."""
    for number, raw in enumerate(stream, start=1):
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError as error:
            raise _BadByte(raw[error.start], number) from None


def _check_zip(stream, name, kind):
    try:
        archive = zipfile.ZipFile(stream)
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise FileProblem(
            f"{name} is not a readable {kind.upper()} file: it may be truncated, or another kind of file "
            f"renamed .{kind}"
        ) from None
    packed = sum(entry.compress_size for entry in entries) or 1
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
        raise FileProblem(
            f"{name} would unpack to {unpacked:,} bytes from {packed:,}: refused as a zip bomb "
            f"(limit {MAX_COMPRESSION_RATIO}× and {MAX_UNPACKED_BYTES:,} bytes)"
        )
    stream.seek(0)


def _read_xlsx(stream, name):
    """Read the first sheet with calamine (ten times openpyxl's speed), as the person typed it.

    Calamine gives values without their number formats, so a cell shown as 43.7% would read as
    0.437 and a month as its first day. The few styles that matter are found in styles.xml and
    the cells wearing them by one scan of the sheet's XML; the rest is left to calamine.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    _check_zip(stream, name, "xlsx")
    try:
        special = _formatted_cells(stream)
        stream.seek(0)
        sheet = CalamineWorkbook.from_filelike(stream).get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError):
        raise FileProblem(
            f"{name} is not a readable XLSX file: it may be truncated, or another kind of file renamed .xlsx"
        ) from None
    first_row = sheet.start[0] if sheet.start else 0
    for index, row in enumerate(rows, start=first_row + 1):
        cells = list(row)
        for (_, column), kind in special.get(index, {}).items():
            if column < len(cells):
                cells[column] = _as_typed(cells[column], kind)
        yield [None if cell == "" else cell for cell in cells]


_BUILTIN_FORMATS = {9: "0%", 10: "0.00%", 17: "mmm-yy"}


def _formatted_cells(stream) -> dict[int, dict]:
    """{row: {(row, column): "percent"|"month"|"year"}} for cells whose format changes their reading."""
    import re

    archive = zipfile.ZipFile(stream)
    styles = archive.read("xl/styles.xml") if "xl/styles.xml" in archive.namelist() else b""
    formats = dict(_BUILTIN_FORMATS)
    for number, code in re.findall(rb'<numFmt[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"', styles):
        formats[int(number)] = code.decode("utf-8", "replace")
    cell_xfs = re.search(rb"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    kinds = {}
    for index, number in enumerate(re.findall(rb'<xf[^>]*?numFmtId="(\d+)"', cell_xfs.group(1) if cell_xfs else b"")):
        code = formats.get(int(number), "").lower().replace("\\", "").replace('"', "")
        code = re.sub(r"\[[^\]]*\]", "", code)  # [$-409], [Red]
        if "%" in code:
            kinds[index] = "percent"
        elif "y" in code and "d" not in code and "h" not in code and "s" not in code:
            kinds[index] = "month" if "m" in code else "year"
    if not kinds:
        return {}
    sheet = next((n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")), None)
    if sheet is None:
        return {}
    wanted = "|".join(str(k) for k in kinds)
    pattern = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bs="(' + wanted.encode() + rb')"')
    found: dict[int, dict] = {}
    with archive.open(sheet) as xml:
        data = xml.read()
    for letters, row, style in pattern.findall(data):
        column = 0
        for letter in letters:
            column = column * 26 + letter - 64
        found.setdefault(int(row), {})[(int(row), column - 1)] = kinds[int(style)]
    return found


def _as_typed(value, kind):
    if kind == "percent" and isinstance(value, int | float) and not isinstance(value, bool):
        return _percent_text(value)
    if kind in ("month", "year") and isinstance(value, date):
        return value.strftime("%Y-%m") if kind == "month" else str(value.year)
    return value


def _percent_text(value) -> str:
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    return f"{number * 100:f}".rstrip("0").rstrip(".") + "%"


def _read_ods(stream, name):
    # tablib's ODS reader drops repeated cells (two equal neighbours become one), so we read the XML ourselves.
    from odf import opendocument, table, text
    from odf.namespaces import OFFICENS, TABLENS

    _check_zip(stream, name, "ods")
    try:
        document = opendocument.load(stream)
    except Exception:
        raise FileProblem(
            f"{name} is not a readable ODS file: it may be truncated, or another kind of file renamed .ods"
        ) from None
    sheets = document.spreadsheet.getElementsByType(table.Table)
    if not sheets:
        return
    for row in sheets[0].getElementsByType(table.TableRow):
        cells = []
        for cell in row.childNodes:
            if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            repeat = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1))
            kind = cell.attributes.get((OFFICENS, "value-type"))
            if kind in ("float", "currency"):
                number = Decimal(cell.attributes[(OFFICENS, "value")])
                value = int(number) if number == number.to_integral() else float(number)
            elif kind == "percentage":
                value = _percent_text(Decimal(cell.attributes[(OFFICENS, "value")]))
            elif kind == "date":
                raw = cell.attributes[(OFFICENS, "date-value")]
                value = date.fromisoformat(raw[:10])
            else:
                value = "\n".join(str(p) for p in cell.getElementsByType(text.P)) or None
            cells.extend([value] * min(repeat, 1000))
        while cells and cells[-1] in (None, ""):
            cells.pop()
        repeat_rows = int(row.attributes.get((TABLENS, "number-rows-repeated"), 1))
        if cells:
            yield from ([list(cells)] * min(repeat_rows, 10000))


def _read_json(stream, name):
    try:
        data = json.load(io.TextIOWrapper(stream, encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FileProblem(f"{name} is not valid JSON ({error})") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise FileProblem(f"{name}: expected a JSON list of objects, one per row, keyed by column name")
    header: list[str] = []
    for item in data:
        header.extend(key for key in item if key not in header)
    yield header
    for item in data:
        yield [item.get(key) for key in header]


def escape_formula(cell):
    """Prefix text a spreadsheet would run as a formula with an apostrophe; numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


def unescape_formula(cell):
    """Undo escape_formula, so an exported file imports back unchanged."""
    if isinstance(cell, str) and len(cell) > 1 and cell[0] == "'" and cell[1:].startswith(FORMULA_TRIGGERS):
        return cell[1:]
    return cell


def _plain(cell):
    if isinstance(cell, Decimal):
        return format(cell.normalize(), "f") if cell == cell.to_integral() else str(cell.normalize())
    return cell


class _Echo:
    def write(self, value):
        return value


def write_csv(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """Stream CSV text, starting with a BOM so Excel reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([("" if cell is None else escape_formula(_plain(cell))) for cell in row])


def write_json(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """Stream a JSON list of objects; numbers as JSON numbers, dates as ISO text."""

    def convert(cell):
        if isinstance(cell, Decimal):
            return int(cell) if cell == cell.to_integral() else float(cell)
        if isinstance(cell, date | datetime):
            return cell.isoformat()
        return cell

    yield "["
    for index, row in enumerate(rows):
        record = {key: convert(cell) for key, cell in zip(header, row, strict=True)}
        yield ("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def write_xlsx(header: list[str], rows: Iterable[list], target) -> None:
    """Write an XLSX file in openpyxl's write-only mode: memory stays flat however many rows."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("figures")
    sheet.append(header)
    for row in rows:
        sheet.append([_spreadsheet_cell(cell) for cell in row])
    workbook.save(target)


def write_ods(header: list[str], rows: Iterable[list], target) -> None:
    import tablib

    dataset = tablib.Dataset(headers=header)
    for row in rows:
        dataset.append([_spreadsheet_cell(cell) for cell in row])
    target.write(dataset.export("ods"))


def _spreadsheet_cell(cell):
    if isinstance(cell, Decimal):
        return int(cell) if cell == cell.to_integral() else float(cell)
    if cell is None:
        return None
    return escape_formula(cell)
