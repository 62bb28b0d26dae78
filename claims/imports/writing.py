"""Writing: the changes of a chunk in bulk, each with its history record naming the import and the row.

PostgreSQL gets COPY for new records and their history (ids drawn from the sequence first);
other databases bulk_create. Updates are one bulk UPDATE per chunk. Bulk writes send no
signals, so the writer collects the comparison groups it touched for one refresh at the end.
"""

from collections.abc import Iterable

from django.db import connection

from claims import comparisons
from claims.imports.matching import Change
from claims.models import COMPARISON_KEY, Figure


class Writer:
    def __init__(self, model, *, user, now, reason):
        self.model = model
        self.user_id = user.pk if user is not None else None
        self.now = now
        self.reason = reason
        self.use_copy = connection.vendor == "postgresql"
        self.fields = [f for f in model._meta.concrete_fields if f.attname != "search_vector"]
        self.touched: set[tuple] = set()
        self.staged = False

    def write(self, new: list[Change], updated: list[Change]) -> None:
        if new:
            self.insert([change.values for change in new])
        if updated:
            self.update([change.values for change in updated])
        self.write_history([("+", change) for change in new] + [("~", change) for change in updated])
        if self.model is Figure:
            for change in new + updated:
                self.touched.add(tuple(change.values[name] for name in COMPARISON_KEY))
                if change.before is not None:
                    self.touched.add(tuple(change.before[name] for name in COMPARISON_KEY))

    def insert(self, records: list[dict]) -> None:
        table = self.model._meta.db_table
        if self.use_copy:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                               [table, len(records)])
                for record, (pk,) in zip(records, cursor.fetchall(), strict=True):
                    record["id"] = pk
            rows = ([r[f.attname] for f in self.fields] for r in records)
            if self.model is Figure:
                self.insert_figures(rows)
            else:
                self.copy(table, [f.column for f in self.fields], rows)
            return
        objects = self.model.objects.bulk_create(
            [self.model(**{f.attname: r[f.attname] for f in self.fields if not f.primary_key}) for r in records],
            batch_size=500,
        )
        for record, obj in zip(records, objects, strict=True):
            record["id"] = obj.pk

    def insert_figures(self, rows) -> None:
        """COPY into a staging table, then one INSERT … SELECT that computes every row's search vector with joins:
        the row trigger, which would look each row's metric, subject, aliases, attribution and source up one by
        one, sees the vector given and steps aside (migration 0010)."""
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if not self.staged:
                # One per transaction (an import in a test's transaction may find the last one's).
                cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS figure_staging (LIKE claims_figure) "
                               "ON COMMIT DROP")
                cursor.execute("TRUNCATE figure_staging")
                self.staged = True
            self.copy("figure_staging", [f.column for f in self.fields], rows)
            selected = ", ".join(f"f.{connection.ops.quote_name(f.column)}" for f in self.fields)
            cursor.execute(f"INSERT INTO claims_figure ({columns}, search_vector) SELECT {selected}, {FIGURE_VECTOR} "
                           f"FROM figure_staging f {FIGURE_VECTOR_JOINS}")
            cursor.execute("TRUNCATE figure_staging")

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
        if len(keys) > 2000:
            # Thousands of groups: one pass over the table beats thousands of small refreshes.
            comparisons.rebuild()
            return
        for start in range(0, len(keys), 200):
            comparisons.refresh(keys[start:start + 200])


# The figure search vector, for a whole chunk at once; the same expression as the row trigger's (migration 0010).
# tests/test_search.py checks that both give the same vector.
FIGURE_VECTOR = """
    setweight(to_tsvector('english', coalesce(f.value_text, '')), 'A') ||
    setweight(to_tsvector('english', concat_ws(' ', m.name, e.name, al.names)), 'A') ||
    setweight(to_tsvector('english', coalesce(a.name, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(src.title, '')), 'C') ||
    setweight(to_tsvector('english', coalesce(f.note, '')), 'D')
"""
FIGURE_VECTOR_JOINS = """
    LEFT JOIN claims_metric m ON m.id = f.metric_id
    LEFT JOIN claims_entity e ON e.id = f.subject_id
    LEFT JOIN LATERAL (SELECT string_agg(name, ' ') AS names FROM claims_entityalias
                       WHERE entity_id = f.subject_id) al ON true
    LEFT JOIN claims_entity a ON a.id = f.attributed_to_id
    LEFT JOIN sources_source src ON src.id = f.source_id
"""
