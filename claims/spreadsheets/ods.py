"""ODS: the first table read as a stream of rows, and a table written as a stream of bytes.

Like the XLSX reader (see its docstring), this inflates content.xml a megabyte at a time, cuts
it after its last whole row, and takes each block apart with one findall; the cells LibreOffice
and factbase write have a fast alternative of their own. Only the first table is read, and
nothing before it is held. Repeated cells and rows (LibreOffice writes a million empty rows as
one element) are expanded only when a cell with a value follows them, and counted before, so a
file cannot ask for more than the limits. Cells are read by their value type: numbers as int or
Decimal, percentages as typed ("43.7%"), dates as dates, text with its spaces, tabs and line
breaks (and without its comments).
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
    """The prefixes content.xml binds to the office, table and text namespaces, and what uses them."""

    def __init__(self, root_tag: bytes, archive: Archive):
        bound = {uri: prefix for prefix, uri in re.findall(rb"xmlns:([\w.-]+)\s*=\s*[\"']([^\"']*)[\"']", root_tag)}
        if _OFFICE not in bound or _TABLE not in bound:
            raise archive.unreadable(" (content.xml is not an OpenDocument spreadsheet)")
        self.office = bound[_OFFICE] + b":"
        self.table = bound[_TABLE] + b":"
        self.text = bound.get(_TEXT, b"text") + b":"
        o, t, x = (re.escape(prefix) for prefix in (self.office, self.table, self.text))
        self.pattern = _table_pattern(o, t, x)
        self.paragraph = re.compile(rb"<%(x)sp>([^<]*)</%(x)sp>" % {b"x": x})
        self.cell_start = re.compile(rb"<%(t)s(?:covered-)?table-cell(?=[\s/>])([^<>]*?)(/?)>" % {b"t": t})
        self.value_type, self.string_value = self.office + b"value-type", self.office + b"string-value"
        self.values = {b"date": self.office + b"date-value", b"boolean": self.office + b"boolean-value"}
        self.repeat = self.table + b"number-columns-repeated"
        self.rows_repeated = re.compile(rb"\s%snumber-rows-repeated\s*=\s*[\"']([^\"']*)[\"']" % t)
        self.row_open, self.row_close = b"<" + self.table + b"table-row", b"</" + self.table + b"table-row>"
        self.table_close = b"</" + self.table + b"table>"
        self.nested_table = re.compile(rb"<%stable[\s>]" % t)
        self.text_p, self.text_h = self.text + b"p", self.text + b"h"
        self.spaces, self.tab = self.text + b"s", self.text + b"tab"
        self.line_break, self.annotation = self.text + b"line-break", self.office + b"annotation"


@lru_cache(maxsize=8)
def _table_pattern(o: bytes, t: bytes, x: bytes) -> re.Pattern:
    """One pass over a block of rows (see xlsx._sheet_pattern), for content.xml."""
    names = {b"o": o, b"t": t, b"x": x, b"cell": rb"%s(?:covered-)?table-cell" % t}
    return re.compile(
        # 1-4: a cell as LibreOffice and factbase write it: repeat count, value type, value, text.
        rb"<%(t)stable-cell(?: %(t)sstyle-name=\"[^\"<>]*\")?(?: %(t)snumber-columns-repeated=\"([0-9]+)\")?"
        rb"(?: %(o)svalue-type=\"([a-z]+)\")?(?: %(o)s(?:date-|boolean-)?value=\"([^\"<>]*)\")?"
        rb"(?: [\w.-]+:value-type=\"[a-z]+\")?"
        rb"(?:/>|>(?:<%(x)sp>([^<]*)</%(x)sp>)?</%(t)stable-cell>)"
        # 5: a row's start or end tag, or the table's end.
        rb"|(</%(t)stable-row>|<%(t)stable-row(?=[\s/>])[^<>]*>|</%(t)stable>)"
        # 6: any other cell, whole: content that crosses no other cell's or row's tag.
        rb"|(<%(cell)s(?=[\s/>])[^<>]*?(?:/>|>(?:[^<]++|<(?!/?(?:%(cell)s|%(t)stable-row)[\s/>])[^<>]*+>)*+"
        rb"</%(cell)s>))"
        # 7: anything else, a tag or text at a time.
        rb"|(<[^<]*|[^<]+)" % names
    )


_ATTRIBUTE = re.compile(rb"([\w.-]+:[\w.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SPACE_COUNT = re.compile(rb"[\w.-]*:?c\s*=\s*[\"']([0-9]{1,9})[\"']")


def _repeat(value: bytes, what: str) -> int:
    if not value:
        return 1
    if not value.isdigit() or len(value) > 9 or value == b"0":
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


def _general_cell(cell: bytes, names: _Names, limit: int):
    """(repeat, value type, value, text) of a cell not written the usual way."""
    start = names.cell_start.match(cell)
    found = {key: double or single for key, double, single in _ATTRIBUTE.findall(start.group(1))}
    kind = found.get(names.value_type, b"")
    value = found.get(names.values.get(kind, names.office + b"value"), b"")
    if names.string_value in found:
        text = _attribute_text(found[names.string_value])
    elif start.group(2):
        text = ""
    else:
        text = _paragraphs(cell[start.end():cell.rfind(b"</")], names, limit)
    return found.get(names.repeat, b""), kind, value, text


def _paragraphs(content: bytes, names: _Names, limit: int) -> str:
    """The text of a cell: its paragraphs joined by line breaks, <text:s/> as spaces, notes left out."""
    fast = names.paragraph.fullmatch(content)
    if fast:
        return _text(fast.group(1))
    paragraphs: list[list[str]] = []
    in_annotation = 0
    length = 0
    for match in TAG.finditer(content):
        closing, tag, attributes, empty, text = match.groups()
        if tag == names.annotation:
            in_annotation += 0 if empty else -1 if closing else 1
            continue
        if in_annotation:
            continue
        if text is not None:
            if paragraphs:
                paragraphs[-1].append(_text(text))
                length += len(text)
        elif tag in (names.text_p, names.text_h):
            if not closing:
                paragraphs.append([])
        elif not paragraphs:
            continue
        elif tag == names.spaces:
            count = _SPACE_COUNT.search(attributes)
            run = min(int(count.group(1)), limit + 1) if count else 1
            paragraphs[-1].append(" " * run)
            length += run
        elif tag == names.tab:
            paragraphs[-1].append("\t")
        elif tag == names.line_break:
            paragraphs[-1].append("\n")
        if length > limit:
            break
    return "\n".join("".join(parts) for parts in paragraphs)


def _first_table(scanner: Scanner, limits: Limits) -> tuple[_Names, bytes] | None:
    """content.xml's namespace prefixes, and its XML from just inside the first table (None: no table)."""
    archive = scanner.archive
    buffer = scanner.rest
    while (root_end := buffer.find(b">")) < 0:
        chunk = next(scanner.source, None)
        if chunk is None or len(buffer) > limits.row_bytes:
            raise archive.unreadable(" (content.xml ends early)")
        buffer += chunk
    names = _Names(buffer[:root_end], archive)
    table_open = re.compile(rb"<%(t)stable(?=[\s>])[^<>]*>|<%(o)s(text|presentation|drawing)(?=[\s>])" % {
        b"t": re.escape(names.table), b"o": re.escape(names.office)})
    position = root_end
    while not (found := table_open.search(buffer, position)):
        position = max(len(buffer) - 200, 0)  # what is before the table (styles…) is skipped, never held
        buffer, position = buffer[position:], 0
        chunk = next(scanner.source, None)
        if chunk is None:
            return None
        buffer += chunk
    if found.group(1):
        raise FileProblem(f"{archive.name} holds {found.group(1).decode()}, not a spreadsheet; save the table as "
                          "ODS, XLSX or CSV")
    return names, buffer[found.end():]


