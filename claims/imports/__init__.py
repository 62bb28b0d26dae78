"""Spreadsheets in — figures and claims — all or nothing, with history, at COPY-class speed.

One pipeline serves the admin import, `manage.py import_figures` and `import_claims`. Rows are
read as a stream and handled in chunks; each part lives in its own module:

    rows.py        reading: the header names the columns; rows become typed Row records
    checks.py      checking a row (pure, no database): its values, or errors naming row and column
    references.py  resolving the sources and entities it names (and creating them, if asked)
    matching.py    the record a row is about, and what it changes (verdicts kept, never given)
    writing.py     bulk writes with a history record per row, then the comparisons refreshed

Any bad row rolls the whole import back; every error is counted and the first are listed with
their row, column, value and what was expected. Imports run one at a time (a PostgreSQL
advisory lock; SQLite's writes are serial anyway), so two imports of the same rows give one set.
"""

import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone

from claims import spreadsheets
from claims.exports import CLAIM_COLUMNS, FIGURE_COLUMNS
from claims.imports.checks import MetricInfo, RowChecker
from claims.imports.matching import Matcher
from claims.imports.references import References
from claims.imports.report import ImportReport, RowError, RowResult
from claims.imports.rows import Columns, read_columns, read_rows
from claims.imports.writing import Writer, copy_context
from claims.models import Claim, Figure, ImportBatch, Metric

__all__ = ["ImportReport", "RowError", "import_claims", "import_figures"]

CHUNK_SIZE = 2000
SWITCH_INTERVAL = 0.0005  # seconds: how often the importing thread offers Python's lock to the database thread
SOURCE_DETAIL_COLUMNS = ["source_title", "source_url", "source_date", "source_outlet", "source_kind"]
_LOCK = 0x66616374  # "fact": the advisory lock every import holds while it writes


def import_figures(stream, *, file_name: str, file_format: str | None = None, **options) -> ImportReport:
    """Import a figure spreadsheet from a binary stream; see the module docstring."""
    return _Import("figure", stream, file_name, file_format, **options).run()


def import_claims(stream, *, file_name: str, file_format: str | None = None, **options) -> ImportReport:
    """Import a claim spreadsheet (id, source, quote, speaker, status, note) by the same pipeline."""
    return _Import("claim", stream, file_name, file_format, **options).run()


class _Rollback(Exception):
    pass


