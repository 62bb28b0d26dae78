"""XLSX: the first sheet read as a stream of rows, and a sheet written as a stream of bytes.

Reading inflates the sheet a megabyte at a time and cuts the XML after its last whole row; one
findall of one regular expression takes that block apart into row tags and cells, and a Python
loop turns the cells into values. Memory holds one block (a row may be no bigger than the row
limit) and the shared-strings table (bounded, one UTF-8 blob). The expression is linear by
construction: every repeat is possessive or stops at a character it cannot cross, and its last
alternative matches any leftover tag or text, so nothing in a row is skipped unseen. The usual
cell (r, s and t in that order, a <v> or an inline string) has an alternative of its own; any
other takes a slower path that reads every attribute.

Why not expat, or python-calamine? Expat calls Python five to seven times a cell; this makes
one match. bench/spreadsheets.py, side by side in CPU time: about 68,000 rows/s of 16 columns
here against 46,000 for an expat reader that types cells the same way (and checks nothing);
python-calamine reads about 135,000 but cannot stream (python-calamine#42: it holds the whole
sheet, 1.3 GB at a million rows). The small parts (workbook, relationships, styles) do go through
expat, with document types (and so entity expansion) refused.

Cells are read as the person typed them: numbers as int or Decimal as the spreadsheet shows them
(15 significant digits), dates as dates, and percent and month/year formats restored from
styles.xml ("43.7%", "2022-01", "2011").
"""

import posixpath
import re
from array import array
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from xml.parsers import expat

from .archive import Archive, ZipStream
from .cells import escape_formula, number_literal, percent_text, stored_number, utc_naive
from .limits import FileProblem, Limits, MiB, Sheet, column_name, human_bytes
from .xml_scan import TAG, Scanner, xml_text

_PART_BYTES = 16 * MiB  # workbook.xml, its relationships and styles.xml are read whole, up to this


# Reading -------------------------------------------------------------------------------------------

def read_xlsx(stream, name: str, limits: Limits):
    archive = Archive(stream, name, "xlsx", limits)
    sheet_part, shared_part, styles_part, date1904 = _workbook_parts(archive)
    kinds = _style_kinds(archive, styles_part) if styles_part else {}
    shared = _SharedStrings.read(archive, shared_part, limits) if shared_part else _SharedStrings(name, limits)
    yield from _sheet_rows(archive, sheet_part, Sheet(name, limits), shared, kinds, date1904)


def _parse_part(archive: Archive, part: str, start) -> None:
    """Run expat over a small part, calling start(local_name, attributes) for each element."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse_doctype(*_):
        raise FileProblem(f"{archive.name}: {part} declares a document type, which spreadsheet files never do")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.StartElementHandler = lambda tag, attributes: start(tag.rpartition(" ")[2], {
        ("r:" if "relationships" in key else "") + key.rpartition(" ")[2]: value for key, value in attributes.items()})
    try:
        parser.Parse(archive.read(part, _PART_BYTES), True)
    except expat.ExpatError as error:
        raise archive.unreadable(f" ({part}: {error})") from None


def _workbook_parts(archive: Archive) -> tuple[str, str | None, str | None, bool]:
    """The first sheet's part, the shared strings' and styles' parts, and whether dates count from 1904."""
    sheets, settings = [], {}

    def workbook(tag, attributes):
        if tag == "sheet":
            sheets.append(attributes.get("r:id"))
        elif tag == "workbookPr":
            settings.update(attributes)

    _parse_part(archive, "xl/workbook.xml", workbook)
    targets: dict[str, str] = {}
    by_type: dict[str, str] = {}

    def relationships(tag, attributes):
        if tag == "Relationship" and attributes.get("TargetMode") != "External":
            target = attributes.get("Target", "")
            target = target[1:] if target.startswith("/") else posixpath.normpath("xl/" + target)
            targets[attributes.get("Id")] = target
            by_type.setdefault(attributes.get("Type", "").rpartition("/")[2], target)

    if "xl/_rels/workbook.xml.rels" in archive.names:
        _parse_part(archive, "xl/_rels/workbook.xml.rels", relationships)
    sheet = targets.get(sheets[0]) if sheets else None
    if sheet not in archive.names:
        sheet = "xl/worksheets/sheet1.xml"
        if not sheets or sheet not in archive.names:
            raise archive.unreadable(" (it has no sheet)")
    shared = by_type.get("sharedStrings", "xl/sharedStrings.xml")
    styles = by_type.get("styles", "xl/styles.xml")
    date1904 = settings.get("date1904", "").lower() in ("1", "true")
    return sheet, shared if shared in archive.names else None, styles if styles in archive.names else None, date1904


