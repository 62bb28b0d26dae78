"""Reading: a spreadsheet's rows in, typed Row records out, each cell under its column's name.

The header (the first row) names the columns; unknown, missing and repeated columns are
refused before any row is read. Empty rows are skipped; every other row keeps its number
in the spreadsheet (the header is row 1), so every message can point at it.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from claims import spreadsheets
from claims.imports.report import RowError


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns a file has, in its order."""

    names: tuple[str, ...]
    positions: tuple[int, ...]
    present: frozenset = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "present", frozenset(self.names))

    def __contains__(self, name: str) -> bool:
        return name in self.present


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    cells: dict  # column name → the cell as the file typed it (text, number, date or None)
    texts: dict  # column name → the cell as text, stripped (made once: checks read a cell's text many times)

    def cell(self, column: str):
        return self.cells.get(column)

    def text(self, column: str) -> str:
        return self.texts.get(column, "")


def cell_text(cell) -> str:
    """A cell as text, the way a person reads it: 2011.0 is "2011", a date its ISO form."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def header_name(cell) -> str:
    return str(cell or "").strip().lstrip("\ufeff").lower().replace(" ", "_")


def read_columns(header: list, *, known: list[str], optional: list[str], required: list[str],
                 one_of: tuple[str, ...] = ()) -> tuple[Columns | None, list[RowError]]:
    """Name the columns of a header row; None and the problems when it cannot be imported."""
    expected = ", ".join(known)
    if not any(cell not in (None, "") for cell in header):
        return None, [RowError(0, None, f"the file is empty; expected a header row with the columns {expected}")]
    names, positions, errors, unknown = [], [], [], []
    for position, cell in enumerate(header):
        name = header_name(cell)
        if not name:
            continue
        if name not in known and name not in optional:
            unknown.append(str(cell)[:60])
        elif name in names:
            errors.append(RowError(1, name, f"the column “{name}” appears twice"))
        else:
            names.append(name)
            positions.append(position)
    missing = [name for name in required if name not in names]
    if one_of and not any(name in names for name in one_of):
        missing.append(" (or ".join(one_of) + ")" * (len(one_of) - 1))
    if unknown:
        also = f" (and, optionally, {', '.join(optional)})" if optional else ""
        errors.append(RowError(1, None, f"unknown column(s) {', '.join(repr(u) for u in unknown)}; expected columns "
                                        f"are {expected}{also}"))
    if missing:
        hint = " (is the header row missing?)" if not names else ""
        errors.append(RowError(1, None, f"missing column(s) {', '.join(missing)}{hint}; expected columns are "
                                        f"{expected}"))
    return (None, errors) if errors else (Columns(tuple(names), tuple(positions)), [])


def read_rows(cells_of_rows: Iterable[list], columns: Columns) -> Iterator[Row]:
    """Rows after the header as Row records; formula escapes undone, empty rows skipped."""
    unescape = spreadsheets.unescape_formula
    names, positions = columns.names, columns.positions
    needed = max(positions, default=-1) + 1
    for number, cells in enumerate(cells_of_rows, start=2):
        # any() settles almost every row in C; a row of falsy cells (0, False) is looked at closely.
        if not any(cells) and all(cell in (None, "") for cell in cells):
            continue
        if len(cells) < needed:
            cells = [*cells, *[None] * (needed - len(cells))]
        values, texts = {}, {}
        for name, position in zip(names, positions, strict=True):
            cell = cells[position]
            if cell.__class__ is str:  # most cells: the text is the cell, stripped
                if cell[:1] == "'":
                    cell = unescape(cell)
                texts[name] = cell.strip()
            else:
                texts[name] = cell_text(cell)
            values[name] = cell
        yield Row(number, values, texts)
