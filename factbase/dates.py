"""Dates and periods as a reader reads them, one way on every page: 2011, 2014–2018, January 2022,
January–March 2022, 16 December 2011, 16–17 December 2011. (Spreadsheets and filters use ISO forms:
claims.parsing.format_period and period_cells.) claims.parsing.parse_period reads every form written here
back, so the admin shows a period in these words too."""

import calendar
from datetime import date


def display_period(start: date, end: date, precision: str | None = None) -> str:
    """A period at its precision ("year", "month" or "day"); without one, the widest the dates allow (a period
    from 1 January to 31 December is a year)."""
    precision = precision or _widest_precision(start, end)
    if precision == "year":
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    if precision == "month":
        if (start.year, start.month) == (end.year, end.month):
            return f"{_month(start)} {start.year}"
        if start.year == end.year:
            return f"{_month(start)}–{_month(end)} {start.year}"
        return f"{_month(start)} {start.year} – {_month(end)} {end.year}"
    if start == end:
        return display_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {_month(start)} {start.year}"
    if start.year == end.year:
        return f"{start.day} {_month(start)} – {end.day} {_month(end)} {start.year}"
    return f"{display_date(start)} – {display_date(end)}"


def display_date(day: date, precision: str = "day") -> str:
    """One date at its precision: 2018, June 2018, 27 June 2018."""
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{_month(day)} {day.year}"
    return f"{day.day} {_month(day)} {day.year}"


def _month(day: date) -> str:
    return calendar.month_name[day.month]  # English whatever the server's locale: the pages are in English


def _widest_precision(start: date, end: date) -> str:
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return "year"
    if start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]:
        return "month"
    return "day"
