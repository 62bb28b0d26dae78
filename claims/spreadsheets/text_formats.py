"""CSV and JSON: read a bounded line or object at a time, written a few thousand rows at a time."""

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from .cells import FORMULA_TRIGGERS, escape_formula, plain_text
from .limits import CHUNK, FileProblem, Limits, Sheet, human_bytes

ROWS_PER_CHUNK = 2000


def text_encoding(encoding: str) -> codecs.CodecInfo:
    """The codec of a declared encoding, or a FileProblem saying it is not one."""
    try:
        info = codecs.lookup(encoding) if len(encoding) <= 40 else None
    except (LookupError, ValueError, TypeError):
        info = None
    if info is None:
        raise FileProblem(f"“{encoding[:40]}” is not an encoding factbase knows; try utf-8, latin-1 or cp1252")
    if not getattr(info, "_is_text_encoding", True):
        raise FileProblem(f"“{encoding}” is not a text encoding; try utf-8, latin-1 or cp1252")
    try:  # some text codecs (idna, punycode) cannot hold a line of CSV
        info.decode(info.encode("a,b\r\n")[0])
    except (UnicodeError, ValueError):
        raise FileProblem(f"“{encoding}” is not an encoding for files of text; try utf-8, latin-1 or cp1252") from None
    return info


# CSV ----------------------------------------------------------------------------------------------

def read_csv(stream, name: str, encoding: str | None, limits: Limits) -> Iterator[list]:
    if encoding is None:
        head = stream.read(4)
        stream.seek(0)
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
    codec = text_encoding(encoding)
    lines = _Lines(stream, name, encoding, codec, limits)
    sheet = Sheet(name, limits)
    reader = csv.reader(lines)
    number = 0
    try:
        for row in reader:
            number += 1
            if lines.record_chars > limits.cell_chars or lines.nul:
                for column, cell in enumerate(row):
                    sheet.check_text(cell, number, column)
            lines.record_chars, lines.nul = 0, False
            if len(row) > limits.columns:
                sheet.check_width(number, limits.columns)
            yield sheet.row(number, row)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise sheet.cell_problem(number + 1, None, f"a cell holds more than {limits.cell_chars:,} "
                                                       "characters, the limit") from None
        raise FileProblem(f"{name} line {lines.line}: not valid CSV ({error})") from None
    except UnicodeError:
        raise FileProblem(f"{name} is not {encoding.upper()} text near line {lines.line}; save it as UTF-8") from None
    finally:
        lines.close()


class _Lines:
    """The lines of a CSV file, each bounded, decoded one by one so a bad byte is named by its line.

    csv.reader pulls lines only until a record ends, so what this counts between two records
    (characters, a NUL seen) belongs to the record just read.
    """

    def __init__(self, stream, name, encoding, codec, limits):
        self.stream, self.name, self.encoding, self.limit = stream, name, encoding, limits.row_bytes
        # Encodings that write "\n" and "\r" as those bytes (UTF-8, Latin-1, cp1252…) are split
        # before decoding; others (UTF-16, EBCDIC) are decoded first.
        self.bytewise = codec.encode("\n\r")[0] == b"\n\r" and "utf_16" not in codec.name and "utf_32" not in codec.name
        self.decode = codec.decode
        self.line = 0
        self.record_chars = 0
        self.nul = False
        self.wrapper = None

    def __iter__(self):
        return self._bytewise() if self.bytewise else self._decoded()

    def _accept(self, line: str) -> str:
        self.line += 1
        self.record_chars += len(line)
        if "\x00" in line:
            self.nul = True
        if self.record_chars > self.limit:
            raise self._too_long()
        return line

    def _too_long(self) -> FileProblem:
        return FileProblem(f"{self.name} is refused: line {self.line:,} is over {human_bytes(self.limit)} (the "
                           "limit for a row). Split it into smaller files, or ask an administrator to raise the limit")

    def _bytewise(self):
        pending = b""
        while True:
            block = self.stream.read(CHUNK)
            if not block:
                break
            lines = (pending + block).splitlines(keepends=True)
            pending = lines.pop() if not lines[-1].endswith(b"\n") else b""
            if len(pending) > self.limit:
                self.line += 1
                raise self._too_long()
            for raw in lines:
                yield self._accept(self._decoded_line(raw))
        if pending:
            yield self._accept(self._decoded_line(pending))

    def _decoded_line(self, raw: bytes) -> str:
        try:
            return self.decode(raw)[0]
        except UnicodeError as error:
            if not isinstance(error, UnicodeDecodeError):
                raise
            raise FileProblem(
                f"{self.name} is not {self.encoding.upper().replace('-SIG', '')} text (byte 0x{raw[error.start]:02x} "
                f"on line {self.line + 1}); save it as UTF-8 or declare its encoding (e.g. latin-1)"
            ) from None

    def _decoded(self):
        self.wrapper = io.TextIOWrapper(self.stream, encoding=self.encoding, newline="", errors="strict")
        while line := self.wrapper.readline(self.limit + 1):
            yield self._accept(line)

    def close(self):
        if self.wrapper is not None:
            self.wrapper.detach()  # leave the caller's stream open
            self.wrapper = None


