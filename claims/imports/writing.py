"""Writing: the changes of a chunk in bulk, each with its history record naming the import and the row.

On PostgreSQL new records go by COPY into a staging table, then one statement moves them into the
table (computing figures' search vectors with joins) and writes their history from what it
inserted, foreign keys checked there and then. Other databases bulk_create. Updates are one bulk
UPDATE per chunk. Bulk writes send no signals, so the writer collects the comparison groups it
touched for one refresh at the end.
"""

from collections.abc import Iterable
from operator import itemgetter

from django.db import connection

from claims import comparisons
from claims.imports.matching import Change
from claims.models import COMPARISON_KEY, Figure

# Above this many comparison groups touched, rebuilding them all is quicker than refreshing each.
REFRESH_LIMIT = 2000


class Writer:
    """Writes one import's (or undo's) changes. Each history record's reason is `reason` followed by the row's
    number (cut at 100 characters), or `reason` alone when not `numbered`."""

    def __init__(self, model, *, user, now, reason: str, numbered: bool = True):
        self.model = model
        self.user_id = user.pk if user is not None else None
        self.now = now
        self.reason_text, self.numbered = reason, numbered
        self.use_copy = connection.vendor == "postgresql"
        self.fields = [f for f in model._meta.concrete_fields if f.attname != "search_vector"]
        self.touched: set[tuple] = set()
        self.rebuild_all = False  # so many groups touched that all are rebuilt: no need to remember them
        self.staged = False  # PostgreSQL: the staging tables made
        self.staged_rows = 0  # records staged, waiting for write()
        self.staging = f"{model._meta.db_table}_staging"

    def reason(self, row: int) -> str:
        return f"{self.reason_text}{row}"[:100] if self.numbered else self.reason_text[:100]

    def write(self, new: list[Change], updated: list[Change]) -> None:
        """Write a chunk's changes (on PostgreSQL, its new records staged by stage(), or staged now)."""
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
            if not self.staged_rows:
                self.stage_records(records)
            self.insert_staged()
            return
        objects = self.model.objects.bulk_create(
            [self.model(**{f.attname: r[f.attname] for f in self.fields if not f.primary_key}) for r in records],
            batch_size=500,
        )
        for record, obj in zip(records, objects, strict=True):
            record["id"] = obj.pk

    # PostgreSQL: COPY into a staging table, then one statement moves the records into the table. ---------------

    def stage(self, new: list[Change]) -> None:
        """COPY a chunk's new records into the staging table, for write() to move. This is the part of writing that
        runs Python: the importer calls it on its own thread, then leaves write() — all database — to the
        background thread, which holds no lock Python needs while PostgreSQL works. Elsewhere, nothing to do."""
        if self.use_copy and new:
            self.stage_records([change.values for change in new])

    def stage_records(self, records: list[dict]) -> None:
        fields = [f for f in self.fields if not f.primary_key]
        with connection.cursor() as cursor:
            if not self.staged:
                # One per transaction (an import in a test's transaction may find the last one's).
                cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.staging} (LIKE {self.model._meta.db_table})"
                               " ON COMMIT DROP")
                cursor.execute(f"ALTER TABLE {self.staging} ALTER COLUMN id DROP NOT NULL")  # the table gives ids
                cursor.execute(f"TRUNCATE {self.staging}")
                if self.model is Figure:  # and the vectors' parts, made afresh for each import
                    cursor.execute(FIGURE_VECTOR_PARTS)
                    cursor.execute("TRUNCATE figure_said_vector, figure_attributed_vector, figure_source_vector")
                self.staged = True
        values = itemgetter(*[f.attname for f in fields])  # a record's columns as a tuple, in C
        self.copy(self.staging, [f.column for f in fields], map(values, records))
        self.staged_rows = len(records)

    def insert_staged(self) -> None:
        """One statement: INSERT … SELECT the staged records (a figure's search vector computed with joins, so the
        row trigger, which would look each row's metric, subject, aliases, attribution and source up one by one,
        sees it given and steps aside — migration 0010), and INSERT their history from what that returned. The ids
        come from the table's sequence, as the history's do from its own.

        The foreign keys are checked in that statement rather than at commit: the checks then run while the next
        chunk is read, and the commit is quick."""
        with connection.cursor() as cursor:
            if self.model is Figure:
                cursor.execute(FIGURE_VECTOR_FILL.format(staging=self.staging))
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(self.insert_sql(self.staging),
                           [self.now, self.reason_text if self.numbered else self.reason_text[:100], self.user_id])
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"TRUNCATE {self.staging}")
        self.staged_rows = 0

    def insert_sql(self, staging: str) -> str:
        quote = connection.ops.quote_name
        columns = [quote(f.column) for f in self.fields if not f.primary_key]
        history = self.model.history.model
        tracked = [quote(f.column) for f in history._meta.concrete_fields if not f.attname.startswith("history_")]
        selected = ", ".join(f"f.{column}" for column in columns)
        if self.model is Figure:
            columns.append("search_vector")
            selected += f", {FIGURE_VECTOR} FROM {staging} f {FIGURE_VECTOR_JOINS}"
        else:
            selected += f" FROM {staging} f"  # a claim's vector: the row trigger's, from the claim alone
        selected += " ORDER BY f.import_row"  # ids in the file's order, as one by one
        reason = "left(%s || inserted.import_row::text, 100)" if self.numbered else "%s"
        return (f"WITH inserted AS (INSERT INTO {self.model._meta.db_table} ({', '.join(columns)}) SELECT {selected} "
                f"RETURNING {', '.join(tracked)}) "
                f"INSERT INTO {history._meta.db_table} ({', '.join(tracked)}, history_date, history_change_reason, "
                f"history_type, history_user_id) "
                f"SELECT {', '.join(tracked)}, %s, {reason}, '+', %s FROM inserted")

    def update(self, records: list[dict]) -> None:
        names = [f.name for f in self.fields if not f.primary_key and f.name not in ("created_at", "in_conflict")]
        self.model.objects.bulk_update(
            [self.model(**{f.attname: r[f.attname] for f in self.fields}) for r in records], names, batch_size=500,
        )

    def write_history(self, entries: list[tuple[str, Change]]) -> None:
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

    def copy(self, table: str, columns: list[str], rows: Iterable[list]) -> None:
        sql = f'COPY {table} ({", ".join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN'
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
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
