"""What an import says: the counts, the true number of errors with the first of them, and the rows."""

from dataclasses import dataclass, field

MAX_REPORTED_ERRORS = 200


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # the spreadsheet's row number (the header is row 1); 0 for the file as a whole
    column: str | None
    message: str

    def __str__(self):
        where = f"Row {self.row}" if self.row else "File"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass(slots=True)
class RowResult:
    """One row of the preview: what the import does with it."""

    row: int
    action: str  # new, updated, unchanged
    record_id: int | None
    label: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)


@dataclass
class ImportReport:
    file_name: str
    file_format: str
    dry_run: bool
    model: str = "figure"
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows: list[RowResult] = field(default_factory=list)
    created_sources: list[str] = field(default_factory=list)
    created_entities: list[str] = field(default_factory=list)
    batch: object = None  # the ImportBatch, once written

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def more_errors(self) -> int:
        """Errors counted but not listed."""
        return self.error_count - len(self.errors)

    def add_error(self, row: int, column: str | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def add_errors(self, errors) -> None:
        for error in errors:
            self.add_error(error.row, error.column, error.message)

    def error_lines(self) -> list[str]:
        """The listed errors, then how many more there were."""
        lines = [str(error) for error in self.errors]
        if self.more_errors:
            lines.append(f"… and {self.more_errors:,} more errors ({self.error_count:,} in all).")
        return lines

    def summary(self) -> str:
        noun = "figures" if self.model == "figure" else f"{self.model}s"
        verb = "would be" if self.dry_run or not self.ok else "were"
        text = (f"{self.rows_read:,} rows read: {self.new:,} new, {self.updated:,} updated, "
                f"{self.unchanged:,} unchanged {noun} {verb} written")
        created = len(self.created_sources) + len(self.created_entities)
        if created:
            text += (f"; {len(self.created_sources):,} sources and {len(self.created_entities):,} subjects "
                     f"{'would be' if self.dry_run or not self.ok else 'were'} created")
        if self.error_count:
            text += f"; {self.error_count:,} error{'s' if self.error_count != 1 else ''} — nothing was imported"
        return text
