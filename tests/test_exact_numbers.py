"""Nothing changes silently: a number is stored exactly as written or refused with a message naming the row,
the column and the precision allowed; text too long for its field is refused, never cut; and every export of
the whole database imports back as a no-op — the same on SQLite and PostgreSQL."""

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from claims.imports import import_figures
from claims.models import Entity, Figure, Metric
from claims.rules import number_problem

HEADER = "source,metric,subject,period_start,value_text,value,found_in\n"


def run(text, name="figures.csv", **options):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return import_figures(io.BytesIO(data), file_name=name, **options)


def test_a_long_decimal_from_a_real_dataset_is_stored_exactly_and_reimports_as_unchanged(reference_data):
    text = HEADER + "zhanaozen-report,vote-share,kazakhstan,2021,41.4146018709,,table\n"
    assert run(text).ok
    assert Figure.objects.get().value == Decimal("41.4146018709")
    again = run(text)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)


@pytest.mark.parametrize("typed, problem", [
    ("41.41460187091", "has 11 decimal places"),
    ("1234567890.1234567", "has 17 significant digits"),
    ("12345678901234567890", "is too large to store exactly"),
])
def test_a_number_beyond_the_precision_kept_is_refused_naming_row_column_and_precision(reference_data, typed,
                                                                                       problem):
    report = run(HEADER + f"zhanaozen-report,death-toll,kazakhstan,2021,{typed},,table\n")
    message = str(report.errors[0])
    assert message.startswith("Row 2, column value_text:") and problem in message
    assert "at most 15 significant digits, 10 decimal places" in message
    assert not Figure.objects.exists()


@pytest.mark.parametrize("cell", ["NaN", "Infinity", "-Infinity", "1e30"])
def test_nan_infinity_and_huge_numbers_from_a_json_file_are_refused(reference_data, cell):
    data = ('[{"source": "zhanaozen-report", "metric": "death-toll", "subject": "kazakhstan", '
            f'"period_start": "2011", "value": {cell}, "found_in": "table"}}]')
    report = run(data, name="figures.json")
    # NaN and Infinity are not JSON numbers: the reader refuses the file at that row; 1e30 is read and refused.
    assert not report.ok and "row 2" in str(report.errors[0]).lower()
    assert not Figure.objects.exists()


def test_a_value_text_too_long_is_refused_not_cut(reference_data):
    long = "more than 70 " + "x" * 419
    report = run(HEADER + f"zhanaozen-report,death-toll,kazakhstan,2011,{long},,table\n")
    assert "the value text has 432 characters; at most 300 are allowed (nothing is cut)" in str(report.errors[0])


def test_an_entity_name_too_long_is_refused_not_cut_and_not_created(reference_data):
    name = "A" * 250
    report = run(HEADER + f"zhanaozen-report,death-toll,{name},2011,16,,\n", create_missing=True)
    assert "the subject has 250 characters; at most 200 are allowed" in str(report.errors[0])
    assert not Entity.objects.filter(name__startswith="AAAA").exists()


def test_the_model_refuses_what_it_cannot_store_exactly(make_source, make_entity, death_toll):
    figure = Figure(source=make_source(), metric=death_toll, subject=make_entity(), value_text="16",
                    value=Decimal("16.00000000001"), period_start="2011-01-01", period_end="2011-12-31")
    with pytest.raises(ValidationError) as caught:
        figure.full_clean()
    assert "no more than 10 decimal places" in caught.value.message_dict["value"][0]
    assert number_problem(Decimal("NaN")) and number_problem(Decimal("1e30"))


@pytest.fixture
def awkward_figures(reference_data, make_entity):
    """Figures whose numbers and text a careless exporter or importer would change."""
    source = "zhanaozen-report"
    Metric.objects.create(slug="net-migration", name="Net migration", unit="people")
    rows = [
        "source,metric,subject,period_start,period_end,value_text,value,lower,upper,qualifier,unit,note,dimensions,"
        "found_in",
        f"{source},vote-share,kazakhstan,2021,,41.4146018709,,,,,,,election=european parliament,table",
        f"{source},vote-share,kazakhstan,2021,,41.4146018709,,,,,,,election=national,table",
        f"{source},net-migration,kazakhstan,2020,,-5,-5,,,,,\"=HYPERLINK(\"\"x\"\")\",,table",
        f"{source},gini-coefficient,kazakhstan,2019,,27.01,,,,,percent,Gini written as a percentage,"
        "welfare=income; scale=per capita,table",
        f"{source},death-toll,zhanaozen-2011,2011,,more than 70,,,,,,Déjà vu — «quoted»,,",
        f"{source},death-toll,zhanaozen-2011,2011,,16–20,,,,,,,,",
        f"{source},turnout,almaty,2022-01,2022-02,about 0.42,,,,,,,,",
    ]
    report = run("\n".join(rows) + "\n", create_missing=True)
    assert report.ok, report.error_lines()
    return Figure.objects.order_by("pk")


def test_a_value_written_in_another_unit_is_converted_and_keeps_its_wording(awkward_figures):
    gini = awkward_figures.get(metric__slug="gini-coefficient")
    assert (gini.value, gini.value_text, gini.written_unit) == (Decimal("0.2701"), "27.01", "percent")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods", "json"])
def test_every_export_of_the_whole_database_imports_back_as_a_no_op(awkward_figures, tmp_path, fmt):
    path = tmp_path / f"everything.{fmt}"
    call_command("export_figures", "--format", fmt, "-o", str(path))
    history = Figure.history.count()
    report = run(path.read_bytes(), name=path.name)
    assert report.ok, report.error_lines()
    assert (report.new, report.updated, report.unchanged) == (0, 0, awkward_figures.count())
    assert Figure.history.count() == history


def test_a_json_export_is_valid_json_with_exact_numbers(awkward_figures, tmp_path):
    path = tmp_path / "everything.json"
    call_command("export_figures", "--format", "json", "-o", str(path))
    rows = json.loads(path.read_text(), parse_float=Decimal)
    assert Decimal("41.4146018709") in {row["value"] for row in rows}
    assert Decimal("27.01") in {row["value"] for row in rows}
