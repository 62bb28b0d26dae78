"""Cells as values: numbers read exactly, numbers written exactly, formulas kept inert."""

import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal

# A spreadsheet program runs a cell starting with these as a formula (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(cell):
    """Prefix text a spreadsheet would run as a formula with an apostrophe; numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


def unescape_formula(cell):
    """Undo escape_formula, so an exported file imports back unchanged."""
    if isinstance(cell, str) and len(cell) > 1 and cell[0] == "'" and cell[1:].startswith(FORMULA_TRIGGERS):
        return cell[1:]
    return cell


# xsd:double as XLSX and ODS store numbers; the length is checked first, so the match stays short.
_DOUBLE = re.compile(rb"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_EXACT_INT = 10**15  # below this every integer is exactly a double
_DECIMAL_CHARACTERS = b"0123456789.-"


def stored_number(raw: bytes):
    """A number as XLSX/ODS store it (a double in text) → int, or the Decimal the program shows.

    A double written as 0.29099999999999998 is shown as 0.291 and means it: the shortest text that
    reads back as the same double is the number. Returns None for anything else (NaN, Infinity,
    text, a number beyond a double's range), which the caller refuses by row and column.
    """
    if raw.isdigit() and len(raw) < 16:
        return int(raw)
    if len(raw) <= 16 and b"." in raw and not raw.translate(None, _DECIMAL_CHARACTERS):
        # Up to 15 significant digits a decimal is the shortest text of its double (DBL_DIG): taken as is.
        text = raw.decode().rstrip("0")
        try:
            return int(text[:-1]) if text[-1] == "." else Decimal(text)
        except (ValueError, ArithmeticError):  # "-.", "1.2.3"
            return None
    if len(raw) > 64 or not _DOUBLE.fullmatch(raw):
        return None
    number = float(raw)
    if not math.isfinite(number):
        return None
    if number.is_integer():
        # 1e+23 means 10**23, not the double's exact 99999999999999991611392.
        return int(number) if abs(number) < _EXACT_INT else int(Decimal(repr(number)))
    return Decimal(repr(number))


def percent_text(value) -> str:
    """0.437 → "43.7%": a percent-formatted cell read as the person typed it."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    return f"{number * 100:f}".rstrip("0").rstrip(".") + "%"


def number_literal(cell) -> str | None:
    """The exact decimal text of an int, Decimal or float, or None if a double cannot hold it exactly.

    Spreadsheets store numbers as doubles: 41.4146018709 survives, 123456789012.1234567 would be
    rounded without a word, so such a number (and NaN or Infinity) is written as text instead.
    """
    if type(cell) is int:
        return str(cell) if abs(cell) < 2**53 else None
    if isinstance(cell, Decimal):
        if not cell.is_finite():
            return None
        if cell == cell.to_integral_value():
            whole = int(cell)
            return str(whole) if abs(whole) < 2**53 else None
        text = format(cell.normalize(), "f")
        return text if Decimal(repr(float(text))) == cell else None
    if isinstance(cell, float):
        if not math.isfinite(cell):
            return None
        return str(int(cell)) if cell.is_integer() and abs(cell) < 2**53 else repr(cell)
    return None


def plain_text(cell) -> str:
    """Any cell as text, numbers in full (no exponent), dates in ISO form."""
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        if not cell.is_finite():
            return str(cell)
        return format(cell.normalize(), "f") if cell != cell.to_integral_value() else str(int(cell))
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, datetime):
        return utc_naive(cell).isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
