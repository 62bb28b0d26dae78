"""Hostile spreadsheet files are refused within bounded memory and time, with a message, never a traceback.

Each file is written here, in a temporary folder, the way an attacker would build it (a gigabyte
of XML compresses to a megabyte, and is made in milliseconds: see `deflate_repeated`). Each is read
in a process of its own, whose peak memory (max RSS, as the kernel counts it) is the file's cost;
the time is reported and held to a generous bound, so only a regression to minutes fails.
"""

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PEAK_MB = 250  # what one request or command may take, whatever the file
SECONDS = 60  # generous: only a regression to minutes fails; the times measured are printed with -s

MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ODF = (b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


# Building files -----------------------------------------------------------------------------------

def deflate_repeated(head: bytes, unit: bytes, repeats: int, tail: bytes = b"") -> bytes:
    """Raw deflate of head + unit × repeats + tail, made in time proportional to what it compresses to.

    After a full flush deflate forgets what came before, so the unit compresses to the same bytes
    every time: those bytes are repeated instead of compressing the unit again.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    once = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH) == once
    return start + once * repeats + compressor.compress(tail) + compressor.flush()


class Part:
    """A zip entry: its compressed bytes, and the sizes and checksum the zip's directory states."""

    def __init__(self, data: bytes = b"", *, deflated: bytes | None = None, size: int | None = None,
                 crc: int = 0, stored: bool = False):
        if deflated is None:
            self.crc, self.size = zlib.crc32(data), len(data)
            if stored:
                deflated = data
            else:
                compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
                deflated = compressor.compress(data) + compressor.flush()
        else:
            self.crc, self.size = crc, size
        self.deflated, self.method = deflated, 0 if stored else 8


def write_zip(path: Path, parts: dict[str, Part], declare=None) -> Path:
    """Write a zip by hand, so that its directory can state what `declare(name, size)` says."""
    directory = []
    with open(path, "wb") as target:
        for name, part in parts.items():
            encoded = name.encode()
            size = declare(name, part.size) if declare else part.size
            fields = (20, 0, part.method, 0, 0x21, part.crc, len(part.deflated), size, len(encoded))
            offset = target.tell()
            target.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + encoded)
            target.write(part.deflated)
            directory.append(struct.pack("<4sH5H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset) + encoded)
        start = target.tell()
        listing = b"".join(directory)
        target.write(listing + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(listing),
                                           start, 0))
    return path


def xlsx(path: Path, sheet: Part, shared: Part | None = None, declare=None, padding: int = 0,
         styles: bytes | None = None) -> Path:
    """An XLSX of one sheet (and shared strings); `padding` bytes of noise keep it under the zip-bomb ratio."""
    parts = {
        "xl/workbook.xml": Part(b'<workbook %s xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                                b'relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
                                % MAIN),
        "xl/_rels/workbook.xml.rels": Part(
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            b'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            b'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared:
        parts["xl/sharedStrings.xml"] = shared
    if styles:
        parts["xl/styles.xml"] = Part(b"<styleSheet %s>%s</styleSheet>" % (MAIN, styles))
    if padding:
        parts["xl/media/noise.bin"] = Part(os.urandom(padding), stored=True)
    return write_zip(path, parts, declare)


def sheet_of(rows: bytes) -> Part:
    return Part(b'<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData>%s</sheetData></worksheet>'
                % (MAIN, rows))


def repeated_sheet(head: bytes, unit: bytes, repeats: int, tail: bytes = b"") -> Part:
    start = b'<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData>' % MAIN + head
    deflated = deflate_repeated(start, unit, repeats, tail + b"</sheetData></worksheet>")
    return Part(deflated=deflated, size=len(start) + len(unit) * repeats + len(tail) + 24)


def ods(path: Path, table: Part | bytes, mimetype: bytes = b"application/vnd.oasis.opendocument.spreadsheet",
        padding: int = 0) -> Path:
    if isinstance(table, bytes):
        table = Part(content_of(table))
    parts = {"mimetype": Part(mimetype, stored=True), "content.xml": table}
    if padding:
        parts["Thumbnails/noise.bin"] = Part(os.urandom(padding), stored=True)
    return write_zip(path, parts)


def content_of(rows: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content %s><office:body><office:spreadsheet>'
            b'<table:table table:name="t">%s</table:table></office:spreadsheet></office:body>'
            b"</office:document-content>" % (ODF, rows))


def repeated_content(unit: bytes, repeats: int) -> Part:
    head, tail = content_of(b"\0").split(b"\0")
    return Part(deflated=deflate_repeated(head, unit, repeats, tail), size=len(head) + len(unit) * repeats + len(tail),
                crc=zlib.crc32(tail, _crc_repeated(unit, repeats, zlib.crc32(head))))


def _crc_repeated(unit: bytes, repeats: int, crc: int) -> int:
    for _ in range(repeats):
        crc = zlib.crc32(unit, crc)
    return crc


def ods_cell(value_type: str, value: str) -> bytes:
    return (f'<table:table-row><table:table-cell office:value-type="string"><text:p>value</text:p>'
            f'</table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="{value_type}" '
            f'office:value="{value}"><text:p>{value}</text:p></table:table-cell></table:table-row>').encode()


# The hostile files: name → (how to build it, format, what the refusal says; None: read, within bounds) ----

GIB = 1024**3
CASES = {
    # An 8.8 MB XLSX unpacking to a 1 GB sheet, inside both zip-bomb limits: here one cell of 1 GB.
    "xlsx, a cell of a gigabyte": (
        lambda path: xlsx(path, repeated_sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>', b"x" * 2**20, 1024,
                                               b"</t></is></c></row>"), padding=6 * 2**20),
        "xlsx", "a row is over 8 MB of XML"),
    # ... or 1 GB of rows 16,384 columns wide: the count of cells read refuses it. Reading is linear
    # (about 11 s of CPU to the default limit of 25,165,824 cells here), so the suite uses a lower one.
    "xlsx, a gigabyte of rows 16,384 columns wide": (
        lambda path: xlsx(path, repeated_sheet(
            b"", b"<row>" + b"".join(b'<c r="%s1"><v>1</v></c>' % _letters(i) for i in range(16_384)) + b"</row>",
            2_800), padding=6 * 2**20),
        "xlsx", "more than 4,194,304 cells", {"SPREADSHEET_MAX_CELLS": str(4 * 2**20)}),
    # A 27.8 MB XLSX of a hundred million rows, which reported 103,846,555 errors: refused at Excel's last row.
    "xlsx, more rows than Excel's last": (
        lambda path: xlsx(path, repeated_sheet(b"", b"<row><c><v>1</v></c></row>" * 1024, 1100), padding=2**20),
        "xlsx", "more than 1,048,576 rows"),
    "xlsx, a cell beyond Excel's last column": (
        lambda path: xlsx(path, sheet_of(b'<row r="1"><c r="XFE1"><v>1</v></c></row>')),
        "xlsx", "row 1 has a cell in column XFE, beyond the limit of 16,384 columns"),
    # What made calamine allocate the whole rectangle: two corners. Read, in bounded memory.
    "xlsx, a cell in each corner of the sheet": (
        lambda path: xlsx(path, sheet_of(b'<row r="1"><c r="A1"><v>1</v></c></row>'
                                         b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
        "xlsx", None),
    "xlsx, a shared-strings table over the limit": (
        lambda path: xlsx(path, sheet_of(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared=Part(
            deflated=deflate_repeated(b"<sst %s>" % MAIN, b"<si><t>" + b"x" * 100 + b"</t></si>" * 1, 2_000_000,
                                      b"</sst>"), size=2_000_000 * 117 + 200), padding=4 * 2**20),
        "xlsx", "shared-strings table holds more than 128 MB"),
    # The zip's directory says the sheet is 1 MB; it inflates to 1 GB.
    "xlsx, a zip directory that understates the sheet's size": (
        lambda path: xlsx(path, repeated_sheet(b"", b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1000,
                                               21_000), declare=lambda name, size: min(size, 2**20)),
        "xlsx", "is not a readable XLSX file (xl/worksheets/sheet1.xml is damaged)"),
    "xlsx, a zip bomb that states its size": (
        lambda path: xlsx(path, repeated_sheet(b"", b"\0" * 2**20, 3 * 1024)),
        "xlsx", "refused as a zip bomb"),
    "xlsx, a NUL character in a cell": (
        lambda path: xlsx(path, sheet_of(b'<row r="1"><c r="A1" t="inlineStr"><is><t>note</t></is></c></row>'
                                         b'<row r="2"><c r="A2" t="inlineStr"><is><t>a_x0000_b</t></is></c></row>')),
        "xlsx", "row 2, column A (note): the cell holds a NUL character"),
    "xlsx, a document type declaring entities (billion laughs)": (
        lambda path: xlsx(path, Part(b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
                                     b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet %s><sheetData><row>'
                                     b'<c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>' % MAIN)),
        "xlsx", "declares a document type"),
    # A 4.7 MB ODS of 400,000 rows took 5.4 GB: it is read, a row at a time.
    "ods, 400,000 rows": (
        lambda path: ods(path, repeated_content(
            b'<table:table-row><table:table-cell office:value-type="string"><text:p>zhanaozen-report</text:p>'
            b'</table:table-cell><table:table-cell office:value-type="float" office:value="16"/>'
            b'<table:table-cell office:value-type="string"><text:p>more than 70</text:p></table:table-cell>'
            b"</table:table-row>", 400_000), padding=2**20),
        "ods", None),
    "ods, a cell of a gigabyte": (
        lambda path: ods(path, Part(deflated=deflate_repeated(
            content_of(b"\0").split(b"\0")[0] + b'<table:table-row><table:table-cell office:value-type="string">'
            b"<text:p>", b"x" * 2**20, 1024), size=GIB + 400), padding=6 * 2**20),
        "ods", "a row is over 8 MB of XML"),
    "ods, a billion repeated cells with a value": (
        lambda path: ods(path, b'<table:table-row><table:table-cell table:number-columns-repeated="999999999" '
                               b'office:value-type="float" office:value="1"/></table:table-row>'),
        "ods", "row 1 has a cell in column XFE, beyond the limit of 16,384 columns"),
    "ods, a billion empty rows, then one with a value": (
        lambda path: ods(path, b'<table:table-row><table:table-cell office:value-type="float" office:value="1"/>'
                               b'</table:table-row><table:table-row table:number-rows-repeated="999999999">'
                               b'<table:table-cell/></table:table-row><table:table-row><table:table-cell '
                               b'office:value-type="float" office:value="1"/></table:table-row>'),
        "ods", "more than 1,048,576 rows"),
    "ods, Infinity in a number cell": (
        lambda path: ods(path, ods_cell("float", "Infinity")), "ods",
        "row 2, column A (value): the number cell holds “Infinity”, which is not a number"),
    "ods, NaN in a number cell": (lambda path: ods(path, ods_cell("float", "NaN")), "ods",
                                  "row 2, column A (value): the number cell holds “NaN”, which is not a number"),
    "ods, text in a number cell": (lambda path: ods(path, ods_cell("percentage", "abc")), "ods",
                                   "row 2, column A (value): the number cell holds “abc”, which is not a number"),
    "ods, a huge exponent in a number cell": (lambda path: ods(path, ods_cell("float", "1e999999999")), "ods",
                                              "which is not a number"),
    "ods, an ODT text document renamed .ods": (
        lambda path: ods(path, Part(b"<office:document-content %s><office:body><office:text><text:p>Hello</text:p>"
                                    b"</office:text></office:body></office:document-content>" % ODF),
                         mimetype=b"application/vnd.oasis.opendocument.text"),
        "ods", "is a text document (ODT), not a spreadsheet"),
    "csv, a line of 64 MB": (lambda path: _write(path, b"source,note\nx," + b"y" * 64 * 2**20 + b"\n"), "csv",
                             "line 2 is over 8 MB"),
    "csv, a NUL byte in a column": (lambda path: _write(path, b"source,note\nzhanaozen-report,a\0b\n"), "csv",
                                    "row 2, column B (note): the cell holds a NUL character"),
    "csv, 20,000 columns": (lambda path: _write(path, b"," * 20_000 + b"\n"), "csv",
                            "row 1 has a cell in column XFE, beyond the limit of 16,384 columns"),
    "json, lists nested 100,000 deep": (lambda path: _write(path, b"[" * 100_000 + b"]" * 100_000), "json",
                                        "expected an object “{…}” for the row, not a list"),
    "json, objects nested 100,000 deep": (
        lambda path: _write(path, b'[{"note": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001 + b"]"), "json",
        "row 2: a value is a list or an object"),
    "json, NaN as a value": (lambda path: _write(path, b'[{"value": NaN}]'), "json",
                             "NaN is not a number a spreadsheet can hold"),
    "json, a string of 64 MB": (lambda path: _write(path, b'[{"note": "' + b"x" * 64 * 2**20 + b'"}]'), "json",
                                "row 2 is over 8 MB"),
    "json, a NUL in a value": (lambda path: _write(path, b'[{"source": "a", "note": "a\\u0000b"}]'), "json",
                               "row 2, “note”: the cell holds a NUL character"),
}


def _letters(index: int) -> bytes:
    from claims.spreadsheets.limits import column_name

    return column_name(index).encode()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# Reading them, each in a process of its own ------------------------------------------------------

READ = """
import json, sys, time
from claims.spreadsheets import FileProblem, read_rows
path, fmt, encoding = sys.argv[1], sys.argv[2], sys.argv[3] or None
started, cpu_started, rows, problem = time.perf_counter(), time.process_time(), 0, None
try:
    with open(path, "rb") as stream:
        for _ in read_rows(stream, fmt, name=path.rsplit("/", 1)[-1], encoding=encoding):
            rows += 1
except FileProblem as error:
    problem = str(error)
print(json.dumps({"rows": rows, "problem": problem, "seconds": time.perf_counter() - started,
                  "cpu_seconds": time.process_time() - cpu_started}))
"""


# Runs a command and reports its peak RSS. Linux carries the high-water mark of the memory a process
# had before exec into the new program's count, and subprocess starts children by vfork from this
# (large) test process: so the command runs as the child of this small launcher instead.
LAUNCH = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(process.pid, 0)
sys.stderr.write(f"\\nPEAK_KB {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(command: list[str], env: dict | None = None) -> tuple[int, str, str, float]:
    """Run a command in a process of its own: exit status, output, errors, and its peak memory in MB."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "factbase.test_settings", **(env or {})}
    done = subprocess.run([sys.executable, "-c", LAUNCH, *command], cwd=ROOT, env=environment, capture_output=True,
                          timeout=SECONDS * 2)
    errors, _, peak = done.stderr.decode().rpartition("\nPEAK_KB ")
    return done.returncode, done.stdout.decode(), errors, int(peak) / 1024


def read_in_a_process(path: Path, fmt: str, encoding: str = "", env: dict | None = None) -> dict:
    status, output, errors, peak_mb = run_measured([sys.executable, "-c", READ, str(path), fmt, encoding], env)
    assert status == 0 and "Traceback" not in errors, errors[-3000:]
    return {**json.loads(output), "peak_mb": peak_mb}


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_is_refused_in_bounded_memory_and_time(case, tmp_path):
    build, fmt, refusal, *settings = CASES[case]
    path = build(tmp_path / f"hostile.{fmt}")
    result = read_in_a_process(path, fmt, env=settings[0] if settings else None)
    print(f"\n{case}: {path.stat().st_size / 2**20:.1f} MB file, {result['rows']:,} rows, {result['seconds']:.1f} s "
          f"({result['cpu_seconds']:.1f} s CPU), {result['peak_mb']:.0f} MB peak — {result['problem']}")
    if refusal is None:
        assert result["problem"] is None
    else:
        assert refusal in (result["problem"] or ""), result
    assert result["peak_mb"] < PEAK_MB
    # CPU time, not the clock: the machine is shared, and only a regression to minutes should fail.
    assert result["cpu_seconds"] < SECONDS


def test_a_bogus_encoding_is_refused_by_name(tmp_path):
    result = read_in_a_process(_write(tmp_path / "figures.csv", b"source\nx\n"), "csv", "bogus")
    assert result["problem"] == "“bogus” is not an encoding factbase knows; try utf-8, latin-1 or cp1252"
    result = read_in_a_process(_write(tmp_path / "figures.csv", b"source\nx\n"), "csv", "zlib_codec")
    assert result["problem"] == "“zlib_codec” is not a text encoding; try utf-8, latin-1 or cp1252"


# The command line: a message and a non-zero exit, never a traceback -------------------------------

@pytest.fixture(scope="session")
def command_database(tmp_path_factory):
    """A migrated SQLite database for manage.py in a process of its own (the test database is in memory)."""
    path = tmp_path_factory.mktemp("command") / "db.sqlite3"
    environment = {"DATABASE_URL": f"sqlite:///{path}", "DEBUG": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env={**os.environ, **environment},
                   check=True)
    return environment


FIGURE_HEADER = ["source", "metric", "subject", "period_start", "value", "note"]
# Cell-level problems, in files whose header the importer accepts, so that it reads on to row 2.
COMMAND_CASES = {
    "ods, NaN in a number cell": (
        lambda path: ods(path, b"<table:table-row>" + b"".join(
            b'<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' % name.encode()
            for name in FIGURE_HEADER) + b"</table:table-row><table:table-row><table:table-cell "
            b'table:number-columns-repeated="4" office:value-type="string"><text:p>x</text:p></table:table-cell>'
            b'<table:table-cell office:value-type="float" office:value="NaN"/></table:table-row>'),
        "ods", "Row 2, column value: the number cell holds “NaN”, which is not a number"),
    "csv, a NUL byte in a column": (
        lambda path: _write(path, ",".join(FIGURE_HEADER).encode() + b"\nr,death-toll,kz,2011,16,a\0b\n"),
        "csv", "Row 2, column note: the cell holds a NUL character"),
    "json, a NUL in a value": (
        lambda path: _write(path, b'[{"source": "r", "metric": "m", "subject": "s", "period_start": "2011", '
                                  b'"value": 1, "note": "a\\u0000b"}]'),
        "json", "Row 2, column note: the cell holds a NUL character"),
} | {case: CASES[case] for case in (
    "xlsx, a cell of a gigabyte", "xlsx, a zip directory that understates the sheet's size",
    "xlsx, a cell beyond Excel's last column", "ods, an ODT text document renamed .ods",
    "json, lists nested 100,000 deep")}


@pytest.mark.parametrize("case", COMMAND_CASES)
def test_the_import_command_refuses_a_hostile_file_with_a_message(case, tmp_path, command_database):
    build, fmt, refusal, *_ = COMMAND_CASES[case]
    path = build(tmp_path / f"hostile.{fmt}")
    status, output, errors, peak_mb = run_measured([sys.executable, "manage.py", "import_figures", str(path)],
                                                   command_database)
    said = output + errors
    print(f"\n{case}: {peak_mb:.0f} MB peak — {errors.strip().splitlines()[0]}")
    assert status != 0
    assert "Traceback" not in said
    assert refusal in said
    assert peak_mb < PEAK_MB


def test_the_import_command_refuses_a_bogus_encoding(tmp_path, command_database):
    path = _write(tmp_path / "figures.csv", b"source,metric,subject,period_start,value\n")
    command = [sys.executable, "manage.py", "import_figures", str(path), "--encoding", "bogus"]
    status, _, errors, _ = run_measured(command, command_database)
    assert status != 0 and "Traceback" not in errors
    assert "“bogus” is not an encoding factbase knows" in errors
