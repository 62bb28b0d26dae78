"""ODS: the first table read as a stream of rows, and a table written as a stream of bytes.

Like the XLSX reader, this scans content.xml a row at a time as it is inflated, with regular
expressions that are linear by construction. Repeated cells and rows (LibreOffice writes a
million empty rows as one element) are expanded only when something follows them, so a file
cannot ask for more than it holds. Cells are read by their value type: numbers as int or Decimal,
percentages as typed ("43.7%"), dates as dates, text with its spaces, tabs and line breaks.
"""

import re
from datetime import date, datetime, time
from functools import lru_cache

from .archive import Archive, ZipStream
from .cells import escape_formula, number_literal, percent_text, stored_number, utc_naive
from .limits import FileProblem, Limits, Sheet, human_bytes
from .xml_scan import ENTITY, TAG, Scanner, entity

_OFFICE = b"urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = b"urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = b"urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_OTHER_DOCUMENTS = {b"text": "a text document (ODT)", b"presentation": "a presentation (ODP)",
                    b"graphics": "a drawing (ODG)", b"formula": "a formula (ODF)", b"chart": "a chart (ODC)"}
_MAX_REPEAT = 10**9


# Reading -------------------------------------------------------------------------------------------

def read_ods(stream, name: str, limits: Limits):
    archive = Archive(stream, name, "ods", limits)
    if "mimetype" in archive.names:
        mimetype = archive.read("mimetype", 200).strip()
        if mimetype != _MIMETYPE:
            kind = mimetype.rpartition(b".")[2].split(b"-")[0]
            if mimetype.startswith(b"application/vnd.oasis.opendocument.") and kind in _OTHER_DOCUMENTS:
                raise FileProblem(f"{name} is {_OTHER_DOCUMENTS[kind]}, not a spreadsheet; save the table as ODS, "
                                  "XLSX or CSV")
            raise archive.unreadable()
    if "content.xml" not in archive.names:
        raise archive.unreadable()
    yield from _table_rows(archive, Sheet(name, limits))


class _Names:
    """The prefixes content.xml binds to the office, table and text namespaces."""

    def __init__(self, root_tag: bytes, archive: Archive):
        bound = {uri: prefix for prefix, uri in re.findall(rb"xmlns:([\w.-]+)\s*=\s*[\"']([^\"']*)[\"']", root_tag)}
        missing = [uri for uri in (_OFFICE, _TABLE, _TEXT) if uri not in bound]
        if _OFFICE in missing or _TABLE in missing:
            raise archive.unreadable(" (content.xml is not an OpenDocument spreadsheet)")
        self.office = bound[_OFFICE] + b":"
        self.table = bound[_TABLE] + b":"
        self.text = bound.get(_TEXT, b"text") + b":"


@lru_cache(maxsize=8)
def _cell_pattern(t: bytes) -> re.Pattern:
    cell = rb"%(t)s(?:covered-)?table-cell" % {b"t": t}
    return re.compile(
        rb"<%(cell)s(?=[\s/>])([^<>]*?)(?:/>|>((?:[^<]++|<(?!/?%(cell)s[\s/>])[^<>]*+>)*+)</%(cell)s>)"
        rb"|(<[^<]*|[^<]+)" % {b"cell": cell}
    )


