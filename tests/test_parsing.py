"""Numbers and periods as people write them: each reads right or is refused with a reason.

No database: claims.parsing is plain Python shared by the admin, the importer and extraction.
"""

import calendar
from datetime import date
from decimal import Decimal

import pytest

from claims.parsing import (
    MAX_VALUE_TEXT_LENGTH,
    ParsedValue,
    ParseError,
    Period,
    format_period,
    format_value,
    parse_number,
    parse_number_words,
    parse_period,
    parse_value_text,
    period_cells,
    period_from_cells,
)


def read(text, **options):
    parsed = parse_value_text(text, **options)
    return parsed.qualifier, parsed.value, parsed.lower, parsed.upper, parsed.unit


def refusal(text, parse=parse_value_text, **options):
    with pytest.raises(ParseError) as caught:
        parse(text, **options)
    return str(caught.value)


# The cases issue 8's fuzzing found, each once misread without a word ------------------------------------------

def test_1e400_is_refused_as_too_large():
    assert refusal("1e400") == ("“1e400” is too large to store exactly (at most 15 significant digits, 10 decimal "
                                "places and 15 digits before the point)")


def test_1_5e6_is_one_and_a_half_million():
    assert read("1.5e6") == ("exact", 1500000, None, None, None)


def test_12_34_is_refused_as_two_numbers():
    assert refusal("12 34") == "“12 34” holds more than one number; write a range as 16–20"


def test_two_years_side_by_side_are_refused():
    assert refusal("2021 2022") == "“2021 2022” holds more than one number; write a range as 16–20"


def test_a_dozen_is_twelve():
    assert read("a dozen") == ("exact", 12, None, None, None)


def test_two_dozen_is_twenty_four():
    assert read("two dozen") == ("exact", 24, None, None, None)


def test_a_few_hundred_is_at_least_a_hundred():
    # ACLED's most conservative reading: the unit named is the lower bound.
    assert read("a few hundred") == ("at_least", None, 100, None, None)


def test_one_two_three_is_refused_not_added_up():
    assert refusal("one two three").startswith("“one two three” is not one number")


def test_thousand_thousand_is_refused():
    assert "needs a number before it" in refusal("thousand thousand")


def test_a_thousand_thousand_is_refused_as_a_repeated_scale():
    assert refusal("a thousand thousand").startswith("“a thousand thousand” is not one number")


def test_the_scale_of_5_to_10_million_applies_to_both_ends():
    assert read("5 to 10 million") == ("range", None, 5000000, 10000000, None)


def test_between_2_and_3_million_is_a_range_of_millions():
    assert read("between 2 and 3 million") == ("range", None, 2000000, 3000000, None)


def test_ten_to_twenty_is_a_range():
    assert read("ten to twenty") == ("range", None, 10, 20, None)


def test_three_quarters_written_with_a_slash_is_refused():
    assert "is a fraction or a date; write a decimal (0.75) or a percent (75%)" in refusal("3/4")


def test_one_and_a_half_with_a_fraction_sign_is_1_5():
    assert read("1½") == ("exact", Decimal("1.5"), None, None, None)


def test_hexadecimal_is_refused():
    assert refusal("0x10").startswith("“0x10” is not a number: “x” right after the digits")


def test_a_superscript_power_is_refused():
    assert "superscript powers are not read" in refusal("10²")


def test_320m_is_320_million():
    assert read("320m") == ("exact", 320000000, None, None, None)


def test_2_trillion_is_two_million_million():
    assert read("2 trillion") == ("exact", 2000000000000, None, None, None)


# Bounded before read ---------------------------------------------------------------------------------------------

def test_a_value_text_longer_than_300_characters_is_refused_naming_the_limit():
    assert refusal("between" + " " * 3000 + "x") == "the value text has 3,008 characters; at most 300 are allowed"


def test_an_80_kb_cell_of_number_words_is_refused_before_it_is_read():
    assert "at most 300 are allowed" in refusal("one zzz " + "one " * 20000)


def test_a_value_text_of_exactly_the_limit_is_read():
    assert read("7" + " " * (MAX_VALUE_TEXT_LENGTH - 1)) == ("exact", 7, None, None, None)


def test_a_word_after_the_number_that_is_another_number_is_refused():
    assert refusal("one zzz one one") == "“one zzz one one” holds more than one number; write one number"


def test_a_50000_character_period_is_refused_naming_the_limit():
    assert refusal("2011-" * 10000, parse_period) == "the period has 50,000 characters; at most 100 are allowed"


def test_a_number_cell_longer_than_100_characters_is_refused():
    assert "at most 100 are allowed" in refusal("1" * 101, parse_number)