def write_csv(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """Stream CSV as UTF-8 bytes, starting with a BOM so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(cell) for cell in row])
        if number % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _csv_cell(cell) -> str:
    # Text is escaped; numbers are formatted after the escape, so -5 stays the number -5.
    if type(cell) is str:
        return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell
    if cell is None:
        return ""
    if isinstance(cell, str):
        return escape_formula(str(cell))
    return plain_text(cell)


# JSON ---------------------------------------------------------------------------------------------

# One row object with no object or list inside: strings taken whole, anything else up to a bracket
# or quote. Possessive throughout, so a failed match costs one pass.
_FLAT_OBJECT = re.compile(r'\{(?:[^{}\[\]"]++|"(?:[^"\\]++|\\.)*+")*+')
_SPACE = re.compile(r"[ \t\n\r]*")
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_json(stream, name: str, limits: Limits) -> Iterator[list]:
    """A JSON list of flat objects, one per row: read twice (once for the keys), a row at a time."""
    keys: dict[str, int] = {}
    counter = Sheet(name, limits)
    for number, pairs in _json_rows(stream, name, limits):
        for key, _ in pairs:
            if key not in keys:
                counter.check_text(key, 1, len(keys), key)
                if len(keys) >= limits.columns:
                    counter.check_width(1, len(keys))
                keys[key] = len(keys)
        counter.row(number, pairs, len(keys))
    stream.seek(0)
    sheet = Sheet(name, limits)
    yield sheet.row(1, list(keys))
    for number, pairs in _json_rows(stream, name, limits):
        row = [None] * len(keys)
        for key, value in pairs:
            row[keys[key]] = value
        yield sheet.row(number, row)


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number a spreadsheet can hold")


def _json_rows(stream, name: str, limits: Limits):
    sheet = Sheet(name, limits)
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    text, position, ended = "", 0, False
    number = 1

    def more() -> bool:
        nonlocal text, position, ended
        if ended:
            return False
        block = stream.read(CHUNK)
        try:
            text = text[position:] + decoder.decode(block, final=not block)
        except UnicodeDecodeError:
            raise FileProblem(f"{name} is not UTF-8 text near row {number:,}; save it as UTF-8") from None
        position, ended = 0, not block
        return True

    def next_char() -> str:
        nonlocal position
        while True:
            position = _SPACE.match(text, position).end()
            if position < len(text):
                return text[position]
            if not more():
                return ""

    def invalid(expected: str) -> FileProblem:
        found = text[position:position + 20]
        return FileProblem(f"{name} is not a JSON list of objects, one per row (near row {number:,}: expected "
                            f"{expected}, found “{found or 'the end of the file'}”)")

    if next_char() != "[":
        raise invalid("“[”")
    position += 1
    first = True
    while True:
        char = next_char()
        if char == "]" and first:
            position += 1
            break
        if not first:
            if char == "]":
                position += 1
                break
            if char != ",":
                raise invalid("“,” or “]”")
            position += 1
            char = next_char()
        first = False
        number += 1
        if char != "{":
            raise invalid("an object “{…}” for the row" if char != "[" else
                          "an object “{…}” for the row, not a list (lists inside the list are refused)")
        while True:
            end = _FLAT_OBJECT.match(text, position).end()
            if end < len(text) and text[end] != '"':
                break
            if len(text) - position > limits.row_bytes:
                raise sheet.limit_problem(f"row {number:,} is over {human_bytes(limits.row_bytes)}")
            if not more():
                break
        if end >= len(text) or text[end] != "}":
            if end < len(text) and text[end] in "{[":
                raise sheet.cell_problem(number, None, "a value is a list or an object; each row must be an "
                                                       "object of text, numbers, true/false or null")
            try:
                json.loads(text[position:end + 1])
            except ValueError as error:
                raise FileProblem(f"{name} is not valid JSON (row {number:,}: {error})") from None
            raise invalid("“}”")
        try:
            pairs = json.loads(text[position:end + 1], parse_float=Decimal, parse_constant=_refuse_constant,
                               object_pairs_hook=list)
        except ValueError as error:
            raise FileProblem(f"{name} is not valid JSON (row {number:,}: {error})") from None
        escapes = "\\u" in text[position:end + 1]  # only a \u escape can make half a character
        position = end + 1
        seen = set()
        for key, value in pairs:
            if key in seen:
                raise sheet.cell_problem(number, None, "the key appears twice in the row's object", key)
            seen.add(key)
            for string in (key, value) if escapes else (value,):
                if type(string) is str:
                    sheet.check_text(string, number, None, key)
                    if escapes and _SURROGATE.search(string):
                        raise sheet.cell_problem(number, None, "the text holds half of a character (a lone "
                                                               "\\ud800-\\udfff escape)", key)
        yield number, pairs
    if next_char():
        raise invalid("nothing after the closing “]”")


def write_json(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """Stream a JSON list of objects: numbers as exact JSON numbers, dates as ISO text, never NaN."""
    keys = [json.dumps(str(key), ensure_ascii=False) + ": " for key in header]
    parts = ["["]
    for number, row in enumerate(rows, start=1):
        fields = ", ".join(key + _json_value(cell) for key, cell in zip(keys, row, strict=True))
        parts.append(("\n{" if number == 1 else ",\n{") + fields + "}")
        if number % ROWS_PER_CHUNK == 0:
            yield "".join(parts).encode()
            parts.clear()
    parts.append("\n]\n")
    yield "".join(parts).encode()


_json_string = json.encoder.encode_basestring  # the C encoder, without json.dumps' overhead


def _json_value(cell) -> str:
    if type(cell) is str:
        return _json_string(cell)
    if cell is None:
        return "null"
    if cell is True or cell is False:
        return "true" if cell else "false"
    if isinstance(cell, Decimal):  # every digit kept: JSON numbers are exact, and NaN is not one
        return plain_text(cell) if cell.is_finite() else json.dumps(str(cell))
    if type(cell) is int:
        return str(cell)
    if isinstance(cell, float):
        return repr(cell) if math.isfinite(cell) else json.dumps(repr(cell))
    if isinstance(cell, datetime | date):
        return json.dumps(cell.isoformat())
    return json.dumps(str(cell), ensure_ascii=False)