# Built-in number formats that change how a number reads (ECMA-376 18.8.30).
_BUILTIN_KINDS = {9: "percent", 10: "percent", 14: "date", 15: "date", 16: "date", 17: "month", 18: "time",
                  19: "time", 20: "time", 21: "time", 22: "date", 45: "time", 46: "duration", 47: "time"}


def format_kind(code: str) -> str | None:
    """What a number format makes of a number: percent, date, month, year, time, duration or None.

    Only the first section counts; quoted text, escaped characters and [colour]/[$-locale] tags
    are not format letters. A month/year format ("mmm-yy", "yyyy") is read back as the person
    typed it ("2022-01", "2011"), since that is all the cell says.
    """
    letters, index, duration = [], 0, False
    while index < len(code):
        char = code[index]
        if char == ";":
            break
        if char in "\\_*":
            index += 2
            continue
        if char == '"':
            end = code.find('"', index + 1)
            index = len(code) if end < 0 else end + 1
            continue
        if char == "[":
            end = code.find("]", index + 1)
            inside = code[index + 1: len(code) if end < 0 else end].lower()
            duration = duration or (inside != "" and set(inside) <= set("hms"))
            index = len(code) if end < 0 else end + 1
            continue
        letters.append(char.lower())
        index += 1
    found = set(letters)
    if "%" in found:
        return "percent"
    if duration:
        return "duration"
    if "y" in found and not found & set("dhs"):
        return "month" if "m" in found else "year"
    if found & set("dy") or ("m" in found and not found & set("hs")):
        return "date"
    if found & set("hs"):
        return "time"
    return None


def _style_kinds(archive: Archive, part: str) -> dict[bytes, str]:
    """{style index as written in a cell's s="…": kind} for the styles whose format changes a reading."""
    codes: dict[int, str] = {}
    styles: list[int] = []
    section = [""]  # cell formats (<xf>) count only inside <cellXfs>, not <cellStyleXfs>

    def start(tag, attributes):
        if tag == "numFmt":
            number = attributes.get("numFmtId", "")
            if number.isdigit() and len(number) < 10:
                codes[int(number)] = attributes.get("formatCode", "")
        elif tag in ("cellXfs", "cellStyleXfs"):
            section[0] = tag
        elif tag == "xf" and section[0] == "cellXfs":
            number = attributes.get("numFmtId", "0")
            styles.append(int(number) if number.isdigit() and len(number) < 10 else 0)

    _parse_part(archive, part, start)
    kinds = {}
    for index, number in enumerate(styles):
        kind = format_kind(codes[number]) if number in codes else _BUILTIN_KINDS.get(number)
        if kind:
            kinds[str(index).encode()] = kind
    return kinds