# Digits, separators and limits ------------------------------------------------------------------------------------

def test_a_thousands_comma_is_read():
    assert read("1,234") == ("exact", 1234, None, None, None)


def test_a_space_groups_thousands():
    assert read("1 234") == ("exact", 1234, None, None, None)


def test_a_thin_space_groups_thousands_in_russian():
    assert read("30\u202f000") == ("exact", 30000, None, None, None)


def test_a_decimal_comma_must_be_declared():
    assert refusal("0,332").startswith("“0,332” has a comma that is not a thousands separator")


def test_a_declared_decimal_comma_is_read():
    assert read("5,5", decimal_comma=True) == ("exact", Decimal("5.5"), None, None, None)


def test_a_decimal_comma_with_space_grouping_is_read():
    assert read("30 000,5", decimal_comma=True) == ("exact", Decimal("30000.5"), None, None, None)


def test_a_decimal_point_is_refused_when_a_decimal_comma_was_declared():
    assert "is not a number written with a decimal comma" in refusal("5.5", decimal_comma=True)


def test_forty_digits_are_refused():
    assert "is too large to store exactly" in refusal("1234567890123456789012345678901234567890")


def test_sixteen_significant_digits_are_refused_never_rounded():
    assert "has 16 significant digits; factbase stores numbers exactly as written, with at most 15" in refusal(
        "123456789.0123456")


def test_eleven_decimal_places_are_refused_never_rounded():
    assert "has 11 decimal places; factbase stores numbers exactly as written, with at most 15 significant " \
           "digits, 10 decimal places" in refusal("0.12345678901")


def test_fifteen_digits_are_kept():
    assert read("123456789012345") == ("exact", 123456789012345, None, None, None)


def test_nan_is_not_a_number():
    assert refusal("NaN").startswith("“NaN” is not a number")


def test_infinity_is_not_a_number():
    assert refusal("Infinity").startswith("“Infinity” is not a number")


def test_arabic_indic_digits_are_not_read_as_numbers():
    assert refusal("٣").startswith("“٣” is not a number")


def test_a_negative_number_is_read():
    assert read("−5") == ("exact", -5, None, None, None)


def test_an_ordinal_is_refused():
    assert refusal("19th") == "“19th” is an ordinal (a rank), not a quantity"


def test_a_decade_is_refused():
    assert refusal("1990s") == "“1990s” is a decade, not a quantity"


def test_an_empty_value_is_refused():
    assert refusal("  ") == "the value is empty"


def test_zero_is_a_value_not_an_empty_cell():
    assert read(0) == ("exact", 0, None, None, None)


# Scales and units ------------------------------------------------------------------------------------------------

def test_1_3bn_is_1_3_billion():
    assert read("1.3bn") == ("exact", 1300000000, None, None, None)


def test_dollars_320m_is_320_million_us_dollars():
    assert read("$320m") == ("exact", 320000000, None, None, "USD")


def test_pounds_4m_is_4_million_pounds():
    assert read("£4m") == ("exact", 4000000, None, None, "GBP")


def test_5bn_rupees_is_5_billion_rupees():
    assert read("5bn rupees") == ("exact", 5000000000, None, None, "INR")


def test_mln_in_russian_is_a_million():
    assert read("2,5 млн", decimal_comma=True) == ("exact", 2500000, None, None, None)


def test_mlrd_in_russian_is_a_billion():
    assert read("3 млрд") == ("exact", 3000000000, None, None, None)


def test_tys_with_its_dot_is_a_thousand():
    assert read("3.5 тыс.") == ("exact", 3500, None, None, None)


def test_tenge_are_kazakh_currency():
    assert read("more than 9 million tenge") == ("more_than", None, 9000000, None, "KZT")


def test_roubles_in_russian_are_a_currency():
    assert read("500 рублей") == ("exact", 500, None, None, "RUB")


def test_dollars_in_words_are_us_dollars():
    assert read("5.5 dollars") == ("exact", Decimal("5.5"), None, None, "USD")


def test_a_percent_sign_keeps_the_number_as_written_and_names_the_unit():
    assert read("43.7%") == ("exact", Decimal("43.7"), None, None, "percent")


def test_a_spaced_percent_sign_is_a_percent():
    assert read("74.91 %") == ("exact", Decimal("74.91"), None, None, "percent")


def test_per_cent_in_two_words_is_a_percent():
    assert read("13 per cent") == ("exact", 13, None, None, "percent")


def test_five_metres_is_not_five_million():
    # Only "m" glued to the digits is a million; "5 m" keeps its number and leaves the word alone.
    assert read("5 m") == ("exact", 5, None, None, None)