_ATTRIBUTE = re.compile(rb"([\w.-]+:[\w.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _repeat(value: bytes | None, what: str) -> int:
    if value is None:
        return 1
    if not value.isdigit() or len(value) > 9 or int(value) < 1:
        raise ValueError(f"the number of repeated {what} is “{value[:20].decode('utf-8', 'replace')}”")
    return int(value)


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return ENTITY.sub(entity, text) if "&" in text else text


def _attribute_text(raw: bytes) -> str:
    """An attribute's value as XML reads it: raw tabs and line ends are spaces, &#10; a line end."""
    text = raw.decode("utf-8").replace("\r\n", " ").translate(_ATTRIBUTE_SPACES)
    return ENTITY.sub(entity, text) if "&" in text else text


_ATTRIBUTE_SPACES = str.maketrans("\t\n\r", "   ")


def _paragraphs(content: bytes, names: _Names, limit: int) -> str:
    """The text of a cell: its paragraphs joined by line breaks, <text:s/> as spaces, notes left out."""
    fast = re.fullmatch(rb"<%(p)sp>([^<]*)</%(p)sp>" % {b"p": re.escape(names.text)}, content)
    if fast:
        return _text(fast.group(1))
    text_p, text_h = names.text + b"p", names.text + b"h"
    spaces, tab, line_break = names.text + b"s", names.text + b"tab", names.text + b"line-break"
    annotation = names.office + b"annotation"
    paragraphs: list[list[str]] = []
    in_annotation = 0
    length = 0
    for match in TAG.finditer(content):
        closing, tag, attributes, empty, text = match.groups()
        if tag == annotation:
            in_annotation += 0 if empty else -1 if closing else 1
            continue
        if in_annotation:
            continue
        if text is not None:
            if paragraphs:
                paragraphs[-1].append(_text(text))
                length += len(text)
        elif tag in (text_p, text_h):
            if not closing:
                paragraphs.append([])
        elif not paragraphs:
            continue
        elif tag == spaces:
            count = re.search(rb"[\w.-]*:?c\s*=\s*[\"']([0-9]{1,9})[\"']", attributes)
            run = min(int(count.group(1)), limit + 1) if count else 1
            paragraphs[-1].append(" " * run)
            length += run
        elif tag == tab:
            paragraphs[-1].append("\t")
        elif tag == line_break:
            paragraphs[-1].append("\n")
        if length > limit:
            break
    return "\n".join("".join(parts) for parts in paragraphs)


def _table_rows(archive: Archive, sheet: Sheet):
    limits = sheet.limits
    scanner = Scanner(archive, "content.xml", limits, b"document-content")
    buffer = scanner.rest
    while (root_end := buffer.find(b">")) < 0:
        chunk = next(scanner.source, None)
        if chunk is None or len(buffer) > limits.row_bytes:
            raise archive.unreadable(" (content.xml ends early)")
        buffer += chunk
    names = _Names(buffer[:root_end], archive)
    office, table = names.office, names.table
    # Find the first table of the spreadsheet body.
    table_open = re.compile(rb"<%(t)stable(?=[\s>])|<%(o)s(text|presentation|drawing)(?=[\s>])" % {
        b"t": re.escape(table), b"o": re.escape(office)})
    position = root_end
    while True:
        found = table_open.search(buffer, position)
        if found:
            break
        position = max(root_end, len(buffer) - 64)
        if len(buffer) > limits.row_bytes:
            buffer, position = buffer[position:], 0
            root_end = 0
        chunk = next(scanner.source, None)
        if chunk is None:
            return  # a spreadsheet with no table: no rows
        buffer += chunk
    if found.group(1):
        raise FileProblem(f"{archive.name} holds {found.group(1).decode()}, not a spreadsheet; save the table as "
                          "ODS, XLSX or CSV")
    buffer = buffer[found.end():]
    row_open, row_close = b"<" + table + b"table-row", b"</" + table + b"table-row>"
    table_close = b"</" + table + b"table>"
    nested_table = re.compile(rb"<%stable[\s>]" % re.escape(table))
    rows_repeated = re.compile(rb"\s%snumber-rows-repeated\s*=\s*[\"']([^\"']*)[\"']" % re.escape(table))
    pattern = _cell_pattern(re.escape(table))
    keys = (office + b"value-type", office + b"value", office + b"date-value", office + b"boolean-value",
            office + b"string-value", table + b"number-columns-repeated")
    number = 0  # the sheet's row number of the last row read
    pending_rows = 0  # empty rows read but not yet yielded: yielded only if a row with cells follows
    yielded = False
    position = 0
    search_from = 0
    while True:
        start = buffer.find(row_open, position)
        if start >= 0:
            gap = buffer[position:start]
            if table_close in gap:
                return
            scanner.check(gap)
            after = start + len(row_open)
            tag_end = buffer.find(b">", after)
            if tag_end >= 0 and buffer[after:after + 1] not in b" \t\r\n/>":
                position = after  # <table:table-rows>, <table:table-row-group>: rows are found inside
                continue
            if tag_end >= 0:
                if buffer[tag_end - 1] == 47:  # <table:table-row …/>
                    body, end = b"", tag_end + 1
                else:
                    close = buffer.find(row_close, max(tag_end, search_from))
                    body, end = (buffer[tag_end + 1:close], close + len(row_close)) if close >= 0 else (None, 0)
                if body is not None:
                    search_from = 0
                    position = end
                    scanner.check(body)
                    if nested_table.search(body):
                        raise sheet.cell_problem(number + 1, None, "a cell holds a table of its own, which factbase "
                                                                   "does not read; copy its values into the sheet")
                    repeated = rows_repeated.search(buffer, after, tag_end)
                    try:
                        repeat = _repeat(repeated.group(1) if repeated else None, "rows")
                    except ValueError as error:
                        raise sheet.cell_problem(number + 1, None, str(error)) from None
                    cells, width = _cells(body, number + 1, sheet, pattern, names, keys)
                    if not cells:
                        number += repeat
                        if yielded:
                            pending_rows += repeat
                        continue
                    sheet.check_row_number(number + pending_rows + repeat)
                    for _ in range(pending_rows):
                        yield sheet.row(number - pending_rows + 1, [])
                        pending_rows -= 1
                    for _ in range(repeat):
                        number += 1
                        yield sheet.row(number, list(cells), width)
                    yielded = True
                    continue
            if len(buffer) - start > limits.row_bytes:
                raise sheet.limit_problem(f"row {number + 1:,} is over {human_bytes(limits.row_bytes)} of XML")
            search_from = max(len(buffer) - len(row_close), 0) - start
            buffer, position = buffer[start:], 0
        else:
            if buffer.find(table_close, position) >= 0:
                return
            keep = max(position, len(buffer) - len(row_open) - len(table_close))
            buffer, position = buffer[keep:], 0
        chunk = next(scanner.source, None)
        if chunk is None:
            raise archive.unreadable(" (content.xml ends in the middle of its table)")
        buffer += chunk


def _cells(body: bytes, number: int, sheet: Sheet, pattern, names: _Names, keys) -> tuple[list, int]:
    value_type_key, value_key, date_key, boolean_key, string_key, repeat_key = keys
    limits = sheet.limits
    cells: list = []
    pending = 0  # empty cells read but not yet added: added only if a cell with a value follows
    read = 0
    try:
        for attributes, content, junk in pattern.findall(body):
            if junk:
                if junk.startswith(b"<" + names.table) and b"table-cell" in junk[:len(names.table) + 20]:
                    raise ValueError("the cell's XML is malformed")
                continue
            read += 1
            found = {key: double or single for key, double, single in _ATTRIBUTE.findall(attributes)}
            repeat = _repeat(found.get(repeat_key), "cells")
            kind = found.get(value_type_key)
            if kind in (b"float", b"currency", b"percentage"):
                raw = found.get(value_key, b"")
                value = stored_number(raw)
                if value is None:
                    raise ValueError(f"the number cell holds “{raw[:40].decode('utf-8', 'replace')}”, which is not "
                                     "a number")
                if kind == b"percentage":
                    value = percent_text(value)
            elif kind == b"date":
                raw = found.get(date_key, b"")
                try:
                    value = datetime.fromisoformat(raw.decode("ascii")) if len(raw) > 10 else None
                    value = value if value and value.time() != time() else date.fromisoformat(raw[:10].decode())
                except ValueError:
                    raise ValueError(f"the date cell holds “{raw[:40].decode('utf-8', 'replace')}”, which is not a "
                                     "date") from None
            elif kind == b"boolean":
                value = found.get(boolean_key, b"").lower() == b"true"
            else:
                if string_key in found:
                    value = _attribute_text(found[string_key])
                else:
                    value = _paragraphs(content, names, limits.cell_chars) if content else ""
                if len(value) > limits.cell_chars or "\x00" in value:
                    sheet.check_text(value, number, len(cells) + pending)
                value = value or None
            if value is None:
                pending += repeat
                continue
            last = len(cells) + pending + repeat - 1
            if last >= limits.columns:
                sheet.check_width(number, last)
            if pending:
                cells.extend([None] * pending)
                pending = 0
            cells.extend([value] * repeat)
    except (ValueError, IndexError) as error:
        if isinstance(error, FileProblem):
            raise
        message = "the cell's text is not UTF-8" if isinstance(error, UnicodeDecodeError) else str(error)
        raise sheet.cell_problem(number, len(cells) + pending, message) from None
    return cells, max(read, len(cells))


# Writing -------------------------------------------------------------------------------------------

_MANIFEST = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    b'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
    b'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    b"</manifest:manifest>"
)
# ce1 shows a date as yyyy-mm-dd, ce2 a date and time.
_CONTENT_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" office:version="1.2">'
    "<office:automatic-styles>"
    '<number:date-style style:name="N1"><number:year number:style="long"/><number:text>-</number:text>'
    '<number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/>'
    "</number:date-style>"
    '<number:date-style style:name="N2"><number:year number:style="long"/><number:text>-</number:text>'
    '<number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/>'
    '<number:text> </number:text><number:hours number:style="long"/><number:text>:</number:text>'
    '<number:minutes number:style="long"/><number:text>:</number:text><number:seconds number:style="long"/>'
    "</number:date-style>"
    '<style:style style:name="ce1" style:family="table-cell" style:data-style-name="N1"/>'
    '<style:style style:name="ce2" style:family="table-cell" style:data-style-name="N2"/>'
    "</office:automatic-styles><office:body><office:spreadsheet>"
)
_CONTENT_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"

