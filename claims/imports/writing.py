"""Writing: the changes of a chunk in bulk, each with its history record naming the import and the row.

On PostgreSQL new records go by COPY into a staging table, then one statement moves them into the
table (computing figures' search vectors with joins) and writes their history from what it
inserted, foreign keys checked there and then. Other databases bulk_create. Updates are one bulk
UPDATE per chunk. Bulk writes send no signals, so the writer collects the comparison groups it
touched for one refresh at the end.
"""

import weakref
from collections import deque
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING

from django.db import connection

from claims import comparisons
from claims.models import COMPARISON_KEY, Figure

if TYPE_CHECKING:
    from claims.imports.matching import Change

# Above this many comparison groups touched, rebuilding them all is quicker than refreshing each.
REFRESH_LIMIT = 2000


class Writer:
    """Writes one import's (or undo's) changes. Each history record's reason is `reason` followed by the row's
    number (cut at 100 characters), or `reason` alone when not `numbered`."""

    def __init__(self, model, *, user, now, reason: str, numbered: bool = True, constants: dict | None = None):
        self.model = model
        self.user_id = user.pk if user is not None else None
        self.now = now
        self.reason_text, self.numbered = reason, numbered
        self.use_copy = connection.vendor == "postgresql"
        self.fields = [f for f in model._meta.concrete_fields if f.attname != "search_vector"]
        self.touched: set[tuple] = set()
        self.rebuild_all = False  # so many groups touched that all are rebuilt: no need to remember them
        self.staged = False  # PostgreSQL: the staging tables made
        self.staging = f"{model._meta.db_table}_staging"
        # PostgreSQL: the columns staged. The values every new record takes alike (`constants`: the user, the time,
        # the defaults) go into the INSERT instead, once — when every record of the chunk has them.
        self.constants = constants or {}
        self.staged_fields = [f for f in self.fields if not f.primary_key]
        self.varying_fields = [f for f in self.staged_fields if f.attname not in self.constants]
        self.staged_data: deque[tuple[bool, bytes]] = deque()  # the chunks stage() was given: (varying only, rows)

    def stage(self, new: list["Change"]) -> None:
        """On PostgreSQL, a chunk's new records in COPY's format, for write() to send. The importer calls this on
        its own thread: formatting holds Python's lock, so the thread that writes only sends bytes — it would
        otherwise take turns at that lock with the importing thread, and the database would wait between them."""
        if self.use_copy and new:
            self.staged_data.append(self.staged_rows([change.values for change in new]))

    def staged_rows(self, records: list[dict]) -> tuple[bool, bytes]:
        """Records in COPY's format: only the columns that vary when every record has the constants, else all."""
        varying = bool(self.constants) and set(map(itemgetter(*self.constants), records)) == {
            tuple(self.constants.values()) if len(self.constants) > 1 else next(iter(self.constants.values()))}
        fields = self.varying_fields if varying else self.staged_fields
        return varying, copy_data(map(itemgetter(*[f.attname for f in fields]), records))

    def reason(self, row: int) -> str:
        return f"{self.reason_text}{row}"[:100] if self.numbered else self.reason_text[:100]

    def write(self, new: list["Change"], updated: list["Change"]) -> None:
        """Write a chunk's changes (on PostgreSQL, its new records as stage() formatted them, if it was given
        them: chunks are written in the order they were staged)."""
        if new:
            self.insert([change.values for change in new])
        if updated:
            self.update([change.values for change in updated])
        # On PostgreSQL the insert wrote the new records' history itself.
        self.write_history(([] if self.use_copy else [("+", change) for change in new])
                           + [("~", change) for change in updated])
        if self.model is Figure and not self.rebuild_all:
            key = itemgetter(*COMPARISON_KEY)
            for change in new + updated:
                self.touched.add(key(change.values))
                if change.before is not None:
                    self.touched.add(key(change.before))
            if len(self.touched) > REFRESH_LIMIT:  # a million rows' groups would hold hundreds of megabytes
                self.rebuild_all, self.touched = True, set()

    def insert(self, records: list[dict]) -> None:
        if self.use_copy:
            varying, data = self.staged_data.popleft() if self.staged_data else self.staged_rows(records)
            self.stage_records(varying, data)
            self.insert_staged(varying)
            return
        objects = self.model.objects.bulk_create(
            [self.model(**{f.attname: r[f.attname] for f in self.fields if not f.primary_key}) for r in records],
            batch_size=500,
        )
        for record, obj in zip(records, objects, strict=True):
            record["id"] = obj.pk

    # PostgreSQL: COPY into a staging table, then one statement moves the records into the table. ---------------

    def stage_records(self, varying: bool, data: bytes) -> None:
        """COPY records (in COPY's format: their varying columns, or all) into the staging table, made at the first
        chunk."""
        with connection.cursor() as cursor:
            if not self.staged:
                # One per transaction (an import in a test's transaction may find the last one's). The table gives
                # ids; the INSERT, the constants.
                not_null = ", ".join(f"ALTER COLUMN {connection.ops.quote_name(f.column)} DROP NOT NULL"
                                     for f in self.fields if f.primary_key or f.attname in self.constants)
                cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.staging} (LIKE {self.model._meta.db_table})"
                               " ON COMMIT DROP;"
                               f"ALTER TABLE {self.staging} {not_null};"
                               f"TRUNCATE {self.staging};"
                               + (FIGURE_VECTOR_PARTS  # and the vectors' parts, made afresh for each import
                                  + "TRUNCATE figure_said_vector, figure_attributed_vector, figure_source_vector;"
                                  if self.model is Figure else ""))
                self.staged = True
        self.copy(self.staging, [f.column for f in (self.varying_fields if varying else self.staged_fields)], data)

    def insert_staged(self, varying: bool) -> None:
        """One statement: INSERT … SELECT the staged records (a figure's search vector computed with joins, so the
        row trigger, which would look each row's metric, subject, aliases, attribution and source up one by one,
        sees it given and steps aside — migration 0010), and INSERT their history from what that returned. The ids
        come from the table's sequence, as the history's do from its own.

        The foreign keys are checked in that statement rather than at commit: the checks then run while the next
        chunk is read, and the commit is quick. The statements around it go with it in one round trip each way:
        every answer waits for the importing thread to hand back Python's lock, and the database waits with it."""
        vectors = FIGURE_VECTOR_FILL.format(staging=self.staging) if self.model is Figure else ""
        with connection.cursor() as cursor:
            cursor.execute(f"{vectors}SET CONSTRAINTS ALL IMMEDIATE;"
                           f"{self.insert_sql(self.staging, varying)};"
                           f"SET CONSTRAINTS ALL DEFERRED;"
                           f"TRUNCATE {self.staging}")

    def insert_sql(self, staging: str, varying: bool = False) -> str:
        """The INSERT of the staged records (with `varying`, the constants taken from the writer) and their history,
        its values (the time, the reason, the user) quoted in: it goes along with other statements, which
        parameters cannot."""
        quote = connection.ops.quote_name
        fields = [f for f in self.fields if not f.primary_key]
        columns = [quote(f.column) for f in fields]
        history = self.model.history.model
        tracked = [quote(f.column) for f in history._meta.concrete_fields if not f.attname.startswith("history_")]
        selected = ", ".join(
            f"{_literal(self.constants[f.attname])}::{f.db_type(connection)}" if varying and f.attname in self.constants
            else f"f.{quote(f.column)}" for f in fields)
        if self.model is Figure:
            columns.append("search_vector")
            selected += f", {FIGURE_VECTOR} FROM {staging} f {FIGURE_VECTOR_JOINS}"
        else:
            selected += f" FROM {staging} f"  # a claim's vector: the row trigger's, from the claim alone
        selected += " ORDER BY f.import_row"  # ids in the file's order, as one by one
        if self.numbered:
            reason = f"left({_literal(self.reason_text)} || inserted.import_row::text, 100)"
        else:
            reason = _literal(self.reason_text[:100])
        when, user = _literal(self.now), _literal(self.user_id)
        return (f"WITH inserted AS (INSERT INTO {self.model._meta.db_table} ({', '.join(columns)}) SELECT {selected} "
                f"RETURNING {', '.join(tracked)}) "
                f"INSERT INTO {history._meta.db_table} ({', '.join(tracked)}, history_date, history_change_reason, "
                f"history_type, history_user_id) "
                f"SELECT {', '.join(tracked)}, {when}, {reason}, '+', {user} FROM inserted")

    def update(self, records: list[dict]) -> None:
        names = [f.name for f in self.fields if not f.primary_key and f.name not in ("created_at", "in_conflict")]
        self.model.objects.bulk_update(
            [self.model(**{f.attname: r[f.attname] for f in self.fields}) for r in records], names, batch_size=500,
        )

    def write_history(self, entries: list[tuple[str, "Change"]]) -> None:
        if not entries:
            return
        history = self.model.history.model
        tracked = [f for f in history._meta.concrete_fields if not f.attname.startswith("history_")]
        extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]

        def values(kind, change):
            return [change.values.get(f.attname) for f in tracked] + [self.now, self.reason(change.row), kind,
                                                                       self.user_id]

        if self.use_copy:
            self.copy(history._meta.db_table, [f.column for f in tracked] + extra,
                      (values(*entry) for entry in entries))
        else:
            names = [f.attname for f in tracked] + extra
            history.objects.bulk_create([history(**dict(zip(names, values(*entry), strict=True)))
                                         for entry in entries], batch_size=500)

    def copy(self, table: str, columns: list[str], rows: Iterable[Sequence] | bytes) -> None:
        """COPY rows (or rows already in COPY's format) into a table."""
        sql = f'COPY {table} ({", ".join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN'
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            if isinstance(rows, bytes):
                copy.write(rows)
            else:
                for row in rows:
                    copy.write_row(row)

    def refresh_comparisons(self) -> None:
        """Bulk writes send no signals: bring the comparisons of every touched group up to date."""
        keys = sorted(self.touched, key=str)
        if self.rebuild_all or len(keys) > REFRESH_LIMIT:
            # Thousands of groups: one pass over the table beats thousands of small refreshes.
            comparisons.rebuild()
            return
        for start in range(0, len(keys), 200):
            comparisons.refresh(keys[start:start + 200])


