"""Matching: the record a checked row is about, and what the row changes in it.

A row with an id updates that record; a row without one updates the record with the same
identity (a figure: source, metric, subject, period, dimensions, wording and attribution;
a claim: source and quote) or adds one. The rows found are locked until the import
commits, so an edit saved meanwhile in the admin is neither lost nor overwritten. A row
may keep a verdict but never give or take one (claims.rules), and a change to what a
record says clears its verdict as an edit in the admin does.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from claims import anchors, rules
from claims.imports.checks import KEEP, ClaimRow, FigureRow
from claims.imports.references import SourceRef
from claims.imports.report import ImportReport
from claims.imports.writing import copy_data
from claims.models import IDENTITY, Claim, Figure

FIGURE_FIELDS = [f.attname for f in Figure._meta.concrete_fields if f.attname != "search_vector"]
CLAIM_FIELDS = [f.attname for f in Claim._meta.concrete_fields if f.attname != "search_vector"]
# What a figure row can change, in the order a preview lists the changes.
FIGURE_COMPARED = ["source_id", "metric_id", "subject_id", "dimensions", "period_start", "period_end",
                   "period_precision", "value", "lower", "upper", "qualifier", "value_text", "written_unit",
                   "attributed_to_id", "found_in", "status", "note"]
CLAIM_COMPARED = ["source_id", "quote", "speaker_id", "status", "note"]


def _defaults(model) -> dict:
    """Every column of a new record at the value the model would give it."""
    defaults = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname == "search_vector":
            continue
        defaults[f.attname] = f.get_default() if f.has_default() else None if f.null else ""
    return defaults


_DEFAULTS = _defaults(Figure)
_CLAIM_DEFAULTS = _defaults(Claim)


@dataclass(slots=True)
class Change:
    """What one row does: add a record, change one, or nothing."""

    row: int
    action: str  # new, updated, unchanged
    values: dict  # every column of the record as it will be
    changes: list = field(default_factory=list)  # (field, before, after)
    before: dict | None = None  # the record as it was, for updates


class Matcher:
    """Finds and compares the records of one import, chunk by chunk. One instance per import: it remembers
    which records and identities earlier rows claimed, so a file cannot name one record twice."""

    def __init__(self, report: ImportReport, *, model, user, now: datetime, publish: bool, batch_id=None):
        self.report = report
        self.model = model
        self.user_id = user.pk if user is not None else None
        self.now = now
        self.publish = publish
        self.batch_id = batch_id
        self.seen_ids: dict[int, int] = {}
        self.seen_keys: dict[int, int] = {}  # hash of an identity → first row: 8 bytes a row, not the row
        self._anchors: dict[tuple, anchors.Anchor | None] = {}
        self.keys_table = False  # PostgreSQL: the temporary table of a chunk's identities, once made

    def new_record_constants(self) -> dict:
        """The columns every record this import adds takes alike, with their values (figure() and claim() set them;
        the writer stages only the others)."""
        defaults = _DEFAULTS if self.model is Figure else _CLAIM_DEFAULTS
        alike = {name: defaults[name] for name in ("verdict", "origin_role", "rank", "rank_reason", "in_conflict")
                 if name in defaults}
        return {**alike, "ref": None, "created_by_id": self.user_id, "edited_by_id": self.user_id,
                "created_at": self.now, "edited_at": self.now, "updated_at": self.now, "version": 1,
                "import_batch_id": self.batch_id,
                **({"claim_id": None, "supersedes_id": None} if self.model is Figure else {})}

    # Finding --------------------------------------------------------------------------------------

    def wanted(self, rows: list[tuple[object, dict]]) -> tuple[set, set, bytes | None]:
        """What existing() is to look for: the ids rows give, the identities of the others and (figures, on
        PostgreSQL) those identities in COPY's format — made here, on the importing thread (see Writer.stage)."""
        ids = {checked.id for checked, _ in rows if checked.id is not None}
        keys = {self.identity(checked, resolved) for checked, resolved in rows if checked.id is None}
        data = copy_data(keys) if keys and self.model is Figure and connection.vendor == "postgresql" else None
        return ids, keys, data

    def existing(self, wanted: tuple[set, set, bytes | None]) -> tuple[dict, dict]:
        """The current records the chunk's rows name (wanted()), by id and by identity, locked until the import
        commits."""
        ids, keys, data = wanted
        fields = FIGURE_FIELDS if self.model is Figure else CLAIM_FIELDS
        found_ids = set(ids)
        if keys:
            found_ids |= set(self.ids_by_identity(keys, data))
        if not found_ids:
            return {}, {}
        query = self.model.objects.filter(pk__in=found_ids).order_by("pk")
        if connection.features.has_select_for_update:
            query = query.select_for_update()
        by_id, by_key = {}, {}
        for record in query.values(*fields):
            by_id[record["id"]] = record
            by_key.setdefault(self.identity_of(record), record)
        return by_id, by_key

    def ids_by_identity(self, keys: set[tuple], data: bytes | None = None) -> list[int]:
        if self.model is Claim:
            sources = {key[0] for key in keys}
            quotes = {key[1] for key in keys}
            return [pk for pk, source, quote in Claim.objects.filter(source_id__in=sources, quote__in=quotes)
                    .values_list("pk", "source_id", "quote") if (source, quote) in keys]
        if connection.vendor == "postgresql":
            # The keys go by COPY into a temporary table (psycopg formats COPY rows in C, where it would build
            # eight array parameters in Python), then one probe of the identity index per key: the cost follows
            # the file, not the table.
            with connection.cursor() as cursor:
                if not self.keys_table:
                    cursor.execute(_PG_KEYS_TABLE)
                    self.keys_table = True
                with cursor.cursor.copy(_PG_KEYS_COPY) as copy:
                    copy.write(data if data is not None else copy_data(keys))
                cursor.execute(_PG_IDENTITY_LOOKUP + "; TRUNCATE figure_import_keys")  # one round trip, not two
                return [pk for (pk,) in cursor.fetchall()]
        table = connection.ops.quote_name(Figure._meta.db_table)
        columns = ", ".join(f"{table}.{connection.ops.quote_name(Figure._meta.get_field(f).column)}"
                            for f in IDENTITY[:-1]) + f", COALESCE({table}.attributed_to_id, 0)"
        values = ", ".join(["(" + ", ".join(["%s"] * len(IDENTITY)) + ")"] * len(keys))
        return list(Figure.objects.extra(where=[f"({columns}) IN (VALUES {values})"],
                                         params=[part for key in keys for part in key]).values_list("pk", flat=True))

    def identity(self, checked, resolved: dict) -> tuple:
        if self.model is Claim:
            return resolved["source_id"], checked.quote
        return (checked.metric.id, resolved["subject_id"], checked.period.start, checked.period.end,
                checked.dimensions, resolved["source_id"], checked.value_text, resolved.get("attributed_to_id") or 0)

    def identity_of(self, record: dict) -> tuple:
        if self.model is Claim:
            return record["source_id"], record["quote"]
        return tuple(record[f] for f in IDENTITY[:-1]) + (record["attributed_to_id"] or 0,)

    # Comparing ------------------------------------------------------------------------------------

    def figure(self, checked: FigureRow, resolved: dict, source: SourceRef, by_id: dict, by_key: dict
               ) -> Change | None:
        report, row = self.report, checked.row
        current = self.current(checked, resolved, by_id, by_key)
        if current is False:
            return None
        values = {
            "source_id": resolved["source_id"], "metric_id": checked.metric.id, "subject_id": resolved["subject_id"],
            "dimensions": checked.dimensions, "period_start": checked.period.start,
            "period_end": checked.period.end, "period_precision": checked.period.precision,
            "value": checked.value, "lower": checked.lower, "upper": checked.upper, "qualifier": checked.qualifier,
            "value_text": checked.value_text, "written_unit": checked.written_unit,
        }
        if checked.attributed_to is not KEEP:
            values["attributed_to_id"] = resolved.get("attributed_to_id")
        if checked.note is not KEEP:
            values["note"] = checked.note
        if checked.found_in is not None:
            values["found_in"] = checked.found_in
        if current is None:
            figure = {**_DEFAULTS, "attributed_to_id": None, "note": "", "claim_id": None, "supersedes_id": None,
                      "ref": None, "created_by_id": self.user_id, "edited_by_id": self.user_id,
                      "created_at": self.now, "edited_at": self.now, **values, "id": None}
            if checked.found_in is None:
                figure["found_in"] = Figure.FoundIn.TEXT if source.has_text else Figure.FoundIn.DATA
            figure["status"] = checked.status or (rules.Status.UNVERIFIED if self.publish else rules.Status.DRAFT)
            if problem := rules.status_problem(figure["status"], "", kind="figure"):
                report.add_error(row, "status", f"{problem}; a new figure starts as draft or unverified")
                return None
            if not self.anchor(figure, source, row):
                return None
            figure.update(import_batch_id=self.batch_id, import_row=row, updated_at=self.now, version=1)
            return Change(row, "new", figure)

        if checked.typed_as_number and values["value_text"] != current["value_text"] and _same_reading(
                current, values):
            values["value_text"] = current["value_text"]  # a spreadsheet turned "1,234" into 1234: keep the wording
        if checked.status is not None:
            values["status"] = checked.status
        return self.compare(row, current, values, FIGURE_COMPARED, source)

    def claim(self, checked: ClaimRow, resolved: dict, source: SourceRef, by_id: dict, by_key: dict
              ) -> Change | None:
        current = self.current(checked, resolved, by_id, by_key)
        if current is False:
            return None
        values = {"source_id": resolved["source_id"], "quote": checked.quote}
        if checked.speaker is not KEEP:
            values["speaker_id"] = resolved.get("speaker_id")
        if checked.note is not KEEP:
            values["note"] = checked.note
        if current is None:
            claim = {**_CLAIM_DEFAULTS, "speaker_id": None, "note": "", "ref": None, "created_by_id": self.user_id,
                     "edited_by_id": self.user_id, "created_at": self.now, "edited_at": self.now, **values,
                     "id": None}
            claim["status"] = checked.status or (rules.Status.UNVERIFIED if self.publish else rules.Status.DRAFT)
            if problem := rules.status_problem(claim["status"], "", kind="claim"):
                self.report.add_error(checked.row, "status", f"{problem}; a new claim starts as draft or unverified")
                return None
            if not self.anchor(claim, source, checked.row, field="quote"):
                return None
            claim.update(updated_at=self.now, version=1, import_batch_id=self.batch_id, import_row=checked.row)
            return Change(checked.row, "new", claim)
        if checked.status is not None:
            values["status"] = checked.status
        return self.compare(checked.row, current, values, CLAIM_COMPARED, source, field="quote")

    def current(self, checked, resolved: dict, by_id: dict, by_key: dict):
        """The record this row is about (None: a new one; False: the row is refused)."""
        report, row, noun = self.report, checked.row, self.model._meta.verbose_name
        key = self.identity(checked, resolved)
        if checked.id is not None:
            current = by_id.get(checked.id)
            if current is None:
                report.add_error(row, "id", f"there is no {noun} {checked.id}; leave id empty to add a new {noun}")
                return False
        else:
            current = by_key.get(key)
        digest = hash(key)
        if (first := self.seen_keys.get(digest)) is not None:
            what = "same source and quote" if self.model is Claim else (
                "same source, metric, subject, period, dimensions, value text and attribution")
            report.add_error(row, None, f"duplicates row {first} ({what}); remove one of them")
            return False
        self.seen_keys[digest] = row
        if current is not None:
            if (first := self.seen_ids.get(current["id"])) is not None:
                report.add_error(row, "id" if checked.id else None, f"{noun} {current['id']} is named twice in the "
                                                                    f"file (rows {first} and {row}); keep one")
                return False
            self.seen_ids[current["id"]] = row
        return current

    def compare(self, row: int, current: dict, values: dict, compared: list[str], source: SourceRef,
                field: str = "value_text") -> Change | None:
        report = self.report
        changes = [(name, current[name], values[name]) for name in compared
                   if name in values and values[name] != current[name]]
        if not changes:
            return Change(row, "unchanged", current, before=current)
        record = {**current, **{name: after for name, _, after in changes}}
        if problem := rules.status_problem(record["status"], current["verdict"], kind=self.model._meta.verbose_name):
            report.add_error(row, "status", problem)
            return None
        substance = self.model.substance
        if any(name in substance for name, _, _ in changes):
            record["status"], record["verdict"] = rules.content_changed(record["status"], current["verdict"])
            record.update(edited_by_id=self.user_id, edited_at=self.now)
            moved = field == "quote" or any(name in ("source_id", field) for name, _, _ in changes)
            if moved and not self.anchor(record, source, row, field=field):
                return None
        record.update(updated_at=self.now, version=current["version"] + 1, import_batch_id=self.batch_id,
                      import_row=row)
        return Change(row, "updated", record, changes, before=current)

    def anchor(self, record: dict, source: SourceRef, row: int, field: str = "value_text") -> bool:
        """Anchor the wording in the source's text; False (with the error said) when it must be there and is not."""
        hint = None
        if record.get("anchor_start") is not None:
            hint = anchors.Anchor(record["anchor_start"], record["anchor_end"], record["anchor_prefix"],
                                  record["anchor_suffix"])
        if not source.has_text:
            found = None
        elif hint is None:
            # Rows repeat wordings in one source: find each (source, wording) once.
            key = (source.id, record[field])
            if key not in self._anchors:
                if len(self._anchors) > 65536:
                    self._anchors.clear()
                self._anchors[key] = anchors.locate(source.text, record[field])
            found = self._anchors[key]
        else:
            found = anchors.locate(source.text, record[field], hint=hint)
        record.update(
            anchor_start=found.start if found else None, anchor_end=found.end if found else None,
            anchor_prefix=found.prefix if found else "", anchor_suffix=found.suffix if found else "",
        )
        if found is not None:
            if field == "quote":
                record["quote"] = source.text[found.start:found.end]  # the source's own quotation marks
            return True
        if field == "quote":
            self.report.add_error(row, "quote", "this quote does not occur in the source's text; copy it exactly "
                                                "(straight or curly quotes both match)")
            return False
        if record.get("found_in", Figure.FoundIn.TEXT) == Figure.FoundIn.TEXT:
            where = "the text of its source" if source.has_text else "its source, which has no text"
            self.report.add_error(row, "value_text", f"“{record[field]}” does not occur in {where}; copy the wording "
                                                     "exactly, or say where the number comes from in a found_in "
                                                     "column (table, chart, data)")
            return False
        return True


def _same_reading(current: dict, values: dict) -> bool:
    return all(current[name] == values[name] for name in ("qualifier", "value", "lower", "upper"))


_PG_KEYS_TABLE = """
CREATE TEMPORARY TABLE IF NOT EXISTS figure_import_keys (
    metric_id bigint, subject_id bigint, period_start date, period_end date, dimensions text, source_id bigint,
    value_text text, attributed_to_id bigint
) ON COMMIT DROP
"""
_PG_KEYS_COPY = ("COPY figure_import_keys (metric_id, subject_id, period_start, period_end, dimensions, source_id, "
                 "value_text, attributed_to_id) FROM STDIN")
_PG_IDENTITY_LOOKUP = """
SELECT f.id FROM figure_import_keys k
CROSS JOIN LATERAL (
    SELECT id FROM claims_figure f
    WHERE f.metric_id = k.metric_id AND f.subject_id = k.subject_id AND f.period_start = k.period_start
      AND f.period_end = k.period_end AND f.dimensions = k.dimensions AND f.source_id = k.source_id
      AND f.value_text = k.value_text AND COALESCE(f.attributed_to_id, 0) = k.attributed_to_id
    LIMIT 1
) f
"""