class _SharedStrings:
    """The shared-strings table, held whole as one UTF-8 blob and its offsets: 8 bytes a string."""

    def __init__(self, name: str, limits: Limits):
        self.name, self.limits = name, limits
        self.blob = bytearray()
        self.offsets = array("q", [0])
        self.bad: dict[int, str] = {}

    def __len__(self):
        return len(self.offsets) - 1

    def add(self, raw: bytes, plain: bool) -> None:
        """Add one string as stored; `plain` when it has no entity or escape to undo."""
        if not plain:
            try:
                raw = xml_text(raw).encode()
            except ValueError as error:
                self.bad[len(self)] = str(error)
                raw = b""
        if len(raw) > self.limits.cell_chars and len(raw.decode("utf-8", "replace")) > self.limits.cell_chars:
            self.bad[len(self)] = f"the cell holds more than {self.limits.cell_chars:,} characters"
            raw = b""
        elif b"\x00" in raw:
            self.bad[len(self)] = "the cell holds a NUL character (\\0), which no spreadsheet program writes"
            raw = b""
        self.blob += raw
        self.offsets.append(len(self.blob))
        if len(self.blob) + 8 * len(self.offsets) > self.limits.shared_strings_bytes:
            raise FileProblem(f"{self.name} is refused: its shared-strings table holds more than "
                              f"{human_bytes(self.limits.shared_strings_bytes)} of text (the limit)")

    @classmethod
    def read(cls, archive: Archive, part: str, limits: Limits) -> "_SharedStrings":
        table = cls(archive.name, limits)
        scanner = Scanner(archive, part, limits, b"sst")
        prefix = re.escape(scanner.prefix)
        pattern = _si_pattern(prefix)
        item_open = b"<" + scanner.prefix + b"si"
        for block in scanner.blocks(item_open):
            for fast, general, junk in pattern.findall(block):
                if junk:
                    if junk.startswith(item_open) and junk[len(item_open):len(item_open) + 1] in b" \t\r\n/>":
                        raise archive.unreadable(f" ({part}: string {len(table) + 1:,} is malformed)")
                    continue
                if fast or not general:
                    table.add(fast, b"&" not in fast and b"_x" not in fast and b"\r" not in fast)
                else:
                    try:
                        table.add(_rich_text(general, scanner.prefix).encode(), True)
                    except ValueError as error:
                        table.bad[len(table)] = str(error)
                        table.add(b"", True)
        return table


@lru_cache(maxsize=8)
def _si_pattern(p: bytes) -> re.Pattern:
    return re.compile(
        rb"<%(p)ssi><%(p)st(?: xml:space=\"preserve\")?>([^<]*)</%(p)st></%(p)ssi>"
        rb"|<%(p)ssi(?=[\s/>])[^<>]*?(?:/>|>((?:[^<]++|<(?!/?%(p)ssi[\s/>])[^<>]*+>)*+)</%(p)ssi>)"
        rb"|(<[^<]*|[^<]+)" % {b"p": p}
    )


def _rich_text(content: bytes, prefix: bytes) -> str:
    """The text of rich-text runs: every <t> in order, leaving out phonetic guides (<rPh>)."""
    parts, in_text, in_phonetic = [], False, 0
    t, rph = prefix + b"t", prefix + b"rPh"
    for match in TAG.finditer(content):
        closing, tag, _, empty, text = match.groups()
        if text is not None:
            if in_text and not in_phonetic:
                parts.append(text)
        elif tag == rph and not empty:
            in_phonetic += -1 if closing else 1
        elif tag == t:
            in_text = not closing and not empty
    return xml_text(b"".join(parts))


@lru_cache(maxsize=8)
def _sheet_pattern(p: bytes) -> re.Pattern:
    """One pass over a block of rows; each alternative is marked by a group that is never empty.

    Few groups, since findall builds a tuple of them for every match: that is half its cost.
    """
    return re.compile(
        # 1-4: a cell as Excel, LibreOffice and openpyxl write it (r, s and t in that order): column
        # letters, style, type, and its value or inline text.
        rb"<%(p)sc r=\"([A-Z]{1,3})[0-9]+\"(?: s=\"([0-9]+)\")?(?: t=\"([a-zA-Z]+)\")?"
        rb"(?: ?/>|>(?:<%(p)sv>|<%(p)sis><%(p)st(?: xml:space=\"preserve\")?>)([^<]*)"
        rb"(?:</%(p)sv>|</%(p)st></%(p)sis>)</%(p)sc>)"
        # 5: a row's start or end tag.
        rb"|(</%(p)srow>|<%(p)srow(?=[\s/>])[^<>]*>)"
        # 6: any other cell, whole: content that crosses no other cell's or row's tag.
        rb"|(<%(p)sc(?=[\s/>])[^<>]*?(?:/>|>(?:[^<]++|<(?!/?%(p)s(?:c|row)[\s/>])[^<>]*+>)*+</%(p)sc>))"
        # 7: anything else, a tag or text at a time, so that nothing is skipped unseen.
        rb"|(<[^<]*|[^<]+)" % {b"p": p}
    )


