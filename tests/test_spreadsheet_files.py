"""Bad files are refused whole, with a message that says what is wrong; exports are safe to open."""

import codecs
import io
import json
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.exports import FIGURE_COLUMNS
from claims.imports import import_figures
from claims.models import Figure, ImportBatch
from tests.test_figure_import import FILES, HEADER, errors, run

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


def test_admin_import_previews_then_writes_on_confirmation(reference_data, admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = io.BytesIO((FILES / "researcher.csv").read_bytes())
    upload.name = "researcher.csv"
    preview = admin_client.post(reverse("admin:claims_figure_import"), {"file": upload, "create_missing": "on"})
    page = preview.content.decode()
    assert preview.status_code == 200 and "Confirm the import" in page
    assert preview.context["report"].new == 9 and "source <b>new-report</b>" in page
    assert 'class="import-new"' in page and not Figure.objects.exists()
    form = {key: preview.context["options"][key] for key in ("encoding", "decimal_comma", "create_missing")}
    done = admin_client.post(reverse("admin:claims_figure_import"), {
        "confirm": "1", "token": preview.context["token"], "file_name": "researcher.csv", **form})
    assert done.status_code == 302 and Figure.objects.count() == 9
    assert ImportBatch.objects.get().created_by.username == "admin"


def test_admin_import_shows_errors_and_writes_nothing(reference_data, admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = io.BytesIO((HEADER + "zhanaozen-report,gini-coefficient,kazakhstan,2011,,29,,,,,,,\n").encode())
    upload.name = "gini.csv"
    page = admin_client.post(reverse("admin:claims_figure_import"), {"file": upload}).content.decode()
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


def test_uploads_never_confirmed_are_swept_after_a_day(settings, tmp_path):
    import os
    import time

    from claims.admin_spreadsheets import sweep_abandoned_uploads

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports").mkdir()
    old, fresh = tmp_path / "imports" / ("a" * 32 + ".csv"), tmp_path / "imports" / ("b" * 32 + ".csv")
    for path in (old, fresh):
        path.write_text(HEADER)
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    assert sweep_abandoned_uploads() == 1
    assert not old.exists() and fresh.exists()