def test_two_units_for_one_number_are_refused():
    assert "names two units" in refusal("$5 rupees")


# Number words ----------------------------------------------------------------------------------------------------

def test_twenty_thousand_in_words():
    assert read("twenty thousand") == ("exact", 20000, None, None, None)


def test_twenty_thousand_terrorists_ignores_the_noun():
    assert read("twenty thousand terrorists") == ("exact", 20000, None, None, None)


def test_a_quarter_of_a_million():
    assert read("a quarter of a million") == ("exact", 250000, None, None, None)


def test_half_a_million():
    assert read("half a million") == ("exact", 500000, None, None, None)


def test_one_and_a_half_million():
    assert read("one and a half million") == ("exact", 1500000, None, None, None)


def test_two_hundred_and_forty_two_thousand():
    assert read("two hundred and forty-two thousand") == ("exact", 242000, None, None, None)


def test_russian_number_words():
    assert read("двадцать тысяч") == ("exact", 20000, None, None, None)


def test_russian_one_and_a_half_million():
    assert read("полтора миллиона") == ("exact", 1500000, None, None, None)


def test_parse_number_words_reads_words_only():
    assert parse_number_words("two hundred and forty") == 240


def test_parse_number_words_refuses_a_vague_quantity():
    assert refusal("dozens", parse_number_words) == "“dozens” is not a number written in words"


# Vague quantities: a lower bound (ACLED) --------------------------------------------------------------------------

def test_dozens_is_at_least_twelve():
    assert read("dozens") == ("at_least", None, 12, None, None)


def test_hundreds_is_at_least_a_hundred():
    assert read("Hundreds") == ("at_least", None, 100, None, None)


def test_thousands_is_at_least_a_thousand():
    assert read("thousands") == ("at_least", None, 1000, None, None)


def test_hundreds_of_thousands_is_at_least_a_hundred_thousand():
    assert read("hundreds of thousands") == ("at_least", None, 100000, None, None)


def test_tens_of_thousands_is_at_least_ten_thousand():
    assert read("tens of thousands") == ("at_least", None, 10000, None, None)


def test_several_thousand_is_at_least_a_thousand():
    assert read("several thousand") == ("at_least", None, 1000, None, None)


def test_desyatki_tysyach_is_at_least_ten_thousand():
    assert read("десятки тысяч") == ("at_least", None, 10000, None, None)


def test_neskolko_soten_is_at_least_a_hundred():
    assert read("несколько сотен") == ("at_least", None, 100, None, None)


def test_more_than_a_few_hundred_keeps_more_than():
    assert read("more than a few hundred") == ("more_than", None, 100, None, None)


def test_up_to_hundreds_is_refused_as_contradictory():
    assert "a vague quantity is a lower bound and cannot also be “at most”" in refusal("up to hundreds")


# Shares and factors: refused unless asked for ---------------------------------------------------------------------

def test_a_third_is_refused_by_default_as_a_share():
    assert refusal("a third").startswith("“a third” is a share of a whole; give the value and bounds by hand")


def test_a_third_read_relative_is_about_33_33_percent():
    assert read("a third", relative=True) == ("approximate", Decimal("33.33"), None, None, "percent")


def test_half_read_relative_is_exactly_50_percent():
    assert read("half", relative=True) == ("exact", 50, None, None, "percent")


def test_one_in_every_seven_read_relative_is_about_14_29_percent():
    assert read("one in every seven", relative=True) == ("approximate", Decimal("14.29"), None, None, "percent")


def test_one_in_eight_is_exactly_12_5_percent():
    assert read("1 in 8", relative=True) == ("exact", Decimal("12.5"), None, None, "percent")


def test_two_thirds_is_about_66_67_percent():
    assert read("two thirds", relative=True) == ("approximate", Decimal("66.67"), None, None, "percent")


def test_less_than_a_third_rounds_its_bound_up_so_it_stays_true():
    assert read("less than a third", relative=True) == ("less_than", None, None, Decimal("33.34"), "percent")


def test_more_than_a_third_rounds_its_bound_down_so_it_stays_true():
    assert read("more than a third", relative=True) == ("more_than", None, Decimal("33.33"), None, "percent")


def test_russian_a_third_read_relative():
    assert read("треть", relative=True) == ("approximate", Decimal("33.33"), None, None, "percent")


def test_russian_every_seventh_read_relative():
    assert read("каждый седьмой", relative=True) == ("approximate", Decimal("14.29"), None, None, "percent")


def test_doubled_is_refused_by_default_as_a_factor():
    assert "is a change (a factor), not an amount" in refusal("doubling")