_ATTRIBUTE = re.compile(rb"\s(r|s|t)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"']([0-9]{1,10})[\"']")
_REFERENCE = re.compile(rb"([A-Z]{1,3})([0-9]{1,10})$")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s+ref\s*=\s*[\"'][A-Z]*[0-9]*:?([A-Z]{1,4})([0-9]{1,12})[\"']")


@lru_cache(maxsize=1)
def _column_indexes() -> dict[bytes, int]:
    """{b"A": 0, …, b"ZZZ": 18277}: every column name a cell reference can hold."""
    return {column_name(index).encode(): index for index in range(26 + 26**2 + 26**3)}


def _general_cell(cell: bytes, prefix: bytes):
    """(column letters, style, type, value or inline text) of a cell not written the usual way."""
    tag_end = cell.find(b">")
    attributes = cell[len(prefix) + 2:tag_end]
    content = cell[tag_end + 1:-len(prefix) - 4] if cell[tag_end - 1] != 47 else b""
    found = {name: double or single for name, double, single in _ATTRIBUTE.findall(attributes)}
    letters = b""
    if b"r" in found:
        reference = _REFERENCE.match(found[b"r"])
        if not reference:
            raise ValueError(f"the cell's reference “{found[b'r'][:20].decode('utf-8', 'replace')}” is not a cell "
                             "name")
        letters = reference.group(1)
    kind, value = found.get(b"t", b""), b""
    if kind == b"inlineStr":
        inline_start = content.find(b"<" + prefix + b"is")
        value = content[inline_start:] if inline_start >= 0 else b""
    elif content:
        v = re.search(rb"<%(p)sv(?:\s[^<>]*)?>([^<]*)</%(p)sv>" % {b"p": re.escape(prefix)}, content)
        value = v.group(1) if v else b""
    return letters, found.get(b"s", b""), kind, value


def _iso_date(value: bytes) -> date:
    try:
        text = value.decode("ascii")
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        shown = value[:40].decode("utf-8", "replace")
        raise ValueError(f"the date cell holds “{shown}”, which is not a date") from None


_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)
_LAST_SERIAL = 2958466  # 10000-01-01


def _dated(number, kind: str, date1904: bool):
    """A number in a date, time, month or year format → what the person typed; or the number."""
    if kind == "percent":
        return percent_text(number)
    if not 0 <= number < _LAST_SERIAL:
        return number
    if kind == "duration":
        return timedelta(milliseconds=round(float(number) * 86_400_000))
    whole = int(number)
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900 if whole >= 61 else _EPOCH_1900 + timedelta(days=1)
    moment = epoch + timedelta(days=whole, milliseconds=round(float(number - whole) * 86_400_000))
    if kind == "month":
        return moment.strftime("%Y-%m")
    if kind == "year":
        return str(moment.year)
    if kind == "time":
        return moment.time() if whole == 0 else moment
    return moment.date() if moment.time() == time() else moment