def copy_data(rows: Iterable[Sequence]) -> bytes:
    """Rows in COPY's text format, as psycopg's Copy.write_row() formats them (in C) but without the connection,
    which the other thread may be using: psycopg has no public name for its formatter (psycopg is pinned)."""
    from psycopg._copy_base import TextFormatter

    transformer, encoding = copy_context()
    formatter = TextFormatter(transformer, encoding=encoding)
    parts = [formatter.write_row(row) for row in rows]
    parts.append(formatter.end())
    return b"".join(parts)


_COPY_CONTEXTS = weakref.WeakKeyDictionary()


def copy_context():
    """The connection's adapters and client encoding, read from it once: the importer asks before its database
    thread starts, and copy_data() then never touches a connection (libpq's) that thread may be using."""
    raw = connection.connection
    if (context := _COPY_CONTEXTS.get(raw)) is None:
        from psycopg.adapt import Transformer

        context = _COPY_CONTEXTS[raw] = (Transformer(raw), raw.info.encoding)
    return context


def _literal(value) -> str:
    """A value as an SQL literal, quoted by the driver."""
    from psycopg import sql

    return sql.Literal(value).as_string(connection.connection)


# The figure search vector, for a whole chunk at once; the same as the row trigger's (migration 0010), whose
# parts are joined by ||. The parts that depend on one reference — the metric and subject (with the subject's
# aliases), the attribution, the source's title — are made once per reference per import, kept in temporary
# tables keyed like their references, and joined to every row that names them (an index probe each, whatever the
# planner thinks of a staging table it has no statistics for). tests/test_search.py checks that both give the
# same vector.
FIGURE_VECTOR_PARTS = """
CREATE TEMPORARY TABLE IF NOT EXISTS figure_said_vector (
    metric_id bigint, subject_id bigint, vector tsvector, PRIMARY KEY (metric_id, subject_id)) ON COMMIT DROP;
CREATE TEMPORARY TABLE IF NOT EXISTS figure_attributed_vector (id bigint PRIMARY KEY, vector tsvector)
    ON COMMIT DROP;
CREATE TEMPORARY TABLE IF NOT EXISTS figure_source_vector (id bigint PRIMARY KEY, vector tsvector) ON COMMIT DROP;
"""
FIGURE_VECTOR_FILL = """
INSERT INTO figure_said_vector
SELECT k.metric_id, k.subject_id, setweight(to_tsvector('english', concat_ws(' ', m.name, e.name, al.names)), 'A')
FROM (SELECT DISTINCT metric_id, subject_id FROM {staging}) k
LEFT JOIN claims_metric m ON m.id = k.metric_id
LEFT JOIN claims_entity e ON e.id = k.subject_id
LEFT JOIN LATERAL (SELECT string_agg(name, ' ') AS names FROM claims_entityalias
                   WHERE entity_id = k.subject_id) al ON true
WHERE NOT EXISTS (SELECT FROM figure_said_vector v WHERE v.metric_id = k.metric_id AND v.subject_id = k.subject_id);
INSERT INTO figure_attributed_vector
SELECT k.id, setweight(to_tsvector('english', coalesce(a.name, '')), 'B')
FROM (SELECT DISTINCT attributed_to_id AS id FROM {staging} WHERE attributed_to_id IS NOT NULL) k
LEFT JOIN claims_entity a ON a.id = k.id
WHERE NOT EXISTS (SELECT FROM figure_attributed_vector v WHERE v.id = k.id);
INSERT INTO figure_source_vector
SELECT k.id, setweight(to_tsvector('english', coalesce(s.title, '')), 'C')
FROM (SELECT DISTINCT source_id AS id FROM {staging}) k
LEFT JOIN sources_source s ON s.id = k.id
WHERE NOT EXISTS (SELECT FROM figure_source_vector v WHERE v.id = k.id);
"""
FIGURE_VECTOR = """
    setweight(to_tsvector('english', coalesce(f.value_text, '')), 'A') || said.vector ||
    coalesce(attributed.vector, ''::tsvector) || src.vector ||
    setweight(to_tsvector('english', coalesce(f.note, '')), 'D')
"""
FIGURE_VECTOR_JOINS = """
    JOIN figure_said_vector said ON said.metric_id = f.metric_id AND said.subject_id = f.subject_id
    LEFT JOIN figure_attributed_vector attributed ON attributed.id = f.attributed_to_id
    JOIN figure_source_vector src ON src.id = f.source_id
"""