def _row_blocks(scanner: Scanner, names: _Names, buffer: bytes, sheet: Sheet):
    """The table's rows as blocks of XML that each end at the end of a row, up to </table:table>."""
    searched = 0
    while True:
        end = buffer.find(names.table_close, max(searched - len(names.table_close), 0))
        if end >= 0:
            block = buffer[:end + len(names.table_close)]
            if names.nested_table.search(block):
                raise FileProblem(f"{sheet.name}: a cell holds a table of its own, which factbase does not read; "
                                  "copy its values into the sheet")
            scanner.check(block)
            yield block
            return
        cut = buffer.rfind(names.row_close)
        cut = cut + len(names.row_close) if cut >= 0 else 0
        last_open = buffer.rfind(names.row_open, cut)
        if last_open >= 0:
            tag_end = buffer.find(b">", last_open)
            if tag_end > 0 and buffer[tag_end - 1] == 47:
                cut = tag_end + 1
        if cut:
            block, buffer = buffer[:cut], buffer[cut:]
            if names.nested_table.search(block):
                raise FileProblem(f"{sheet.name}: a cell holds a table of its own, which factbase does not read; "
                                  "copy its values into the sheet")
            scanner.check(block)
            yield block
        elif len(buffer) > sheet.limits.row_bytes:
            raise sheet.limit_problem(f"a row is over {human_bytes(sheet.limits.row_bytes)} of XML")
        searched = len(buffer)
        chunk = next(scanner.source, None)
        if chunk is None:
            raise scanner.archive.unreadable(" (content.xml ends in the middle of its table)")
        buffer += chunk


