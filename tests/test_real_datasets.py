"""Real datasets: whole datasets come in with their provenance, and /compare/ shows only real disagreements —
the same definition, the same period, ranges that do not overlap even allowing for rounding."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from tablib import Dataset

from claims import comparisons
from claims.imports import import_figures
from claims.models import Comparison, Entity, Figure
from claims.resources import EntityResource
from sources.models import Source

FILES = Path(__file__).parent / "files"


def load_entities():
    result = EntityResource().import_data(Dataset().load((FILES / "entities-with-aliases.csv").read_text(),
                                                         format="csv"), raise_errors=True)
    assert not result.has_errors()


def load(name, **options):
    report = import_figures(io.BytesIO((FILES / name).read_bytes()), file_name=name, create_missing=True,
                            publish=True, **options)
    assert report.ok, report.error_lines()
    return report


@pytest.fixture
def wiid(metrics):
    load_entities()
    return load("wiid-extract.csv")


def test_one_command_brings_a_multi_source_dataset_in_published_with_its_provenance(wiid):
    assert wiid.new == 10 and sorted(wiid.created_sources) == [
        "wiid-eusilc-2017", "wiid-lis-2019", "wiid-sedlac-2020", "wiid-wb-2018"]
    source = Source.objects.get(slug="wiid-wb-2018")
    assert (source.title, source.kind, source.status, source.published_on.isoformat(), source.published_precision) \
        == ("World Bank PovcalNet 2018 (via WIID)", "dataset", "published", "2018-09-01", "month")
    assert source.url == "https://pip.worldbank.org/" and source.text == ""
    assert set(Figure.objects.values_list("status", flat=True)) == {"unverified"}
    assert set(Figure.objects.values_list("found_in", flat=True)) == {"data"}  # a dataset has no text to be in


def test_an_alias_lands_the_second_datasets_name_on_the_first_ones_entity(wiid):
    czechia = Entity.objects.get(slug="czechia")
    assert Figure.objects.filter(subject=czechia).count() == 3  # "Czechia" once, "Czech Republic" twice
    assert not Entity.objects.filter(name="Czech Republic").exists()
    assert {alias.name for alias in czechia.aliases.all()} == {"Czech Republic", "Česko"}


def test_a_gini_written_on_a_0_to_100_scale_keeps_its_wording_and_is_stored_as_a_coefficient(wiid):
    figure = Figure.objects.get(subject__slug="brazil", value_text="48.2")
    assert (figure.value, figure.written_unit) == (Decimal("0.482"), "percent")


def test_the_same_number_with_two_definitions_is_two_figures_not_a_duplicate(wiid):
    angola = Figure.objects.filter(subject__name="Angola")
    assert sorted(angola.values_list("dimensions", flat=True)) == [
        "area=national; scale=per capita; welfare=consumption", "area=urban; scale=per capita; welfare=consumption"]


def conflicts_by_the_old_rules() -> int:
    """What /compare/ counted before dimensions and rounding: groups by metric, subject and period only,
    an exact figure a point."""
    keys = [field for field in comparisons.KEY_FIELDS if field != "dimensions"]
    rows = Figure.objects.public().order_by(*keys).values(*keys, *comparisons._ROW_FIELDS)
    count = 0
    from itertools import groupby

    for _, group in groupby(rows, key=lambda row: tuple(row[f] for f in keys)):
        group = [{**row, "value_text": ""} for row in group]  # no text: no rounding
        summary = comparisons.summarise(group)
        count += bool(summary and summary["conflicting"])
    return count


def test_compare_shows_only_real_disagreements(wiid, client):
    # Before: Czechia (income vs consumption), Brazil (earnings vs income) and Kazakhstan (35.8 vs 35.78)
    # conflicted; only Brazil's two income-per-capita estimates, 53.4 and 54.1, truly do.
    assert conflicts_by_the_old_rules() == 3
    real = Comparison.objects.filter(conflicting=True)
    assert [(c.subject.name, c.dimensions) for c in real] == [
        ("Brazil", "area=national; scale=per capita; welfare=income")]
    kazakhstan = Comparison.objects.get(subject__name="Kazakhstan")
    assert not kazakhstan.conflicting  # 35.8 stands for 35.75–35.85; 35.78 is inside
    page = client.get(reverse("claims:compare"), {"conflicting": "1"}).content.decode()
    assert "Gini coefficient — Brazil" in page and "Gini coefficient — Kazakhstan" not in page
    assert "welfare: income" in page  # the definition, as a reader reads it


def test_compare_can_show_the_looser_grouping_with_the_differences_named(wiid, client):
    page = client.get(reverse("claims:compare"), {"subject": "czechia", "across": "1"}).content.decode()
    assert "Different definitions, side by side" in page
    assert "welfare: consumption, income" in page and "scale: equivalised, per capita" in page
    assert client.get(reverse("claims:compare"), {"across": "1"}).status_code == 400  # too wide: say what to narrow


def test_figures_filter_by_a_dimension(wiid, client):
    page = client.get(reverse("claims:figure-list"), {"dimension": "area=urban"}).content.decode()
    urban = Figure.objects.get(dimensions__contains="area=urban")
    assert page.count('data-figure-id="') == 1 and f'data-figure-id="{urban.pk}"' in page
    assert client.get(reverse("claims:figure-list"), {"dimension": "urban"}).status_code == 400


def test_two_elections_on_one_day_are_two_figures_each_compared_with_its_own(metrics, client):
    report = load("elections.csv")
    assert report.new == 5
    shares = Figure.objects.filter(subject__name="Party of Small Farmers").order_by("dimensions")
    assert [(f.value_text, f.dimensions) for f in shares] == [("1.0%", "election=european parliament"),
                                                               ("1.0%", "election=national")]
    green = Figure.objects.get(subject__name="Green Alliance")
    assert green.value == Decimal("41.4146018709")
    assert not Comparison.objects.exists()  # one source, one origin per definition: nothing to compare


def test_the_xlsx_of_the_dataset_imports_the_same(metrics):
    load_entities()
    report = load("wiid-extract.xlsx")
    assert report.new == 10
    assert Figure.objects.get(subject__slug="czechia", value_text="25.94").value == Decimal("0.2594")