def test_doubled_read_relative_is_two():
    assert read("doubled", relative=True) == ("exact", 2, None, None, None)


# Qualifiers ------------------------------------------------------------------------------------------------------

def test_more_than_70_is_a_lower_bound():
    assert read("more than 70") == ("more_than", None, 70, None, None)


def test_at_least_70_is_a_lower_bound():
    assert read("at least 70") == ("at_least", None, 70, None, None)


def test_no_more_than_wins_over_more_than():
    assert read("no more than 70") == ("at_most", None, None, 70, None)


def test_up_to_three_months_is_an_upper_bound():
    assert read("up to three months") == ("at_most", None, None, 3, None)


def test_nearly_two_million_is_below_two_million():
    assert read("nearly two million") == ("less_than", None, None, 2000000, None)


def test_almost_half_is_below_half():
    assert read("almost half", relative=True) == ("less_than", None, None, 50, "percent")


def test_just_over_half_a_million_is_a_lower_bound():
    assert read("just over half a million") == ("more_than", None, 500000, None, None)


def test_some_740000_is_approximate():
    assert read("some 740,000") == ("approximate", 740000, None, None, None)


def test_an_estimated_25000_is_approximate():
    assert read("an estimated 25,000") == ("approximate", 25000, None, None, None)


def test_about_0_421_is_approximate():
    assert read("about 0.421") == ("approximate", Decimal("0.421"), None, None, None)


def test_243_plus_is_at_least_243():
    assert read("243+") == ("at_least", None, 243, None, None)


def test_70_or_more_is_at_least_70():
    assert read("70 or more") == ("at_least", None, 70, None, None)


def test_70_or_so_is_about_70():
    assert read("70 or so") == ("approximate", 70, None, None, None)


def test_more_than_before_and_or_less_after_contradict_each_other():
    assert "contradict each other" in refusal("more than 70 or less")


def test_not_a_single_is_zero():
    assert read("not been a single") == ("exact", 0, None, None, None)


def test_ni_odnogo_is_zero():
    assert read("ни одного") == ("exact", 0, None, None, None)


# Ranges ----------------------------------------------------------------------------------------------------------

def test_from_3_to_13_percent_is_a_range_of_percents():
    assert read("from 3 to 13 percent") == ("range", None, 3, 13, "percent")


def test_16_20_with_an_en_dash_is_a_range():
    assert read("16–20") == ("range", None, 16, 20, None)


def test_a_range_of_dollars_in_millions():
    assert read("$5–10m") == ("range", None, 5000000, 10000000, "USD")


def test_500000_to_1_million_keeps_its_first_end():
    # The scale is shared only when the first end is smaller than the number before it.
    assert read("500,000 to 1 million") == ("range", None, 500000, 1000000, None)


def test_a_backwards_range_is_refused():
    assert refusal("20–16") == "“20–16”: the range runs backwards (20 is above 16)"


def test_a_range_cannot_also_be_a_lower_bound():
    assert refusal("more than 16–20") == "“more than 16–20”: a range cannot also be “more than”"


def test_between_needs_two_numbers():
    assert "“between” needs two numbers" in refusal("between 5 and")


def test_a_range_of_negative_numbers():
    assert read("−5 – −3") == ("range", None, -5, -3, None)


# Russian qualifiers ----------------------------------------------------------------------------------------------

def test_bolee_70_is_more_than_70():
    assert read("более 70") == ("more_than", None, 70, None, None)


def test_okolo_740_tysyach_is_about_740000():
    assert read("около 740 тысяч") == ("approximate", 740000, None, None, None)


def test_svyshe_is_more_than():
    assert read("свыше 5 млн") == ("more_than", None, 5000000, None, None)


def test_pochti_is_below_the_number():
    assert read("почти 2 млн") == ("less_than", None, None, 2000000, None)


def test_ne_menee_is_at_least():
    assert read("не менее 30 000") == ("at_least", None, 30000, None, None)


def test_ot_do_is_a_range():
    assert read("от 3 до 13 процентов") == ("range", None, 3, 13, "percent")


# Formatting and reading back ---------------------------------------------------------------------------------------

def test_format_value_writes_a_lower_bound_in_words():
    assert format_value(ParsedValue("more_than", None, Decimal(70), None)) == "more than 70"


def test_format_value_writes_a_range_with_an_en_dash():
    assert format_value(ParsedValue("range", None, Decimal(16), Decimal(20))) == "16–20"


def test_format_value_writes_approximate_as_about():
    assert format_value(ParsedValue("approximate", Decimal("0.42"), None, None)) == "about 0.42"