def _row_blocks(scanner: Scanner, sheet: Sheet):
    """The sheet's rows as blocks of XML that each end at the end of a row, up to </sheetData>."""
    prefix, limits = scanner.prefix, sheet.limits
    row_open, row_close = b"<" + prefix + b"row", b"</" + prefix + b"row>"
    data_close = b"</" + prefix + b"sheetData>"
    buffer = scanner.rest
    while (start_tag_end := buffer.find(b">")) < 0:
        chunk = next(scanner.source, None)
        if chunk is None or len(buffer) > limits.row_bytes:
            raise scanner.archive.unreadable(f" ({scanner.part} ends early)")
        buffer += chunk
    if buffer[start_tag_end - 1:start_tag_end] == b"/":  # <sheetData/>: no rows
        return
    buffer = buffer[start_tag_end + 1:]
    searched = 0  # the end of the sheet's rows is looked for in new XML only
    while True:
        end = buffer.find(data_close, max(searched - len(data_close), 0))
        if end >= 0:
            scanner.check(buffer[:end])
            yield buffer[:end]
            return
        cut = buffer.rfind(row_close)
        cut = cut + len(row_close) if cut >= 0 else 0
        last_open = buffer.rfind(row_open, cut)
        if last_open >= 0:  # rows written <row …/> after the last </row> are whole too
            tag_end = buffer.find(b">", last_open)
            if tag_end > 0 and buffer[tag_end - 1] == 47:
                cut = tag_end + 1
        if cut:
            block, buffer = buffer[:cut], buffer[cut:]
            scanner.check(block)
            yield block
        elif len(buffer) > limits.row_bytes:
            raise sheet.limit_problem(f"a row is over {human_bytes(limits.row_bytes)} of XML")
        searched = len(buffer)
        chunk = next(scanner.source, None)
        if chunk is None:
            raise scanner.archive.unreadable(f" ({scanner.part} ends in the middle of its rows)")
        buffer += chunk