def _table_rows(archive: Archive, sheet: Sheet):
    limits = sheet.limits
    scanner = Scanner(archive, "content.xml", limits, b"document-content")
    found = _first_table(scanner, limits)
    if found is None:
        return
    names, buffer = found
    max_columns, max_chars = limits.columns, limits.cell_chars
    row_tag_length = len(names.row_open)
    number = 0  # the sheet's row number of the last row read
    pending_rows = 0  # empty rows not yet yielded: yielded only if a row with cells follows
    yielded = False
    cells = None  # the cells of the row being read, None between rows
    pending = 0  # empty cells not yet added: added only if a cell with a value follows
    repeat_rows = 1
    try:
        for block in _row_blocks(scanner, names, buffer, sheet):
            found_in_block = names.pattern.findall(block)
            sheet.count(number, len(found_in_block))
            for repeat, kind, value, text, row_tag, other_cell, junk in found_in_block:
                if row_tag:
                    if row_tag[1] != 47:  # "/": a row starts
                        if cells is not None:
                            raise ValueError("a row starts before the previous one ends")
                        repeated = names.rows_repeated.search(row_tag)
                        repeat_rows = _repeat(repeated.group(1), "rows") if repeated else 1
                        cells, pending = [], 0
                        if row_tag[-2] != 47:
                            continue
                    elif row_tag == names.table_close:
                        break
                    elif cells is None:
                        raise ValueError("a row ends that never started")
                    if not cells:
                        number += repeat_rows
                        if yielded:
                            pending_rows += repeat_rows
                    else:
                        if number + repeat_rows > limits.rows:  # number counts the pending empty rows
                            sheet.check_row_number(number + repeat_rows)
                        first = number - pending_rows
                        for empty in range(pending_rows):
                            yield sheet.row(first + empty + 1, [], counted=True)
                        pending_rows = 0
                        if repeat_rows == 1:
                            number += 1
                            yield sheet.row(number, cells, counted=True)
                        else:  # each copy is cells read
                            for _ in range(repeat_rows):
                                number += 1
                                yield sheet.row(number, list(cells))
                        yielded = True
                    cells = None
                    continue
                if junk:
                    if junk.startswith(b"<" + names.table) and b"table-cell" in junk[:row_tag_length + 20]:
                        raise ValueError("the cell's XML is malformed")
                    continue
                if cells is None:
                    raise ValueError("a cell stands outside any row")
                if other_cell:
                    repeat, kind, value, text = _general_cell(other_cell, names, max_chars)
                count = _repeat(repeat, "cells") if repeat else 1
                if kind == b"float" or kind == b"percentage" or kind == b"currency":
                    cell = stored_number(value)
                    if cell is None:
                        raise ValueError(f"the number cell holds “{value[:40].decode('utf-8', 'replace')}”, which is "
                                         "not a number")
                    if kind == b"percentage":
                        cell = percent_text(cell)
                elif kind == b"date":
                    cell = _date(value)
                elif kind == b"boolean":
                    cell = value.lower() == b"true"
                else:
                    if type(text) is bytes:
                        text = _text(text) if b"&" in text or b"\r" in text else text.decode()
                    if len(text) > max_chars or "\x00" in text:
                        sheet.check_text(text, number + 1, len(cells) + pending)
                    if not text:
                        pending += count
                        continue
                    cell = text
                if len(cells) + pending + count > max_columns:
                    sheet.check_width(number + 1, max(max_columns, len(cells) + pending))
                if pending:
                    cells.extend([None] * pending)
                    pending = 0
                if count == 1:
                    cells.append(cell)
                else:
                    cells.extend([cell] * count)
    except (ValueError, IndexError) as error:
        if isinstance(error, FileProblem):
            raise
        message = "the cell's text is not UTF-8" if isinstance(error, UnicodeDecodeError) else str(error)
        raise sheet.cell_problem(number + 1, len(cells) + pending if cells is not None else None, message) from None
    if cells is not None:
        raise archive.unreadable(f" (content.xml ends in the middle of row {number + 1:,})")


def _date(value: bytes):
    try:
        text = value.decode("ascii")
        moment = datetime.fromisoformat(text) if len(text) > 10 else None
        return moment if moment and moment.time() != time() else date.fromisoformat(text[:10])
    except ValueError:
        shown = value[:40].decode("utf-8", "replace")
        raise ValueError(f"the date cell holds “{shown}”, which is not a date") from None


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


# Text that can be written as it is: no formula to escape, nothing a paragraph would change.
_NEEDS_CARE = re.compile(r"^[=+\-@\t\r]|[&<>\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]| {2}|^ | $")


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
    care = _NEEDS_CARE.search
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
                    if care(cell):
                        parts.append(_string_cell(escape_formula(cell)))
                    else:
                        parts.append(f'<table:table-cell office:value-type="string"><text:p>{cell}</text:p>'
                                     "</table:table-cell>")
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