def test_format_value_puts_the_dollar_sign_first():
    assert format_value(ParsedValue("exact", Decimal(320000000), None, None, "USD")) == "$320000000"


def test_a_formatted_percent_range_reads_back_the_same():
    parsed = parse_value_text("from 3 to 13 percent")
    assert parse_value_text(format_value(parsed)) == parsed


# Periods ---------------------------------------------------------------------------------------------------------

def test_a_year_is_a_period_of_a_year():
    assert parse_period("2011") == Period(date(2011, 1, 1), date(2011, 12, 31), "year")


def test_dec_2011_is_a_month():
    assert parse_period("Dec 2011") == Period(date(2011, 12, 1), date(2011, 12, 31), "month")


def test_december_2011_is_a_month():
    assert parse_period("December 2011") == Period(date(2011, 12, 1), date(2011, 12, 31), "month")


def test_16_december_2011_is_a_day():
    assert parse_period("16 December 2011") == Period(date(2011, 12, 16), date(2011, 12, 16), "day")


def test_december_16_2011_is_a_day():
    assert parse_period("December 16, 2011") == Period(date(2011, 12, 16), date(2011, 12, 16), "day")


def test_2011_12_is_a_month():
    assert parse_period("2011-12") == Period(date(2011, 12, 1), date(2011, 12, 31), "month")


def test_2021_2022_with_an_en_dash_is_two_years():
    assert parse_period("2021–2022") == Period(date(2021, 1, 1), date(2022, 12, 31), "year")


def test_a_russian_date_with_its_year_abbreviation():
    assert parse_period("16 декабря 2011 г.") == Period(date(2011, 12, 16), date(2011, 12, 16), "day")


def test_two_months_joined_by_a_dash_span_both():
    assert parse_period("Dec 2011 – Jan 2012") == Period(date(2011, 12, 1), date(2012, 1, 31), "month")


def test_year_0_is_refused():
    assert "year 0 does not exist" in refusal("0000-0001", parse_period)


def test_february_30_is_refused():
    assert "February 2011 has no day 30 (it has 28 days)" in refusal("2011-02-30", parse_period)


def test_month_13_is_refused():
    assert "there is no month 13" in refusal("2011-13", parse_period)


def test_a_huge_year_number_is_refused_without_overflow():
    assert "is not a year (years run from 1 to 9999)" in refusal(10**400, parse_period)


def test_a_backwards_period_is_refused():
    assert refusal("2022-2021", parse_period) == "“2022-2021”: the period runs backwards"


def test_a_year_typed_as_a_spreadsheet_number_is_a_year():
    assert parse_period(2011.0) == Period(date(2011, 1, 1), date(2011, 12, 31), "year")


def test_period_cells_read_back_as_the_same_period():
    period = Period(date(2011, 12, 1), date(2012, 1, 31), "month")
    assert period_from_cells(*period_cells(period.start, period.end, period.precision)) == period


def test_format_period_reads_back_as_the_same_period():
    period = Period(date(2021, 1, 1), date(2022, 12, 31), "year")
    assert parse_period(format_period(period.start, period.end, period.precision)) == period


def test_period_cells_that_end_before_they_start_are_refused():
    with pytest.raises(ParseError, match="before it starts"):
        period_from_cells("2012", "2011")


@pytest.mark.parametrize(("text", "start", "end", "precision"), [
    ("January–March 2022", date(2022, 1, 1), date(2022, 3, 31), "month"),
    ("16–17 December 2011", date(2011, 12, 16), date(2011, 12, 17), "day"),
    ("16 November – 17 December 2011", date(2011, 11, 16), date(2011, 12, 17), "day"),
    ("November 2022 – February 2023", date(2022, 11, 1), date(2023, 2, 28), "month"),
])
def test_a_range_written_the_short_way_takes_its_year_and_month_from_its_end(text, start, end, precision):
    period = parse_period(text)
    assert (period.start, period.end, period.precision) == (start, end, precision)


def test_every_period_the_pages_show_reads_back_as_itself():
    from factbase.dates import display_period

    days = [date(2011, 1, 1), date(2011, 12, 16), date(2011, 12, 17), date(2012, 1, 31), date(2012, 3, 1)]
    for first in days:
        for last in days:
            if first > last:
                continue
            for precision in ("year", "month", "day"):
                start, end = first, last
                if precision == "year":
                    start, end = date(first.year, 1, 1), date(last.year, 12, 31)
                elif precision == "month":
                    start = first.replace(day=1)
                    end = date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])
                shown = display_period(start, end, precision)
                period = parse_period(shown)
                assert (period.start, period.end, period.precision) == (start, end, precision), shown