# What a paragraph cannot hold as itself: markup characters, characters XML 1.0 cannot hold at all,
# and the white space ODF would collapse (runs of spaces, a space at either end, tabs, line ends).
_PARAGRAPH_SPECIAL = re.compile(r"[&<>\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]| {2,}|^ | $")
_PARAGRAPH_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\t": "<text:tab/>", "\r": "&#13;"}
# White space a paragraph shows but LibreOffice does not read back from it: the exact text then
# goes in office:string-value too, as LibreOffice itself writes it.
_WHITESPACE_MATTERS = re.compile(r"[\t\n\r]| {2}|^ | $")
_ATTRIBUTE_SPECIAL = re.compile(r'[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')
_ATTRIBUTE_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;",
                      "\r": "&#13;"}


def _paragraph_char(match) -> str:
    text = match.group()
    if text[0] == " ":
        if match.start() == 0 or len(text) == 1:
            return f'<text:s text:c="{len(text)}"/>' if len(text) > 1 else "<text:s/>"
        return f' <text:s text:c="{len(text) - 1}"/>' if len(text) > 2 else " <text:s/>"
    # XML 1.0 has no way to hold other control characters: they become U+FFFD.
    return _PARAGRAPH_ESCAPES.get(text, "\ufffd")


def _string_cell(text: str) -> str:
    if not _PARAGRAPH_SPECIAL.search(text):
        return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    paragraphs = "".join(f"<text:p>{_PARAGRAPH_SPECIAL.sub(_paragraph_char, line)}</text:p>"
                         for line in text.split("\n"))
    if not _WHITESPACE_MATTERS.search(text):
        return f'<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>'
    value = _ATTRIBUTE_SPECIAL.sub(lambda match: _ATTRIBUTE_ESCAPES.get(match.group(), "\ufffd"), text)
    return f'<table:table-cell office:value-type="string" office:string-value="{value}">{paragraphs}</table:table-cell>'