def _sheet_rows(archive: Archive, part: str, sheet: Sheet, shared: _SharedStrings, kinds: dict, date1904: bool):
    limits = sheet.limits
    scanner = Scanner(archive, part, limits, b"sheetData")
    prefix = scanner.prefix
    dimension = _DIMENSION.search(scanner.head)
    if dimension:  # a declared size may only refuse a file early; what is read is counted below
        sheet.check_row_number(int(dimension.group(2)))
        sheet.check_width(int(dimension.group(2)), _column_indexes().get(dimension.group(1), limits.columns))
    pattern = _sheet_pattern(re.escape(prefix))
    columns = _column_indexes()
    max_columns, max_chars, max_cells = limits.columns, limits.cell_chars, limits.cells
    blob, offsets, bad = shared.blob, shared.offsets, shared.bad
    strings = len(offsets) - 1
    cell_tag = b"<" + prefix + b"c"
    row_tag_length = len(prefix) + 4
    previous = 0  # the number of the last row read
    yielded_up_to = None  # the number of the last row yielded; None until a row with cells is read
    cells = None  # the cells of the row being read, None between rows
    number = column = read = 0
    value = b""
    try:
        for block in _row_blocks(scanner, sheet):
            for letters, style, kind, value, row_tag, other_cell, junk in pattern.findall(block):
                if not letters:
                    if row_tag:
                        if row_tag[1] != 47:  # "/": a row starts
                            if cells is not None:
                                raise ValueError("a row starts before the previous one ends")
                            attributes = row_tag[row_tag_length:-1]
                            if attributes[:4] == b' r="' and attributes[4:-1].isdigit():
                                number = int(attributes[4:-1])
                            else:
                                found = _ROW_NUMBER.search(attributes)
                                number = int(found.group(1)) if found else previous + 1
                            if number <= previous:
                                raise ValueError(f"row {number:,} comes after row {previous:,}; the sheet's rows are "
                                                 "out of order")
                            if number > limits.rows:
                                sheet.check_row_number(number)
                            previous, cells, column = number, [], -1
                            if attributes[-1:] != b"/":
                                continue
                        elif cells is None:
                            raise ValueError("a row ends that never started")
                        read += column + 1  # every cell read counts, empty or not, and the gaps between
                        if read > max_cells:
                            sheet.count(number, read)
                        if cells:
                            if yielded_up_to is None:
                                yielded_up_to = number - 1  # leading empty rows are skipped
                            while yielded_up_to + 1 < number:  # rows the file leaves out are empty rows
                                yielded_up_to += 1
                                yield sheet.row(yielded_up_to, [], counted=True)
                            yielded_up_to = number
                            yield sheet.row(number, cells, counted=True)
                        cells = None
                        continue
                    if not other_cell:
                        if junk.startswith(cell_tag) and junk[len(cell_tag):len(cell_tag) + 1] in b" \t\r\n/>":
                            raise ValueError("the cell's XML is malformed")
                        continue
                    letters, style, kind, value = _general_cell(other_cell, prefix)
                    if not letters:
                        letters = None
                if cells is None:
                    raise ValueError("a cell stands outside any row")
                if letters:
                    index = columns[letters]
                    if index <= column:
                        column = index
                        raise ValueError("the cell comes after a cell to its right; the row's cells are out of order")
                    column = index
                else:
                    column += 1
                if column >= max_columns:
                    sheet.check_width(number, column)
                if not kind or kind == b"n":
                    if not value:
                        continue
                    if value.isdigit() and len(value) < 16:
                        cell = int(value)
                    else:
                        cell = stored_number(value)
                        if cell is None:
                            raise ValueError(f"the number cell holds “{value[:40].decode('utf-8', 'replace')}”, "
                                             "which is not a number")
                    if style and kinds:
                        style_kind = kinds.get(style)
                        if style_kind:
                            cell = _dated(cell, style_kind, date1904)
                elif kind == b"s":
                    if not value.isdigit():
                        raise ValueError(f"the cell refers to shared string “{value[:20].decode('utf-8', 'replace')}"
                                         "”, which is not a number")
                    index = int(value)
                    if index >= strings:
                        raise IndexError(index)
                    if bad and index in bad:
                        raise ValueError(bad[index])
                    start, end = offsets[index], offsets[index + 1]
                    if start == end:
                        continue
                    cell = blob[start:end].decode()
                elif kind == b"inlineStr":
                    if value[:1] == b"<":
                        cell = _rich_text(value, prefix)
                    elif b"&" in value or b"_x" in value or b"\r" in value:
                        cell = xml_text(value)
                    else:
                        cell = value.decode()
                    if len(cell) > max_chars or "\x00" in cell:
                        sheet.check_text(cell, number, column)
                    if not cell:
                        continue
                elif kind == b"str" or kind == b"e":
                    cell = xml_text(value)
                    if len(cell) > max_chars or "\x00" in cell:
                        sheet.check_text(cell, number, column)
                    if not cell:
                        continue
                elif kind == b"b":
                    if value not in (b"0", b"1"):
                        raise ValueError("the true/false cell holds neither 0 nor 1")
                    cell = value == b"1"
                elif kind == b"d":
                    cell = _iso_date(value)
                else:
                    raise ValueError(f"the cell has an unknown type “{kind[:20].decode('utf-8', 'replace')}”")
                if len(cells) != column:
                    cells.extend([None] * (column - len(cells)))
                cells.append(cell)
    except (ValueError, IndexError, OverflowError) as error:
        if isinstance(error, FileProblem):
            raise
        if isinstance(error, IndexError):
            message = f"the cell refers to shared string {value.decode('ascii', 'replace')}, which the file lacks"
        elif isinstance(error, UnicodeDecodeError):
            message = "the cell's text is not UTF-8"
        else:
            message = str(error) or "the cell cannot be read"
        raise sheet.cell_problem(number, max(column, 0) if cells is not None else None, message) from None
    if cells is not None:
        raise archive.unreadable(f" ({part} ends in the middle of row {number:,})")


# Writing -------------------------------------------------------------------------------------------

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/styles.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    b"</Types>"
)
_ROOT_RELATIONSHIPS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELATIONSHIPS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    b'Target="styles.xml"/></Relationships>'
)
# Style 0 is plain, 1 a date (yyyy-mm-dd), 2 a date and time: the only formats written.
_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    b'<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    b'</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    b'<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    b'<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"