class Database:
    """The importing transaction's connection, worked by a second thread: tasks (a chunk's lookups, a chunk's
    write) run there one at a time, in the order given, while this thread reads, checks and compares the rows
    around them — so PostgreSQL, on one core, always has the next task waiting while Python works on the other.
    This thread may query only when idle() has returned. After a task fails, the ones behind it are not run:
    each raises the first error, which is what the import reports. Elsewhere (SQLite) a task runs at once."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.executor = None
        self.last = None  # the future of the task submitted last
        self.error = None

    def submit(self, work, *args) -> Future:
        if not self.enabled:
            future = Future()
            future.set_result(work(*args))
            return future
        if self.executor is None:
            shared = connections[DEFAULT_DB_ALIAS]
            shared.inc_thread_sharing()

            def share():  # the thread's ORM calls use the importing transaction
                connections[DEFAULT_DB_ALIAS] = shared

            self.executor = ThreadPoolExecutor(1, thread_name_prefix="import-writer", initializer=share)
        self.last = self.executor.submit(self.run, work, args)
        return self.last

    def run(self, work, args):
        if self.error is not None:
            raise self.error
        try:
            return work(*args)
        except BaseException as error:  # raised again by the futures of this task and the next
            self.error = error
            raise

    def idle(self) -> None:
        """Wait for every task submitted; raise the first error."""
        if self.last is not None:
            self.last.result()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)  # after an error, nothing more is run
            self.executor = None
            connections[DEFAULT_DB_ALIAS].dec_thread_sharing()


class _Import:
    def __init__(self, kind: str, stream, file_name: str, file_format: str | None, *, encoding: str | None = None,
                 decimal_comma: bool = False, create_missing: bool = False, publish: bool = False,
                 dry_run: bool = False, user=None, keep_rows: int = 1000,
                 progress: Callable[[int, int], None] | None = None):
        self.kind = kind
        self.model = Figure if kind == "figure" else Claim
        self.stream, self.file_name, self.file_format, self.encoding = stream, file_name, file_format, encoding
        self.decimal_comma, self.create_missing, self.publish = decimal_comma, create_missing, publish
        self.dry_run = dry_run
        self.user = user if user is not None and user.pk else None
        self.keep_rows = int(keep_rows)
        self.progress = progress
        self.now = timezone.now()
        self.report = ImportReport(file_name, file_format or "", dry_run, model=kind)
        self.column_names, self.column_positions = (), ()

    def run(self) -> ImportReport:
        report = self.report
        try:
            report.file_format = spreadsheets.format_of(self.file_name, self.file_format)
        except spreadsheets.FileProblem as problem:
            report.add_error(0, None, str(problem))
            return report
        try:
            with transaction.atomic():
                if not self.dry_run:
                    if connection.vendor == "postgresql":
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
                    report.batch = ImportBatch.objects.create(
                        file_name=self.file_name[:255], file_format=report.file_format, model=self.kind,
                        created_by=self.user, created_at=self.now,
                    )
                self.handle(spreadsheets.read_rows(self.stream, report.file_format, name=self.file_name,
                                                   encoding=self.encoding))
                if not report.ok or self.dry_run:
                    raise _Rollback
                self.writer.refresh_comparisons()
                batch = report.batch
                batch.rows_new, batch.rows_updated, batch.rows_unchanged = report.new, report.updated, report.unchanged
                batch.created_references = "\n".join([f"source {slug}" for slug in report.created_sources]
                                                     + [f"entity {slug}" for slug in report.created_entities])
                batch.save()
        except _Rollback:
            report.batch = None
        except spreadsheets.CellProblem as problem:
            # A cell the reader could not take (a NUL, NaN in a number cell): said at its row, under its column.
            report.batch = None
            names = dict(zip(self.column_positions, self.column_names, strict=True))
            report.add_error(problem.row, names.get(problem.column) or problem.key, problem.detail)
        except spreadsheets.FileProblem as problem:
            report.batch = None
            report.add_error(0, None, str(problem))
        except IntegrityError:
            # The rows were checked against the database a moment ago; only a write that raced this import (a
            # curator saving an identical figure) can make the database refuse them now.
            report.batch = None
            report.add_error(0, None, "while this import ran, someone saved a record identical to one of its rows; "
                                      "nothing was imported — run it again to see which")
        return report

    # The pipeline -------------------------------------------------------------------------------------

    def handle(self, cells: Iterator[list]) -> None:
        report = self.report
        columns = self.columns(next(cells, None) or [])
        if columns is None:
            return
        metrics = {m.slug: MetricInfo.of(m) for m in Metric.objects.all()} if self.kind == "figure" else {}
        self.checker = RowChecker(metrics, columns, decimal_comma=self.decimal_comma)
        # The database works on one chunk while Python works on the next. Its tasks, in order: the lookups of
        # chunk k (the records its rows name), then the write of chunk k-1 — compared meanwhile with what the
        # lookups found, here. A chunk's records are thus looked up before the chunk ahead of it is written; rows
        # of the two that name one record or one identity are caught by the matcher's memory of the file.
        self.database = database = Database(enabled=connection.vendor == "postgresql")
        if database.enabled:
            copy_context()  # read from the connection now, before the database thread may be using it
        self.references = References(report, create_missing=self.create_missing, publish=self.publish,
                                     user=self.user, reason=self.reason, before_query=database.idle)
        batch_id = report.batch.pk if report.batch else None
        self.matcher = Matcher(report, model=self.model, user=self.user, now=self.now, publish=self.publish,
                               batch_id=batch_id)
        self.writer = Writer(self.model, user=self.user, now=self.now, reason=self.reason_prefix(),
                             constants=self.matcher.new_record_constants())
        rows = read_rows(cells, columns)
        looked_up = deque()  # (a chunk's resolved rows, the future of its records)
        self.writes = deque()  # the futures of the writes under way: two at most, so memory stays flat
        # Each answer from the database waits for this thread to hand Python's lock over, by default every 5 ms:
        # a few answers a chunk made PostgreSQL wait some 10 µs a row. Imports run one at a time (the advisory
        # lock), so the interval is this import's until it is done.
        switch_interval = sys.getswitchinterval()
        if database.enabled:
            sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            while chunk := list(islice(rows, CHUNK_SIZE)):
                report.rows_read += len(chunk)
                resolved = self.resolve(chunk, self.check(chunk))
                wanted = self.matcher.wanted([(values, ids) for values, ids, _ in resolved])
                looked_up.append((resolved, database.submit(self.matcher.existing, wanted)))
                if len(looked_up) > 1:
                    self.match_and_write(*looked_up.popleft())
            while looked_up:
                self.match_and_write(*looked_up.popleft())
            database.idle()
        finally:
            database.close()
            sys.setswitchinterval(switch_interval)
        if not report.rows_read and report.ok:
            report.add_error(0, None, f"the file has a header but no rows of {self.kind}s")
        # Checks and lookups run in passes over a chunk: list each row's errors together, in column order.
        order = {name: index for index, name in enumerate(columns.names)}
        report.errors.sort(key=lambda error: (error.row, order.get(error.column, -1 if error.column is None
                                                                   else len(order))))

    def columns(self, header: list) -> Columns | None:
        if self.kind == "figure":
            known, required, one_of = FIGURE_COLUMNS, ["source", "metric", "subject", "period_start"], (
                "value_text", "value")
            optional = [*SOURCE_DETAIL_COLUMNS, "found_in"]
        else:
            known, required, one_of, optional = CLAIM_COLUMNS, ["source", "quote"], (), SOURCE_DETAIL_COLUMNS
        columns, errors = read_columns(header, known=known, optional=optional, required=required, one_of=one_of)
        self.report.add_errors(errors)
        if columns is not None:
            self.column_names, self.column_positions = columns.names, columns.positions
        return columns

    def check(self, chunk) -> dict:
        """Each row checked on its own: pure Python, no database (it runs while the previous chunk is written)."""
        check = self.checker.figure if self.kind == "figure" else self.checker.claim
        checked = {}
        for row in chunk:
            values, errors = check(row)
            if errors:
                self.report.add_errors(errors)
            checked[row.number] = values
        return checked

    def resolve(self, chunk, checked: dict) -> list:
        """The chunk's references looked up (and created, if asked): queries only for what the import has not seen
        (References waits for the database to be idle first)."""
        report, references = self.report, self.references
        entity_columns = ("subject", "attributed_to") if self.kind == "figure" else ("speaker",)
        # References are looked up for every row, good or bad, so a file's unknown names are all said at once.
        references.load({row.text("source") for row in chunk},
                        {row.text(column) for row in chunk for column in entity_columns})
        resolved = []
        id_names = [(column, f"{column}_id") for column in entity_columns]
        for row in chunk:
            values = checked[row.number]
            errors_before = report.error_count
            source = None
            if slug := row.texts.get("source"):
                source = references.source(row.number, slug, values.source_details if values else None,
                                           create=values is not None)
            ids = {"source_id": source.id if source else None}
            for column, id_name in id_names:
                if values is not None and not isinstance(getattr(values, column), str):
                    continue  # the column is absent or empty: nothing to look up
                if reference := row.texts.get(column):
                    ids[id_name] = references.entity(row.number, column, reference, create=values is not None)
            if values is not None and report.error_count == errors_before:
                resolved.append((values, ids, source))
        return resolved

    def match(self, resolved: list, found: tuple[dict, dict]) -> tuple[list, list]:
        """What the rows add and change, compared with what exists: Python only (a write may be under way)."""
        report = self.report
        by_id, by_key = found
        compare = self.matcher.figure if self.kind == "figure" else self.matcher.claim
        new, updated = [], []
        for values, ids, source in resolved:
            change = compare(values, ids, source, by_id, by_key)
            if change is None:
                continue
            if change.action == "new":
                report.new += 1
                new.append(change)
            elif change.action == "updated":
                report.updated += 1
                updated.append(change)
            else:
                report.unchanged += 1
            if len(report.rows) < self.keep_rows:
                label = change.values.get("value_text") or change.values.get("quote", "")
                report.rows.append(RowResult(change.row, change.action, change.values.get("id"), label[:120],
                                             change.changes))
        return new, updated

    def match_and_write(self, resolved: list, found: Future) -> None:
        """Compare a chunk with the records its lookup found, and queue its write."""
        report = self.report
        new, updated = self.match(resolved, found.result())
        if report.ok and not self.dry_run:
            while len(self.writes) >= 2:
                self.writes.popleft().result()
            self.writer.stage(new)
            self.writes.append(self.database.submit(self.writer.write, new, updated))
        if self.progress:  # rows read, rows written (or, in a dry run, that would be)
            self.progress(report.rows_read, report.new + report.updated)

    def reason_prefix(self) -> str:
        batch = f"Import #{self.report.batch.pk}" if self.report.batch else "Import"
        return f"{batch} of {self.file_name}, row "

    def reason(self, row: int) -> str:
        """The history reason of what a row writes (the writer's, in SQL, says the same)."""
        return f"{self.reason_prefix()}{row}"[:100]
