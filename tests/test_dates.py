"""Periods and dates read one way on every page — database-free."""

from datetime import date

import pytest

from factbase.dates import display_date, display_period


@pytest.mark.parametrize(("start", "end", "precision", "shown"), [
    (date(2011, 1, 1), date(2011, 12, 31), "year", "2011"),
    (date(2014, 1, 1), date(2018, 12, 31), "year", "2014–2018"),
    (date(2022, 1, 1), date(2022, 1, 31), "month", "January 2022"),
    (date(2022, 1, 1), date(2022, 3, 31), "month", "January–March 2022"),
    (date(2011, 12, 16), date(2011, 12, 16), "day", "16 December 2011"),
    (date(2011, 12, 16), date(2011, 12, 17), "day", "16–17 December 2011"),
    (date(2011, 12, 30), date(2012, 1, 2), "day", "30 December 2011 – 2 January 2012"),
])
def test_a_period_reads_at_its_precision(start, end, precision, shown):
    assert display_period(start, end, precision) == shown


def test_without_a_precision_a_period_reads_as_widely_as_its_dates_allow():
    # A comparison keeps no precision: January 2022 must not read "2022-01-01/2022-01-31" on one page and
    # "Jan 2022" on another.
    assert display_period(date(2022, 1, 1), date(2022, 1, 31)) == "January 2022"
    assert display_period(date(2009, 1, 1), date(2009, 12, 31)) == "2009"
    assert display_period(date(2022, 1, 5), date(2022, 1, 7)) == "5–7 January 2022"


def test_a_publication_date_reads_at_its_precision():
    assert display_date(date(2018, 6, 27)) == "27 June 2018"
    assert display_date(date(2022, 1, 1), "month") == "January 2022"
    assert display_date(date(2023, 1, 1), "year") == "2023"
