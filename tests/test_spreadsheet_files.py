"""Bad files are refused whole, with a message that says what is wrong; exports are safe to open."""

import codecs
import io
import json
import re
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims import spreadsheets
from claims.exports import FIGURE_COLUMNS
from claims.imports import import_figures
from claims.models import Figure, ImportBatch
from claims.spreadsheets.limits import column_name
from tests.test_figure_import import FILES, HEADER, errors, run
from tests.test_hostile_files import MAIN, Part, ods, sheet_of, xlsx

ROW = "zhanaozen-report,death-toll,kazakhstan,2011,,16,,,,,,,Décès officiels\n"


def test_an_empty_file_is_refused(reference_data):
    assert errors(run(b"")) == ["File: the file is empty; expected a header row with the columns "
                                + ", ".join(FIGURE_COLUMNS)]


def test_wrong_or_missing_headers_are_named(reference_data):
    report = run("source,metrc,subject,period_start,value_text\nzhanaozen-report,death-toll,kazakhstan,2011,16\n")
    assert errors(report)[0].startswith("Row 1: unknown column(s) 'metrc'; expected columns are id, source")
    report = run("zhanaozen-report,death-toll,kazakhstan,2011,16\n")
    assert "missing column(s) source, metric, subject, period_start, value_text (or value)" in errors(report)[-1]


@pytest.mark.parametrize("encode", [
    lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    lambda text: text.encode("utf-16"),  # with its byte-order mark
], ids=["utf-8 with BOM", "utf-16 with BOM"])
def test_csv_with_a_byte_order_mark_is_read(reference_data, encode):
    report = run(encode(HEADER + ROW))
    assert report.ok, errors(report)
    assert Figure.objects.get().note == "Décès officiels"


def test_latin1_csv_is_refused_unless_declared(reference_data):
    data = (HEADER + ROW).encode("latin-1")
    assert errors(run(data)) == ["File: figures.csv is not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8 or "
                                 "declare its encoding (e.g. latin-1)"]
    assert not Figure.objects.exists()
    assert run(data, encoding="latin-1").ok
    assert Figure.objects.get().note == "Décès officiels"


def test_utf16_without_a_bom_is_refused(reference_data):
    assert "looks like UTF-16 without a byte-order mark" in errors(run((HEADER + ROW).encode("utf-16-le")))[0]


