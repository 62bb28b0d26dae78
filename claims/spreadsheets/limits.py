"""What a spreadsheet file may hold, the problems that refuse it, and the count kept as it is read.

Every reader checks these limits on what it has actually read, never on sizes the file declares
(a declared size may only refuse a file earlier). The defaults come from settings (see
`factbase/settings.py`); a caller may pass its own `Limits` to `read_rows`.
"""

from dataclasses import dataclass, fields, replace

MiB = 1024 * 1024
CHUNK = MiB  # how much of a file is read (or inflated) at a time


@dataclass(frozen=True)
class Limits:
    rows: int = 1_048_576  # Excel's last row
    columns: int = 16_384  # Excel's last column, XFD
    cells: int = 1_048_576 * 24  # rows × columns read, counting the empty cells between filled ones
    cell_chars: int = 32_767  # Excel's longest cell
    row_bytes: int = 8 * MiB  # a CSV line or record, an XML row, a JSON object, as stored
    unpacked_bytes: int = 4096 * MiB  # XLSX/ODS: bytes actually inflated from the zip, in all
    compression_ratio: int = 200  # ... and per byte of the file
    shared_strings_bytes: int = 128 * MiB  # XLSX: the shared-strings table, held whole

    @classmethod
    def from_settings(cls, **overrides) -> "Limits":
        """The limits in settings (SPREADSHEET_MAX_ROWS, …), falling back to the defaults above."""
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        values = {}
        for field in fields(cls):
            try:
                value = getattr(settings, f"SPREADSHEET_MAX_{field.name.upper()}", None)
            except ImproperlyConfigured:  # no settings at all (a script): the defaults
                break
            if value is not None:
                values[field.name] = value
        return replace(cls(**values), **overrides)


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


class CellProblem(FileProblem):
    """One cell cannot be read: the message names its row and column; reading stops there."""

    def __init__(self, message: str, row: int, column: int | None, detail: str = "", key: str | None = None):
        super().__init__(message)
        self.row, self.column, self.key = row, column, key  # key: a JSON object's key, where there is no column
        self.detail = detail or message  # the message without the file, row and column (a caller may name those)


def column_name(index: int) -> str:
    """The spreadsheet name of a 0-based column: 0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def human_bytes(size: int) -> str:
    return f"{size / MiB:,.0f} MB" if size >= MiB else f"{size:,} bytes"


class Sheet:
    """The count of rows and cells read so far, and the messages that name a row and column.

    Readers call `row()` for every row they yield; the checks that must run per cell (its
    length, a NUL) stay in the readers' loops, which call `cell_problem()` to refuse.
    """

    def __init__(self, name: str, limits: Limits):
        self.name = name
        self.limits = limits
        self.cells = 0
        self.header: list | None = None

    def row(self, number: int, cells: list, width: int | None = None, counted: bool = False) -> list:
        """Count a row about to be yielded: `width` cells read if more than kept; none if `counted` already."""
        if number > self.limits.rows:
            raise self.limit_problem(f"it has more than {self.limits.rows:,} rows (row {number:,})")
        if not counted:
            self.count(number, max(len(cells), width or 0))
        if self.header is None and cells:
            self.header = cells
        return cells

    def count(self, number: int, cells: int) -> None:
        """Count cells read, kept or not: an empty cell costs time to read too."""
        self.cells += cells
        if self.cells > self.limits.cells:
            raise self.limit_problem(
                f"it has more than {self.limits.cells:,} cells (counting the empty ones between filled cells), "
                f"reached on row {number:,}"
            )

    def check_row_number(self, number: int) -> None:
        if number > self.limits.rows:
            raise self.limit_problem(f"it has more than {self.limits.rows:,} rows (row {number:,})")

    def check_width(self, number: int, column: int) -> None:
        if column >= self.limits.columns:
            raise self.limit_problem(
                f"row {number:,} has a cell in column {column_name(column)}, beyond the limit of "
                f"{self.limits.columns:,} columns"
            )

    def check_text(self, text: str, number: int, column: int | None, key: str | None = None) -> str:
        if len(text) > self.limits.cell_chars:
            raise self.cell_problem(number, column, f"the cell holds {len(text):,} characters; the limit is "
                                                    f"{self.limits.cell_chars:,}", key)
        if "\x00" in text:
            raise self.cell_problem(number, column, "the cell holds a NUL character (\\0), which no spreadsheet "
                                                    "program writes; remove it", key)
        return text

    def cell_problem(self, number: int, column: int | None, message: str, key: str | None = None) -> CellProblem:
        """A problem in a cell, named by row and column (its letter and header), or by `key` (JSON)."""
        where = f"{self.name}, row {number:,}"
        if key is not None:
            where += f", “{key[:40]}”"
        elif column is not None:
            where += f", column {column_name(column)}"
            header = self.header
            if header and column < len(header) and isinstance(header[column], str) and header[column].strip():
                where += f" ({header[column].strip()[:40]})"
        return CellProblem(f"{where}: {message}", number, column, message, key)

    def limit_problem(self, message: str) -> FileProblem:
        return FileProblem(f"{self.name} is refused: {message}. Split it into smaller files, or ask an "
                           "administrator to raise the limit")
