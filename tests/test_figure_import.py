"""Figure spreadsheets in: values as people type them, provenance, all or nothing."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from claims.imports import import_figures
from claims.models import Figure, ImportBatch, Metric
from sources.models import Source

FILES = Path(__file__).parent / "files"
HEADER = "source,metric,subject,period_start,period_end,value_text,value,lower,upper,qualifier,unit,status,note\n"


def run(text: str | bytes, name="figures.csv", **options):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return import_figures(io.BytesIO(data), file_name=name, **options)


def errors(report):
    return [str(error) for error in report.errors]


def row(cells: str) -> str:
    return HEADER + cells + "\n"


@pytest.mark.parametrize("typed, qualifier, value, lower, upper", [
    ("1,234", "exact", 1234, None, None),
    ("1 234", "exact", 1234, None, None),
    ("43.7%", "exact", Decimal("43.7"), None, None),
    ("74.91 %", "exact", Decimal("74.91"), None, None),
    ("more than 70", "more_than", None, 70, None),
    ("about 0.42", "approximate", Decimal("0.42"), None, None),
    ("some 740,000", "approximate", 740000, None, None),
    ("twenty thousand", "exact", 20000, None, None),
    ("243+", "at_least", None, 243, None),
    ("16–20", "range", None, 16, 20),
])
def test_values_are_read_as_people_type_them(reference_data, typed, qualifier, value, lower, upper):
    metric = "turnout" if "%" in typed else "gini-coefficient" if "0.42" in typed else "death-toll"
    report = run(row(f'zhanaozen-report,{metric},kazakhstan,2021,,"{typed}",,,,,,,'))
    assert report.ok, errors(report)
    figure = Figure.objects.get()
    assert (figure.qualifier, figure.value, figure.lower, figure.upper) == (qualifier, value, lower, upper)
    assert figure.value_text == typed


def test_a_decimal_comma_must_be_declared(reference_data):
    text = row('zhanaozen-report,gini-coefficient,kazakhstan,2021,,"0,332",,,,,,,')
    report = run(text)
    assert errors(report) == ["Row 2, column value_text: “0,332” has a comma that is not a thousands separator; if the "
                              "file writes decimals with a comma (0,332), declare it decimal-comma; or give value, "
                              "lower and upper as numbers"]
    assert run(text, decimal_comma=True).ok
    assert Figure.objects.get().value == Decimal("0.332")


@pytest.mark.parametrize("typed, start, end, precision", [
    ("2021", date(2021, 1, 1), date(2021, 12, 31), "year"),
    ("2021-2022", date(2021, 1, 1), date(2022, 12, 31), "year"),
    ("January 2022", date(2022, 1, 1), date(2022, 1, 31), "month"),
    ("2022-01-05", date(2022, 1, 5), date(2022, 1, 5), "day"),
])
def test_periods_keep_their_precision(reference_data, typed, start, end, precision):
    assert run(row(f"zhanaozen-report,death-toll,kazakhstan,{typed},,16,,,,,,,")).ok
    figure = Figure.objects.get()
    assert (figure.period_start, figure.period_end, figure.period_precision) == (start, end, precision)


def test_bounds_given_are_checked_against_the_value_text(reference_data):
    report = run(row("zhanaozen-report,death-toll,kazakhstan,2011,,more than 70,,80,,,,,"))
    assert errors(report) == ["Row 2, column lower: 80 contradicts the value text “more than 70” (lower 70); fix one "
                              "or leave this cell empty"]
    report = run(row("zhanaozen-report,death-toll,kazakhstan,2011,,more than 70,,,,exact,,,"))
    assert "Row 2, column qualifier: “exact” contradicts the value text “more than 70”" in errors(report)[0]
    report = run(row("zhanaozen-report,death-toll,kazakhstan,2011,,,,,,more_than,,,"))
    assert errors(report) == ["Row 2, column value_text: no value: give value_text (as the source writes it) or value"]


@pytest.mark.parametrize("value, unit_range", [("1.7", "0 to 1 coefficient"), ("29", "0 to 1 coefficient")])
def test_a_gini_outside_its_range_is_refused(reference_data, value, unit_range):
    report = run(row(f"zhanaozen-report,gini-coefficient,kazakhstan,2021,,{value},,,,,,,"))
    assert errors(report) == [f"Row 2, column value: {value} is outside the range of Gini coefficient: expected "
                              f"{unit_range}"]


def test_unknown_references_are_named_and_nothing_is_written(reference_data):
    text = HEADER + "zhanaozen-report,death-toll,kazakhstan,2011,,16,,,,,,,\n" \
                    "no-such-source,no-such-metric,nowhere,2011,,abc,,,,,,,\n"
    report = run(text)
    assert errors(report) == [
        "Row 3, column source: unknown source “no-such-source”; name an existing source by its slug, or import "
        "with create-missing to add it",
        "Row 3, column metric: unknown metric “no-such-metric”; metrics are a curated vocabulary and are never "
        "created by an import (known: death-toll, gini-coefficient, people-with-disabilities, turnout, "
        "unions-liquidated, vote-share)",
        "Row 3, column subject: unknown subject “nowhere”; use an entity's slug, name or alias, or import with "
        "create-missing to add it",
        "Row 3, column value_text: “abc” is not a number (expected e.g. 1,234, 43.7%, more than 70, 16–20); or give "
        "value, lower and upper as numbers",
    ]
    assert not Figure.objects.exists() and not ImportBatch.objects.exists()


def test_create_missing_adds_sources_and_subjects_but_never_metrics(reference_data):
    report = run(row("new-report,death-toll,Aktau oil workers,2011,,16,,,,,,,"), create_missing=True)
    assert report.ok and report.created_sources == ["new-report"] and report.created_entities == ["aktau-oil-workers"]
    assert Source.objects.get(slug="new-report").status == "draft"
    report = run(row("new-report,no-such-metric,kazakhstan,2011,,16,,,,,,,"), create_missing=True)
    assert "unknown metric “no-such-metric”" in errors(report)[0]
    assert not Metric.objects.filter(slug="no-such-metric").exists()


def test_a_subject_may_be_named_by_an_alias(reference_data):
    assert run(row("zhanaozen-report,turnout,Alma-Ata,2022,,37%,,,,,,,")).ok
    assert Figure.objects.get().subject.slug == "almaty"


def test_duplicate_rows_within_one_file_are_refused(reference_data):
    text = HEADER + "zhanaozen-report,death-toll,kazakhstan,2011,,16,,,,,,,\n" * 2
    assert errors(run(text)) == ["Row 3: duplicates row 2 (same source, metric, subject, period, dimensions, value "
                                 "text and attribution); remove one of them"]


def test_a_unit_that_is_not_the_metrics_is_refused(reference_data):
    report = run(row("zhanaozen-report,death-toll,kazakhstan,2011,,16,,,,,km,,"))
    assert errors(report) == ["Row 2, column unit: “km” is not a unit of death-toll, which is measured in people"]


def test_an_import_cannot_give_a_verdict(reference_data):
    report = run(row("zhanaozen-report,death-toll,kazakhstan,2011,,16,,,,,,verified,"))
    assert "is a reviewer's verdict" in errors(report)[0]


def test_an_import_is_a_recorded_batch_and_history_names_it(reference_data, curator):
    report = run(row("zhanaozen-report,death-toll,zhanaozen-2011,2011,,more than 70,,,,,,unverified,"),
                 user=curator)
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.file_format, batch.created_by, batch.rows_new) == ("figures.csv", "csv", curator, 1)
    figure = Figure.objects.get()
    assert (figure.import_batch, figure.import_row, figure.created_by) == (batch, 2, curator)
    entry = figure.history.get()
    assert entry.history_change_reason == f"Import #{batch.pk} of figures.csv, row 2"
    assert entry.history_user == curator and entry.history_type == "+"
    assert report.summary().startswith("1 rows read: 1 new")
    # The anchor is found in the source text, as for a figure entered by hand.
    assert figure.source.text[figure.anchor_start:figure.anchor_end] == "more than 70"


def test_the_same_file_twice_changes_nothing_the_second_time(reference_data):
    text = (FILES / "researcher.csv").read_bytes()
    first = run(text, create_missing=True)
    assert first.ok and first.new == 9, errors(first)
    history = Figure.history.count()
    second = run(text, create_missing=True)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 9)
    assert Figure.history.count() == history and Figure.objects.count() == 9


def test_a_dry_run_writes_nothing(reference_data):
    report = run((FILES / "researcher.csv").read_bytes(), create_missing=True, dry_run=True)
    assert report.ok and report.new == 9 and report.created_sources == ["new-report"]
    assert not Figure.objects.exists() and not Source.objects.filter(slug="new-report").exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_files_written_by_a_spreadsheet_program_import_and_update_in_place(reference_data, fmt):
    first = run((FILES / f"researcher.{fmt}").read_bytes(), name=f"researcher.{fmt}", create_missing=True)
    assert first.ok and first.new == 9, errors(first)
    turnout = Figure.objects.get(metric__slug="turnout")
    assert (turnout.value, turnout.value_text, turnout.period_precision) == (Decimal("43.7"), "43.7%", "month")
    again = run((FILES / f"researcher.{fmt}").read_bytes(), name=f"researcher.{fmt}", create_missing=True)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 9), errors(again)

    edited = run((FILES / f"researcher-edited.{fmt}").read_bytes(), name=f"edited.{fmt}", create_missing=True)
    # The edited value text makes a new figure (a different reading); the note edit updates in place.
    assert (edited.new, edited.updated, edited.unchanged) == (1, 1, 7), errors(edited)
    official = Figure.objects.get(metric__slug="death-toll", value_text="16")
    assert official.note == "Official figure (Prosecutor General)" and Figure.objects.count() == 10


def test_imported_figures_join_their_comparison(reference_data):
    from claims.models import Comparison

    Source.objects.create(slug="other-report", title="Other", status="published")
    text = HEADER + ("zhanaozen-report,death-toll,zhanaozen-2011,2011,,16,,,,,,unverified,\n"
                     "other-report,death-toll,zhanaozen-2011,2011,,more than 70,,,,,,unverified,\n")
    assert run(text).ok
    comparison = Comparison.objects.get()  # bulk writes send no signals; the importer refreshes the group
    assert comparison.conflicting and comparison.figure_count == 2


def test_a_file_of_several_chunks_is_written_in_its_order_each_figure_with_its_history(reference_data, curator,
                                                                                        monkeypatch):
    # Chunks of three: a chunk is compared while the one before it is written (on PostgreSQL, by a staging table
    # and one INSERT … SELECT that writes the history too); the result is as if each row were saved in turn.
    monkeypatch.setattr("claims.imports.CHUNK_SIZE", 3)
    subjects = ["kazakhstan", "almaty", "zhanaozen-2011", "january-2022-unrest"]
    lines = [f"zhanaozen-report,death-toll,{subject},{year},,16,,,,,,unverified,row {i}"
             for i, (subject, year) in enumerate((s, y) for y in (2011, 2012) for s in subjects)]
    report = run(HEADER + "\n".join(lines) + "\n", user=curator)
    assert report.ok and report.new == 8, errors(report)
    figures = list(Figure.objects.order_by("id"))
    assert [f.note for f in figures] == [f"row {i}" for i in range(8)]
    assert [f.import_row for f in figures] == list(range(2, 10))
    batch = ImportBatch.objects.get()
    for figure in figures:
        entry = figure.history.get()
        assert entry.history_change_reason == f"Import #{batch.pk} of figures.csv, row {figure.import_row}"
        assert (entry.history_type, entry.history_user, entry.note) == ("+", curator, figure.note)


def test_records_that_do_not_take_the_values_said_alike_keep_their_own(reference_data, curator, monkeypatch):
    # On PostgreSQL the values every new record takes alike (the user, the time, version 1…) go into the INSERT
    # once rather than into each staged row — only when every record of the chunk has them. Told a wrong one, the
    # writer stages the records whole: no record silently takes a value it did not have.
    from claims.imports.matching import Matcher

    said = Matcher.new_record_constants
    monkeypatch.setattr(Matcher, "new_record_constants", lambda self: {**said(self), "version": 7, "rank_reason": "x"})
    report = run(row("zhanaozen-report,death-toll,kazakhstan,2011,,16,,,,,,unverified,"), user=curator)
    assert report.ok, errors(report)
    figure = Figure.objects.get()
    assert (figure.version, figure.rank_reason, figure.created_by, figure.history.get().version) == (
        1, "", curator, 1)


def test_a_row_repeating_one_of_the_chunk_before_is_refused_and_nothing_is_written(reference_data, monkeypatch):
    # Row 5 (the second chunk) repeats row 3 (the first, being written meanwhile): said, and all rolled back.
    monkeypatch.setattr("claims.imports.CHUNK_SIZE", 3)
    lines = ["zhanaozen-report,death-toll,kazakhstan,2011,,16,,,,,,,",
             "zhanaozen-report,death-toll,almaty,2011,,16,,,,,,,",
             "zhanaozen-report,death-toll,zhanaozen-2011,2011,,16,,,,,,,",
             "zhanaozen-report,death-toll,kazakhstan,2012,,16,,,,,,,",
             "zhanaozen-report,death-toll,zhanaozen-2011,2011,,16,,,,,,,"]
    report = run(HEADER + "\n".join(lines) + "\n")
    assert errors(report) == ["Row 6: duplicates row 4 (same source, metric, subject, period, dimensions, value text "
                              "and attribution); remove one of them"]
    assert not Figure.objects.exists() and not Figure.history.exists() and not ImportBatch.objects.exists()


def test_a_write_refused_by_the_database_midway_leaves_nothing_written(reference_data, monkeypatch):
    # On PostgreSQL the second chunk is written by the background thread, after the first was: the database's
    # refusal (here, as if a curator had saved an identical figure meanwhile) reaches the import, which rolls
    # every chunk back and says what happened.
    from django.db import IntegrityError

    from claims.imports.writing import Writer

    monkeypatch.setattr("claims.imports.CHUNK_SIZE", 3)
    original, calls = Writer.write, []

    def write(self, new, updated):
        calls.append(len(new))
        if len(calls) == 2:
            raise IntegrityError("duplicate key value violates unique constraint \"figure_identity\"")
        original(self, new, updated)

    monkeypatch.setattr(Writer, "write", write)
    subjects = ["kazakhstan", "almaty", "zhanaozen-2011", "january-2022-unrest"]
    lines = [f"zhanaozen-report,death-toll,{subject},{year},,16,,,,,,," for year in (2011, 2012)
             for subject in subjects]
    report = run(HEADER + "\n".join(lines) + "\n")
    assert calls == [3, 3] and not report.ok
    assert errors(report) == ["File: while this import ran, someone saved a record identical to one of its rows; "
                              "nothing was imported — run it again to see which"]
    assert not Figure.objects.exists() and not Figure.history.exists() and not ImportBatch.objects.exists()


def test_a_file_name_with_quotes_is_written_into_the_history_as_it_is(reference_data, curator):
    # On PostgreSQL the history's reason is quoted into the import's SQL by the driver (it goes along with other
    # statements in one round trip): a name that would break naive quoting is kept whole and runs nothing.
    name = "o'brien\\'s; DROP TABLE claims_figure; -- $$ \"x\".csv"
    report = run(row("zhanaozen-report,death-toll,zhanaozen-2011,2011,,more than 70,,,,,,unverified,"), name=name,
                 user=curator)
    assert report.ok, errors(report)
    batch = ImportBatch.objects.get()
    entry = Figure.objects.get().history.get()
    assert entry.history_change_reason == f"Import #{batch.pk} of {name}, row 2"[:100]
    assert batch.file_name == name