# What XML 1.0 cannot hold (or would normalise away, like CR), and a literal "_xHHHH_" that readers
# would take for Excel's escape of a character.
_XML_ESCAPE = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def _escape_char(match) -> str:
    text = match.group()
    if len(text) > 1:
        return "_x005F" + text
    return _ESCAPES.get(text) or f"_x{ord(text):04X}_"


# Text that can be written as it is: no formula to escape, no markup, no white space at either end.
_NEEDS_CARE = re.compile(r"^[=+\-@\t\r\n ]|[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_|[\t\n ]$")


def _inline_string(text: str) -> str:
    if _XML_ESCAPE.search(text):
        text = _XML_ESCAPE.sub(_escape_char, text)
    if text[:1] in (" ", "\t", "\n") or text[-1:] in (" ", "\t", "\n"):
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


def _serial(moment: date) -> str | None:
    if isinstance(moment, datetime):
        moment = utc_naive(moment)
        delta = moment - _EPOCH_1900
        return repr(delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000)
    days = (moment - _EPOCH_1900.date()).days
    return str(days) if days >= 61 else None  # before March 1900 Excel's calendar is wrong: written as text


def write_xlsx(header: list[str], rows, sheet_name: str = "Sheet1", rows_per_chunk: int = 2000):
    """Yield an XLSX file as bytes, a few thousand rows at a time; memory stays flat at any size."""
    archive = ZipStream()
    archive.add("[Content_Types].xml", _CONTENT_TYPES)
    archive.add("_rels/.rels", _ROOT_RELATIONSHIPS)
    name = re.sub(r"[\[\]:*?/\\]", " ", sheet_name)[:31] or "Sheet1"
    archive.add("xl/workbook.xml", (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{_XML_ESCAPE.sub(_escape_char, name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ).encode())
    archive.add("xl/_rels/workbook.xml.rels", _WORKBOOK_RELATIONSHIPS)
    archive.add("xl/styles.xml", _STYLES)
    yield archive.drain()
    letters = [column_name(index) for index in range(max(len(header), 26))]
    care = _NEEDS_CARE.search
    with archive.open("xl/worksheets/sheet1.xml") as sheet:
        parts = [_SHEET_HEAD, '<row r="1">']
        for index, title in enumerate(header):
            parts.append(f'<c r="{letters[index]}1" t="inlineStr">{_inline_string(str(title))}</c>')
        parts.append("</row>")
        number = 1
        for row in rows:
            number += 1
            row_number = str(number)
            parts.append(f'<row r="{row_number}">')
            for index, cell in enumerate(row):
                if cell is None or cell == "":
                    continue
                if index >= len(letters):
                    letters.extend(column_name(i) for i in range(len(letters), index + 1))
                reference = letters[index] + row_number
                kind = type(cell)
                if kind is str:
                    if care(cell):
                        parts.append(f'<c r="{reference}" t="inlineStr">{_inline_string(escape_formula(cell))}</c>')
                    else:
                        parts.append(f'<c r="{reference}" t="inlineStr"><is><t>{cell}</t></is></c>')
                    continue
                if kind is bool:
                    parts.append(f'<c r="{reference}" t="b"><v>{int(cell)}</v></c>')
                    continue
                if isinstance(cell, date):
                    serial = _serial(cell)
                    if serial is not None:
                        style = 2 if isinstance(cell, datetime) else 1
                        parts.append(f'<c r="{reference}" s="{style}"><v>{serial}</v></c>')
                        continue
                    text = cell.isoformat()
                else:
                    literal = number_literal(cell)
                    if literal is not None:
                        parts.append(f'<c r="{reference}"><v>{literal}</v></c>')
                        continue
                    text = escape_formula(str(cell))
                parts.append(f'<c r="{reference}" t="inlineStr">{_inline_string(text)}</c>')
            parts.append("</row>")
            if number % rows_per_chunk == 0:
                sheet.write("".join(parts).encode())
                parts.clear()
                yield archive.drain()
        parts.append(_SHEET_TAIL)
        sheet.write("".join(parts).encode())
    archive.zip.close()
    yield archive.drain()
