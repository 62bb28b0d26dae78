"""The comparison rules, database-free: ranges, rounding, conflicts, independent origins, definitions."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from claims.comparisons import Interval, across_definitions, interval, resolution, summarise

D = Decimal


def row(value=None, lower=None, upper=None, qualifier="exact", value_text="", source=1, outlet=None,
        attributed=None, rank="normal"):
    return {"source_id": source, "source__outlet_id": outlet, "attributed_to_id": attributed, "qualifier": qualifier,
            "value": value, "lower": lower, "upper": upper, "rank": rank, "value_text": value_text}


def test_more_than_70_has_no_upper_end_and_overlaps_anything_above():
    more = interval("more_than", None, D(70), None)
    assert more == Interval(D(70), None)
    assert more.overlaps(Interval(D(100), D(200))) and not more.overlaps(Interval(D(0), D(50)))


def test_an_exact_figure_stands_for_what_its_last_written_digit_allows():
    assert interval("exact", D("35.8"), None, None, "35.8") == Interval(D("35.75"), D("35.85"))
    assert interval("exact", D(16), None, None, "16") == Interval(D("15.5"), D("16.5"))
    assert interval("exact", D(16), None, None, "") == Interval(D(16), D(16))  # no wording: a point


def test_the_resolution_follows_the_scale_and_unit_the_source_wrote():
    assert resolution("1.3bn", D(1_300_000_000)) == D(100_000_000)
    assert resolution("27.01", D("0.2701")) == D("0.0001")  # a Gini written as a percentage
    assert resolution("some 740,000", D(740_000)) == D(1)
    assert resolution("0,332", D("0.332")) == D("0.001")  # a decimal comma reads right either way
    assert resolution("1½", D("1.5")) is None  # not a power of ten from its number: taken as exact


def test_about_is_give_or_take_five_percent_or_its_rounding_if_wider():
    assert interval("approximate", D("0.421"), None, None, "about 0.421") == Interval(D("0.39995"), D("0.44205"))
    assert interval("approximate", D(1), None, None, "about 1") == Interval(D("0.5"), D("1.5"))


def test_rounding_is_not_disagreement_but_separate_ranges_are():
    calm = summarise([row(D("35.8"), value_text="35.8", source=1), row(D("35.78"), value_text="35.78", source=2)])
    assert calm["conflicting"] is False
    conflict = summarise([row(D(16), value_text="16", source=1),
                          row(lower=D(70), qualifier="more_than", value_text="more than 70", source=2)])
    assert conflict["conflicting"] is True and conflict["disagreement"] > 1


def test_ten_outlets_repeating_one_ministry_are_one_origin():
    rows = [row(D(16), source=n, outlet=n, attributed=99) for n in range(10)]
    summary = summarise(rows)
    assert (summary["source_count"], summary["origin_count"]) == (10, 1)


def test_one_source_with_one_origin_is_no_comparison_but_two_origins_are():
    assert summarise([row(D(16)), row(D(17))]) is None
    assert summarise([row(D(16), attributed=1), row(D(17), attributed=2)])["origin_count"] == 2


def test_a_deprecated_figure_takes_no_part_in_the_verdict():
    rows = [row(D(16), source=1), row(D(16), source=2), row(D(99), source=3, rank="deprecated")]
    assert summarise(rows)["conflicting"] is False


def test_figures_across_definitions_are_grouped_with_their_differences_named():
    metric, subject = SimpleNamespace(name="Gini"), SimpleNamespace(name="Angola")

    def figure(dimensions, year=2009):
        return SimpleNamespace(metric_id=1, subject_id=1, period_start=date(year, 1, 1), period_end=date(year, 12, 31),
                               dimensions=dimensions, metric=metric, subject=subject)

    groups = across_definitions([figure("area=national; welfare=consumption"),
                                 figure("area=urban; welfare=consumption"), figure("area=urban", 2010)])
    assert len(groups) == 1
    assert groups[0].differences == ["area: national, urban"] and groups[0].period_display == "2009"


def test_one_source_disputing_itself_is_a_comparison_but_no_conflict_between_sources():
    # The official toll against the activists' count, both in one article: no other source disagrees with it.
    within = summarise([row(D(16), value_text="16", attributed=1),
                        row(lower=D(70), qualifier="more_than", value_text="more than 70", attributed=2)])
    assert within is not None and within["conflicting"] is False and within["disagreement"] < 1


def test_a_conflict_needs_two_sources_whose_ranges_miss_each_other():
    # Source 1 gives both 16 and "more than 70"; source 2's 10–100 meets each of them: no conflict.
    rows = [row(D(16), value_text="16", attributed=1),
            row(lower=D(70), qualifier="more_than", value_text="more than 70", attributed=2),
            row(lower=D(10), upper=D(100), qualifier="range", source=2)]
    assert summarise(rows)["conflicting"] is False
    # A second source saying 16 does conflict with the first source's "more than 70".
    rows[2] = row(D(16), value_text="16", source=2)
    assert summarise(rows)["conflicting"] is True