def write_ods(header: list[str], rows, sheet_name: str = "Sheet1", rows_per_chunk: int = 2000):
    """Yield an ODS file as bytes, a few thousand rows at a time; memory stays flat at any size."""
    archive = ZipStream()
    archive.add("mimetype", _MIMETYPE, compress=False)  # first and stored, as ODF asks
    archive.add("META-INF/manifest.xml", _MANIFEST)
    yield archive.drain()
    name = re.sub(r"[\x00-\x1f&<>\"']", " ", sheet_name)[:31] or "Sheet1"
    with archive.open("content.xml") as content:
        parts = [_CONTENT_HEAD, f'<table:table table:name="{name}">',
                 f'<table:table-column table:number-columns-repeated="{max(len(header), 1)}"/>',
                 "<table:table-row>", *(_string_cell(str(title)) for title in header), "</table:table-row>"]
        for number, row in enumerate(rows, start=1):
            parts.append("<table:table-row>")
            empty = 0
            for cell in row:
                if cell is None or cell == "":
                    empty += 1
                    continue
                if empty:
                    parts.append("<table:table-cell/>" if empty == 1 else
                                 f'<table:table-cell table:number-columns-repeated="{empty}"/>')
                    empty = 0
                if type(cell) is str:
                    parts.append(_string_cell(escape_formula(cell)))
                elif type(cell) is bool:
                    parts.append(f'<table:table-cell office:value-type="boolean" office:boolean-value='
                                 f'"{"true" if cell else "false"}"/>')
                elif isinstance(cell, datetime):
                    parts.append('<table:table-cell table:style-name="ce2" office:value-type="date" '
                                 f'office:date-value="{utc_naive(cell).isoformat()}"/>')
                elif isinstance(cell, date):
                    parts.append('<table:table-cell table:style-name="ce1" office:value-type="date" '
                                 f'office:date-value="{cell.isoformat()}"/>')
                else:
                    literal = number_literal(cell)
                    parts.append(f'<table:table-cell office:value-type="float" office:value="{literal}"/>'
                                 if literal is not None else _string_cell(escape_formula(str(cell))))
            parts.append("</table:table-row>")
            if number % rows_per_chunk == 0:
                content.write("".join(parts).encode())
                parts.clear()
                yield archive.drain()
        parts.append(_CONTENT_TAIL)
        content.write("".join(parts).encode())
    archive.zip.close()
    yield archive.drain()
