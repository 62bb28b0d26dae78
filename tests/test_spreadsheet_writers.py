"""Files written in every format read back as the same cells, open in LibreOffice, and stream at any size."""

import csv
import io
import json
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest

from claims.exports import table_export_response, write_file
from claims.spreadsheets import Limits, read_rows, unescape_formula, write_file_chunks

HEADER = ["id", "value", "note", "when", "flag", "empty"]
ROWS = [
    [1, Decimal("-5"), "=HYPERLINK(\"http://x\",\"y\")", date(2022, 1, 5), True, None],
    [2, Decimal("41.4146018709"), "Алма-Ата “кавычки” — Жаңаөзен 🙂", datetime(2022, 1, 5, 12, 30), False, ""],
    [3, Decimal("-0.000001"), "-5 is text here", None, None, None],
    [4, -1234567, "+1 @mention\tand a tab", date(1999, 12, 31), None, None],
    [5, Decimal("0.332"), "  two  spaces, a line\nbreak & <tags> and _x0041_  ", None, None, None],
    [6, None, None, None, None, None],
    [7, 16, "", None, None, None],
]


def written(fmt: str, header=HEADER, rows=ROWS) -> bytes:
    return b"".join(write_file_chunks(fmt, header, rows))


def read_back(fmt: str, data: bytes) -> list[list]:
    rows = list(read_rows(io.BytesIO(data), fmt, name=f"export.{fmt}", limits=Limits()))
    # The import undoes the formula escape; spreadsheets keep no difference between "" and an empty cell.
    return [[None if cell == "" else unescape_formula(cell) for cell in row] for row in rows]


def padded(rows) -> list[list]:
    return [list(row) + [None] * (len(HEADER) - len(row)) for row in rows]


def as_text(cell) -> str | None:
    if cell is None or cell == "":
        return None
    if cell is True or cell is False:
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return f"{cell:f}" if isinstance(cell, Decimal) else str(cell)


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "json"])
def test_every_typed_format_reads_back_the_same_cells(fmt):
    def typed(cell):
        if fmt == "json" and isinstance(cell, date):
            return cell.isoformat()  # JSON has no dates: ISO text, which the import reads as a date
        return None if cell == "" else cell

    expected = [HEADER] + [[typed(cell) for cell in row] for row in ROWS]
    assert padded(read_back(fmt, written(fmt))) == expected
    # Not just equal: a Decimal comes back with its digits, and a whole number as an int.
    back = read_back(fmt, written(fmt))
    assert str(back[2][1]) == "41.4146018709" and type(back[1][1]) is int and back[1][1] == -5


def test_csv_reads_back_the_same_cells_as_text():
    expected = [HEADER] + [[as_text(cell) for cell in row] for row in ROWS]
    assert padded(read_back("csv", written("csv"))) == expected


def test_numbers_stay_numbers_in_every_format_and_negative_ones_too():
    text = written("csv").decode("utf-8-sig")
    assert "\n1,-5," in text.replace("\r\n", "\n") and "'-5 is text here" in text
    assert "'=HYPERLINK" in text and "'+1 @mention" in text
    assert '"value": -5,' in written("json").decode() and '"value": 41.4146018709,' in written("json").decode()
    sheet = zipfile.ZipFile(io.BytesIO(written("xlsx"))).read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="B2"><v>-5</v></c>' in sheet and '<c r="B3"><v>41.4146018709</v></c>' in sheet
    assert "&apos;" not in sheet and "<t>'=HYPERLINK" in sheet.replace("&quot;", '"')
    content = zipfile.ZipFile(io.BytesIO(written("ods"))).read("content.xml").decode()
    assert 'office:value-type="float" office:value="-5"' in content
    assert 'office:value-type="float" office:value="-0.000001"' in content


def test_json_numbers_are_exact_literals_never_nan():
    rows = [[Decimal("41.4146018709")], [Decimal("NaN")], [Decimal("1E+3")], [float("inf")], [10**30]]
    text = written("json", ["value"], rows).decode()
    assert json.loads(text, parse_float=Decimal) == [
        {"value": Decimal("41.4146018709")}, {"value": "NaN"}, {"value": 1000}, {"value": "inf"}, {"value": 10**30}]
    assert "NaN," not in text and "Infinity" not in text


def test_a_number_a_double_cannot_hold_is_written_as_its_exact_text():
    # 123456789012.1234567 would round to 123456789012.12346 in a number cell, without a word.
    for fmt in ("xlsx", "ods"):
        back = read_back(fmt, written(fmt, ["value"], [[Decimal("123456789012.1234567")]]))
        assert back[1] == ["123456789012.1234567"]


def test_the_header_and_text_that_looks_like_markup_survive():
    header = ["a & b", "<c>", "  spaced  "]
    for fmt in ("xlsx", "ods", "json", "csv"):
        assert read_back(fmt, written(fmt, header, [["x", "y", "z"]]))[0] == header


class Unseekable(io.RawIOBase):
    """An HTTP response or a pipe: written once, front to back."""

    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "ods"])
def test_every_format_streams_into_a_stream_that_cannot_seek(fmt):
    target = Unseekable()
    assert write_file(HEADER, ROWS, fmt, target) == len(ROWS)
    assert str(read_back(fmt, b"".join(target.chunks))[2][0]) == "2"


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "ods"])
def test_a_writer_yields_bytes_before_it_has_read_all_rows(fmt):
    taken = 0

    def rows():
        nonlocal taken
        for number in range(100_000):
            taken += 1
            yield [number, Decimal(number) / 7, f"note {number}"]

    chunks = write_file_chunks(fmt, ["id", "value", "note"], rows())
    sent = sum(len(next(chunks)) for _ in range(3))
    # Rows are written as they come: three chunks out, most rows not even made yet.
    assert sent > 0 and taken < 20_000


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_an_export_response_streams_a_zip_file(fmt):
    response = table_export_response(iter(ROWS), HEADER, fmt, "figures")
    assert response.streaming and response["Content-Disposition"] == f'attachment; filename="figures.{fmt}"'
    assert padded(read_back(fmt, b"".join(response.streaming_content)))[1][:3] == [1, -5, ROWS[0][2]]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_xlsx_and_ods_files_and_shows_the_same_cells(tmp_path):
    # LibreOffice holds every cell as a spreadsheet program would show it; as CSV it must match our CSV.
    for fmt in ("xlsx", "ods"):
        (tmp_path / f"export-{fmt}.{fmt}").write_bytes(written(fmt))
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(tmp_path / "out"),
         str(tmp_path / "export-xlsx.xlsx"), str(tmp_path / "export-ods.ods")],
        capture_output=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    ours = list(csv.reader(io.StringIO(written("csv").decode("utf-8-sig"))))
    for fmt in ("xlsx", "ods"):
        converted = tmp_path / "out" / f"export-{fmt}.csv"
        theirs = list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))))
        assert theirs == ours, fmt