def test_a_truncated_xlsx_or_a_disguised_file_is_refused(reference_data):
    whole = (FILES / "researcher.xlsx").read_bytes()
    for data in (whole[: len(whole) // 2], b"%PDF-1.4 not a spreadsheet"):
        assert errors(run(data, name="figures.xlsx")) == [
            "File: figures.xlsx is not a readable XLSX file: it may be truncated, or another kind of file renamed "
            ".xlsx"]


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(reference_data):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    message = errors(run(bomb.getvalue(), name="figures.xlsx"))[0]
    assert "refused as a zip bomb" in message and "50,000,000 bytes" in message


def test_one_bad_row_refuses_the_whole_file(reference_data):
    text = HEADER + ROW + "zhanaozen-report,gini-coefficient,kazakhstan,2011,,1.7,,,,,,,\n"
    report = run(text)
    assert report.error_count == 1 and report.new == 1
    assert not Figure.objects.exists() and not ImportBatch.objects.exists()


@pytest.fixture
def exported_figure(reference_data):
    run(HEADER + 'zhanaozen-report,death-toll,kazakhstan,2011,,16,,,,,,,"=HYPERLINK(""http://x"",""y"")"\n'
        + "zhanaozen-report,death-toll,kazakhstan,2012,,more than 70,,,,,,,@SUM(1)\n")
    return Figure.objects.order_by("id")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods", "json"])
def test_an_unedited_export_imports_back_as_a_no_op(exported_figure, tmp_path, fmt):
    out = tmp_path / f"figures.{fmt}"
    call_command("export_figures", "--format", fmt, "-o", str(out))
    history = Figure.history.count()
    with open(out, "rb") as stream:
        report = import_figures(stream, file_name=out.name)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 2), errors(report)
    assert Figure.history.count() == history


def test_exports_escape_formulas_and_keep_numbers_as_numbers(exported_figure, tmp_path):
    out = tmp_path / "figures.xlsx"
    call_command("export_figures", "--format", "xlsx", "-o", str(out))
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == tuple(FIGURE_COLUMNS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["note"] == "'=HYPERLINK(\"http://x\",\"y\")" and first["value"] == 16
    assert isinstance(first["value"], int)
    csv_out = tmp_path / "figures.csv"
    call_command("export_figures", "--format", "csv", "-o", str(csv_out))
    text = csv_out.read_text(encoding="utf-8-sig")
    assert "'@SUM(1)" in text and ",16," in text
    assert json.loads(call_json(tmp_path))[1]["lower"] == 70


def call_json(tmp_path):
    out = tmp_path / "figures.json"
    call_command("export_figures", "--format", "json", "-o", str(out))
    return out.read_text()


def test_the_import_command_exits_non_zero_naming_the_errors(reference_data, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("source,metric,subject,period_start,value\nno-such-source,death-toll,kazakhstan,2020,abc\n")
    with pytest.raises(CommandError, match="1 errors|2 errors"):
        call_command("import_figures", str(bad))
    said = capsys.readouterr().err
    assert "Row 2, column source: unknown source “no-such-source”" in said


def test_the_import_command_dry_run_writes_nothing(reference_data, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + ROW)
    call_command("import_figures", str(good), "--dry-run")
    assert "1 new" in capsys.readouterr().out and not Figure.objects.exists()
    call_command("import_figures", str(good))
    assert Figure.objects.count() == 1


def test_export_command_writes_exactly_one_sources_figures(exported_figure, tmp_path):
    from sources.models import Source

    other = Source.objects.create(slug="other", title="Other", status="published")
    Figure.objects.create(source=other, metric=exported_figure[0].metric, subject=exported_figure[0].subject,
                          period_start="2011-01-01", period_end="2011-12-31", value_text="9", value=9)
    out = tmp_path / "one.csv"
    call_command("export_figures", "--source", "other", "--format", "csv", "-o", str(out))
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and ",other," in lines[1]
    with pytest.raises(CommandError, match="Unknown source"):
        call_command("export_figures", "--source", "nope", "--format", "csv", "-o", str(out))


def test_admin_import_previews_then_writes_on_confirmation(reference_data, admin_client, run_worker):
    upload = io.BytesIO((FILES / "researcher.csv").read_bytes())
    upload.name = "researcher.csv"
    started = admin_client.post(reverse("admin:claims_figure_import"), {"file": upload, "create_missing": "on"})
    assert started.status_code == 302
    run_worker()
    preview = admin_client.get(started["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200 and "Confirm the import" in page
    assert preview.context["report"]["new"] == 9 and "source <b>new-report</b>" in page
    assert 'class="import-new"' in page and not Figure.objects.exists()
    confirmed = admin_client.post(reverse("admin:jobs_job_confirm", args=[preview.context["job"].pk]))
    run_worker()
    assert "Import #" in admin_client.get(confirmed["Location"]).content.decode() and Figure.objects.count() == 9
    assert ImportBatch.objects.get().created_by.username == "admin"


def test_admin_import_shows_errors_and_writes_nothing(reference_data, admin_client, run_worker):
    upload = io.BytesIO((HEADER + "zhanaozen-report,gini-coefficient,kazakhstan,2011,,29,,,,,,,\n").encode())
    upload.name = "gini.csv"
    started = admin_client.post(reverse("admin:claims_figure_import"), {"file": upload})
    run_worker()
    page = admin_client.get(started["Location"]).content.decode()
    assert "Row 2, column value: 29 is outside the range of Gini coefficient: expected 0 to 1 coefficient" in page
    assert "Confirm the import" not in page and not Figure.objects.exists()


def test_admin_refuses_a_file_over_the_size_limit(reference_data, admin_client, settings):
    settings.IMPORT_MAX_BYTES = 100
    upload = io.BytesIO((HEADER + ROW * 10).encode())
    upload.name = "big.csv"
    page = admin_client.post(reverse("admin:claims_figure_import"), {"file": upload}).content.decode()
    assert "uploads are limited to" in page and "manage.py import_figures" in page


def test_admin_export_writes_exactly_the_changelists_filter(exported_figure, admin_client):
    response = admin_client.get(reverse("admin:claims_figure_export"), {"q": "more than", "format": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "more than 70" in lines[1]


# Reading cells as typed ---------------------------------------------------------------------------

def read(path, fmt=None, **options):
    with open(path, "rb") as stream:
        return list(spreadsheets.read_rows(stream, fmt or path.suffix[1:], name=path.name, **options))


def test_xlsx_numbers_read_as_int_or_decimal_as_a_spreadsheet_shows_them(tmp_path):
    # Excel stores the 0.291 someone typed as 0.29099999999999998 and shows 15 significant digits.
    values = [b"0.29099999999999998", b"0.30000000000000004", b"16", b"-5", b"41.4146018709", b"1e+20", b"-0.5"]
    path = xlsx(tmp_path / "numbers.xlsx", sheet_of(b'<row r="1">' + b"".join(
        b'<c r="%s1"><v>%s</v></c>' % (column_name(index).encode(), value) for index, value in enumerate(values))
        + b"</row>"))
    assert read(path) == [[Decimal("0.291"), Decimal("0.3"), 16, -5, Decimal("41.4146018709"), 10**20,
                           Decimal("-0.5")]]


def test_formats_that_change_a_reading_are_restored_from_styles(tmp_path):
    styles = (b'<numFmts><numFmt numFmtId="164" formatCode="mmm\\ yyyy"/><numFmt numFmtId="165" formatCode="yyyy"/>'
              b'<numFmt numFmtId="166" formatCode="[$-409]yyyy\\-mm\\-dd;@"/><numFmt numFmtId="167" '
              b'formatCode="&quot;Day &quot;0"/></numFmts><cellStyleXfs><xf numFmtId="14"/></cellStyleXfs><cellXfs>'
              b'<xf numFmtId="0"/><xf numFmtId="10"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/>'
              b'<xf numFmtId="20"/><xf numFmtId="167"/></cellXfs>')
    values = [b"44562", b"0.437", b"44562", b"44562", b"44566.5", b"0.5", b"3"]
    cells = b"".join(b'<c r="%s1" s="%d"><v>%s</v></c>' % (column_name(style).encode(), style, value)
                     for style, value in enumerate(values))
    path = xlsx(tmp_path / "styled.xlsx", sheet_of(b'<row r="1">%s</row>' % cells), styles=styles)
    assert read(path) == [[44562, "43.7%", "2022-01", "2022", datetime(2022, 1, 5, 12), time(12), 3]]


def test_xlsx_with_a_namespace_prefix_and_no_cell_references_is_read(tmp_path):
    # As some .NET libraries write it: every element prefixed, rows and cells without r="…".
    sheet = Part(b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
                 b'<x:row><x:c t="inlineStr"><x:is><x:t>source</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>value'
                 b'</x:t></x:is></x:c></x:row><x:row><x:c t="inlineStr"><x:is><x:t>report</x:t></x:is></x:c>'
                 b"<x:c><x:v>16</x:v></x:c></x:row></x:sheetData></x:worksheet>")
    assert read(xlsx(tmp_path / "prefixed.xlsx", sheet)) == [["source", "value"], ["report", 16]]


def test_shared_strings_keep_rich_text_and_drop_phonetic_guides(tmp_path):
    shared = Part(b'<sst %s><si><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> text</t></r>'
                  b'<rPh sb="0" eb="1"><t>furigana</t></rPh></si><si><t>line_x000D_break</t></si>'
                  b"<si><t>a &amp; b &lt;c&gt; &#x41;&#66;</t></si><si/><si><t>_x005F_x0041_</t></si></sst>" % MAIN)
    cells = b"".join(b'<c r="%s1" t="s"><v>%d</v></c>' % (column_name(index).encode(), index) for index in range(5))
    path = xlsx(tmp_path / "shared.xlsx", sheet_of(b'<row r="1">%s</row>' % cells), shared=shared)
    assert read(path) == [["Bold text", "line\rbreak", "a & b <c> AB", None, "_x0041_"]]


def test_rows_and_cells_the_file_leaves_out_are_empty_and_leading_empty_rows_are_skipped(tmp_path):
    path = xlsx(tmp_path / "gaps.xlsx", sheet_of(
        b'<row r="2"><c r="A2" s="1"/></row><row r="3"><c r="B3" t="inlineStr"><is><t>header</t></is></c></row>'
        b'<row r="6"><c r="D6"><v>1</v></c></row>'))
    assert read(path) == [[None, "header"], [], [], [None, None, None, 1]]


def test_error_true_false_and_formula_cells_read_as_shown(tmp_path):
    path = xlsx(tmp_path / "kinds.xlsx", sheet_of(
        b'<row r="1"><c r="A1" t="e"><v>#N/A</v></c><c r="B1" t="b"><v>1</v></c><c r="C1"><f>1+1</f><v>2</v></c>'
        b'<c r="D1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="E1" t="d"><v>2022-01-05</v></c></row>'))
    assert read(path) == [["#N/A", True, 2, "ab", date(2022, 1, 5)]]


def test_a_bad_cell_is_named_by_row_column_and_header(tmp_path):
    path = xlsx(tmp_path / "bad.xlsx", sheet_of(
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>source</t></is></c><c r="B1" t="inlineStr"><is><t>value</t></is>'
        b'</c></row><row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2"><v>abc</v></c></row>'))
    with pytest.raises(spreadsheets.CellProblem) as problem:
        read(path)
    assert str(problem.value) == "bad.xlsx, row 2, column B (value): the number cell holds “abc”, which is not a number"
    assert (problem.value.row, problem.value.column) == (2, 1)


def test_ods_text_keeps_spaces_tabs_and_lines_and_leaves_out_notes(tmp_path):
    path = ods(tmp_path / "text.ods", b'<table:table-row><table:table-cell office:value-type="string"><text:p>a'
                                      b'<text:s text:c="3"/>b<text:tab/>c<text:span>d</text:span></text:p>'
                                      b"<text:p>second</text:p><office:annotation><text:p>a note</text:p>"
                                      b"</office:annotation></table:table-cell></table:table-row>")
    assert read(path) == [["a   b\tcd\nsecond"]]


def test_ods_repeats_are_expanded_only_when_something_follows(tmp_path):
    path = ods(tmp_path / "repeats.ods", b'<table:table-row table:number-rows-repeated="2"><table:table-cell '
                                         b'table:number-columns-repeated="3" office:value-type="float" '
                                         b'office:value="1"/>'
                                         b'<table:table-cell table:number-columns-repeated="1000"/></table:table-row>'
                                         b'<table:table-row table:number-rows-repeated="2"><table:table-cell/>'
                                         b'</table:table-row><table:table-row><table:table-cell table:number-columns-'
                                         b'repeated="2"/><table:table-cell office:value-type="percentage" '
                                         b'office:value="0.5"/></table:table-row><table:table-row table:number-rows-'
                                         b'repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/>'
                                         b"</table:table-row>")
    assert read(path) == [[1, 1, 1], [1, 1, 1], [], [], [None, None, "50%"]]


def test_csv_reads_old_mac_line_ends_and_quoted_line_breaks(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_bytes(b'source,note\r"a","two\nlines"\rb,x\r')
    assert read(path) == [["source", "note"], ["a", "two\nlines"], ["b", "x"]]


def test_json_rows_have_every_key_any_object_has_and_exact_numbers(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text('[{"source": "a", "value": 41.4146018709}, {"source": "b", "note": null, "lower": 70}]')
    assert read(path) == [["source", "value", "note", "lower"], ["a", Decimal("41.4146018709"), None, None],
                          ["b", None, None, 70]]


@pytest.mark.parametrize("text, message", [
    ('{"source": "a"}', "expected “[”"),
    ('[{"source": "a"}] trailing', "expected nothing after the closing “]”"),
    ('[{"source": "a",}]', "is not valid JSON (row 2: Expecting property name"),
    ('[{"source": "a"} {"source": "b"}]', "expected “,” or “]”"),
    ('[{"source": "a", "source": "b"}]', "row 2, “source”: the key appears twice"),
])
def test_json_that_is_not_a_list_of_objects_is_refused_with_where(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(spreadsheets.FileProblem, match=re.escape(message)):
        read(path)


def test_the_limits_come_from_settings(tmp_path, settings):
    settings.SPREADSHEET_MAX_ROWS = 2
    path = tmp_path / "three.csv"
    path.write_text("source\na\nb\n")
    with pytest.raises(spreadsheets.FileProblem, match="it has more than 2 rows"):
        read(path)
    assert len(read(path, limits=spreadsheets.Limits(rows=3))) == 3


def test_a_declared_size_beyond_the_limits_refuses_a_sheet_before_it_is_read(tmp_path):
    path = xlsx(tmp_path / "declared.xlsx", Part(b'<worksheet %s><dimension ref="A1:B2000000"/><sheetData><row r="1">'
                                                 b'<c r="A1"><v>1</v></c></row></sheetData></worksheet>' % MAIN))
    with pytest.raises(spreadsheets.FileProblem, match=r"more than 1,048,576 rows \(row 2,000,000\)"):
        read(path)


def test_half_a_character_is_refused_and_excels_escaped_pairs_are_joined(tmp_path):
    # Text with a lone surrogate cannot be stored (PostgreSQL refuses it): refused by row and key or column.
    path = tmp_path / "half.json"
    path.write_bytes(b'[{"note": "\\ud83d\\ude00"}, {"note": "\\ud800"}]')
    with pytest.raises(spreadsheets.CellProblem, match="row 3, “note”: the text holds half of a character"):
        read(path)
    cells = b'<c r="A1" t="inlineStr"><is><t>_xD83D__xDE00_</t></is></c>'
    assert read(xlsx(tmp_path / "pair.xlsx", sheet_of(b'<row r="1">%s</row>' % cells))) == [["😀"]]
    cells = b'<c r="A1" t="inlineStr"><is><t>&#xD800;</t></is></c>'
    with pytest.raises(spreadsheets.CellProblem, match="row 1, column A: the cell's XML refers to a character"):
        read(xlsx(tmp_path / "half.xlsx", sheet_of(b'<row r="1">%s</row>' % cells)))


def test_the_admin_preview_refuses_a_gigabyte_sheet_with_a_message(reference_data, admin_client, run_worker,
                                                                    tmp_path):
    from tests.test_hostile_files import CASES

    build, _, refusal = CASES["xlsx, a cell of a gigabyte"]
    upload = io.BytesIO(build(tmp_path / "hostile.xlsx").read_bytes())  # 7 MB: under the upload limit
    upload.name = "hostile.xlsx"
    started = admin_client.post(reverse("admin:claims_figure_import"), {"file": upload})
    run_worker()
    response = admin_client.get(started["Location"])
    assert response.status_code == 200
    assert refusal in response.content.decode() and "Confirm the import" not in response.content.decode()
    assert not Figure.objects.exists()
