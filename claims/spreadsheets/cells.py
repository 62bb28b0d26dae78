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
_DECIMAL_CHARACTERS = b"0123456789.-"
# Spreadsheet programs hold 15 significant digits: all anyone can type, and all they show.
SIGNIFICANT_DIGITS = 15


def stored_number(raw: bytes):
    """A number as XLSX/ODS store it (a double, as text) → the int or Decimal a spreadsheet shows.

    Excel writes the 0.291 someone typed as 0.29099999999999998, and 0.1 + 0.2 as
    0.30000000000000004, and shows both to 15 significant digits: 0.291 and 0.3. So is the
    number read. Returns None for anything else (NaN, Infinity, text, a number beyond a double's
    range), which the caller refuses by row and column.
    """
    if raw.isdigit() and len(raw) <= SIGNIFICANT_DIGITS:
        return int(raw)
    if len(raw) <= SIGNIFICANT_DIGITS + 1 and b"." in raw and not raw.translate(None, _DECIMAL_CHARACTERS):
        text = raw.decode().rstrip("0")  # 15 digits at most: already what is shown
        try:
            return int(text[:-1]) if text[-1] == "." else Decimal(text)
        except (ValueError, ArithmeticError):  # "-.", "1.2.3"
            return None
    if len(raw) > 64 or not _DOUBLE.fullmatch(raw):
        return None
    number = float(raw)
    if not math.isfinite(number):
        return None
    shown = Decimal(format(number, f".{SIGNIFICANT_DIGITS}g"))
    return int(shown) if shown == shown.to_integral_value() else shown


def percent_text(value) -> str:
    """0.437 → "43.7%": a percent-formatted cell read as the person typed it."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    return f"{number * 100:f}".rstrip("0").rstrip(".") + "%"


def decimal_text(number: Decimal) -> str:
    """A finite Decimal in full, without exponent or trailing zeros: Decimal("16.000000") → "16"."""
    text = str(number)
    if "E" in text:
        number = number.normalize()
        return format(number, "f") if number != number.to_integral_value() else str(int(number))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def number_literal(cell) -> str | None:
    """The exact decimal text of an int, Decimal or float for a number cell, or None to write it as text.

    Spreadsheets hold 15 significant digits: 41.4146018709 survives, 123456789012.1234567 would be
    rounded without a word, so such a number (and NaN or Infinity) is written as text instead.
    """
    if type(cell) is int:
        return str(cell) if -10**SIGNIFICANT_DIGITS < cell < 10**SIGNIFICANT_DIGITS else None
    if isinstance(cell, Decimal):
        if not cell.is_finite():
            return None
        text = decimal_text(cell)
        digits = text.lstrip("-").replace(".", "").lstrip("0")
        return text if len(digits) <= SIGNIFICANT_DIGITS else None
    if isinstance(cell, float):
        if not math.isfinite(cell):
            return None
        return str(int(cell)) if cell.is_integer() and abs(cell) < 10**SIGNIFICANT_DIGITS else repr(cell)
    return None


def plain_text(cell) -> str:
    """Any cell as text, numbers in full (no exponent), dates in ISO form."""
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return decimal_text(cell) if cell.is_finite() else str(cell)
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, datetime):
        return utc_naive(cell).isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
