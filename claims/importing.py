"""Figure spreadsheets in: full validation, all or nothing, at COPY-class speed.

One pipeline serves the admin import and `manage.py import_figures`. Rows are
read as a stream and handled in chunks: each chunk's references (sources,
metrics, entities, existing figures) are resolved in a few queries, every row
is checked as the model would check it, and valid rows are written in bulk —
with PostgreSQL's COPY when available — together with their history records,
which name the import batch and the row. Any bad row rolls the whole import
back, and every error names its row, its column, what is wrong and what was
expected.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import islice

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from claims import anchors, comparisons, spreadsheets
from claims.exports import FIGURE_COLUMNS
from claims.models import Entity, EntityAlias, Figure, ImportBatch, Metric, Status, bounds_problem
from claims.parsing import ParseError, Qualifier, parse_number, parse_value_text, period_from_cells
from sources.models import Source

REQUIRED_COLUMNS = ["source", "metric", "subject", "period_start"]
CHUNK_SIZE = 2000
MAX_REPORTED_ERRORS = 200
# Verdicts come from reviews; an import may keep them but never give them.
VERDICTS = {Status.VERIFIED, Status.DISPUTED, Status.FALSE, Status.MISLEADING, Status.UNVERIFIABLE}
COMPARED_FIELDS = ["source_id", "metric_id", "subject_id", "period_start", "period_end", "period_precision",
                   "value", "lower", "upper", "qualifier", "value_text", "attributed_to_id", "status", "note"]
_QUALIFIER_WORDS = {label.lower(): code for code, label in Figure.Qualifier.choices} | {
    code: code for code in Figure.Qualifier.values
} | {"more than": "more_than", "at least": "at_least", "less than": "less_than", "at most": "at_most",
     "approximately": "approximate", "about": "approximate", "exact": "exact", "between": "range"}
_STATUS_WORDS = {label.lower(): code for code, label in Status.choices} | {code: code for code in Status.values}
_UNIT_SYNONYMS = {"%": "percent", "per cent": "percent", "pct": "percent"}


@dataclass
class RowError:
    row: int
    column: str | None
    message: str

    def __str__(self):
        where = f"Row {self.row}" if self.row else "File"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class RowResult:
    row: int
    action: str  # new, updated, unchanged
    figure_id: int | None
    label: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)


@dataclass
class ImportReport:
    file_name: str
    file_format: str
    dry_run: bool
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows: list[RowResult] = field(default_factory=list)
    created_sources: list[str] = field(default_factory=list)
    created_entities: list[str] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.error_count

    def add_error(self, row: int, column: str | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def summary(self) -> str:
        verb = "would be" if self.dry_run or not self.ok else "were"
        text = (f"{self.rows_read:,} rows read: {self.new:,} new, {self.updated:,} updated, "
                f"{self.unchanged:,} unchanged {verb} written")
        if self.error_count:
            text += f"; {self.error_count:,} errors — nothing was imported"
        return text


class _Rollback(Exception):
    pass


def import_figures(
    stream,
    *,
    file_name: str,
    file_format: str | None = None,
    encoding: str | None = None,
    decimal_comma: bool = False,
    create_missing: bool = False,
    dry_run: bool = False,
    user=None,
    keep_rows: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a figure spreadsheet from a binary stream; see the module docstring."""
    try:
        fmt = spreadsheets.format_of(file_name, file_format)
    except spreadsheets.FileProblem as problem:
        report = ImportReport(file_name, file_format or "", dry_run)
        report.add_error(0, None, str(problem))
        return report
    report = ImportReport(file_name, fmt, dry_run)
    importer = _FigureImporter(report, decimal_comma=decimal_comma, create_missing=create_missing, user=user,
                               keep_rows=keep_rows)
    try:
        with transaction.atomic():
            if not dry_run:
                report.batch = ImportBatch.objects.create(
                    file_name=file_name[:255], file_format=fmt, created_by=user if user and user.pk else None
                )
            importer.run(spreadsheets.read_rows(stream, fmt, name=file_name, encoding=encoding), progress)
            if not report.ok or dry_run:
                raise _Rollback
            importer.refresh_comparisons()
            batch = report.batch
            batch.rows_new, batch.rows_updated, batch.rows_unchanged = report.new, report.updated, report.unchanged
            batch.created_references = "\n".join(
                [f"source {slug}" for slug in report.created_sources]
                + [f"entity {slug}" for slug in report.created_entities]
            )
            batch.save()
    except _Rollback:
        if report.batch is not None:
            report.batch = None
    except spreadsheets.FileProblem as problem:
        report.batch = None
        report.add_error(0, None, str(problem))
    return report


class _FigureImporter:
    def __init__(self, report: ImportReport, *, decimal_comma, create_missing, user, keep_rows):
        self.report = report
        self.decimal_comma = decimal_comma
        self.create_missing = create_missing
        self.user = user if user is not None and user.pk else None
        self.keep_rows = keep_rows
        self.metrics = {metric.slug: metric for metric in Metric.objects.all()}
        self.sources: dict[str, tuple[int, str] | None] = {}  # slug -> (id, text)
        self.entities: dict[str, int | list[int] | None] = {}  # lowercased reference -> id(s)
        self.seen_ids: dict[int, int] = {}
        # Duplicate rows are found by the hash of their natural key: 8 bytes a row, not the row.
        self.seen_keys: dict[int, int] = {}
        self.now = timezone.now()
        self.history = Figure.history.model
        self.use_copy = connection.vendor == "postgresql"
        self.touched_keys: set[tuple] = set()

    # Reading -------------------------------------------------------------------------------------

    def run(self, rows: Iterable[list], progress) -> None:
        rows = iter(rows)
        header_row = next(rows, None)
        if header_row is None or not any(cell not in (None, "") for cell in header_row):
            self.report.add_error(0, None, f"the file is empty; expected a header row with the columns "
                                           f"{', '.join(FIGURE_COLUMNS)}")
            return
        columns = self.read_header(header_row)
        if columns is None:
            return
        row_number = 1
        while True:
            chunk = []
            for cells in islice(rows, CHUNK_SIZE):
                row_number += 1
                if all(cell in (None, "") for cell in cells):
                    continue
                record = {name: spreadsheets.unescape_formula(cells[index] if index < len(cells) else None)
                          for index, name in columns}
                record["_text"] = {name: _text(value) for name, value in record.items()}
                chunk.append((row_number, record))
            if not chunk:
                break
            self.report.rows_read += len(chunk)
            self.handle_chunk(chunk, {name for _, name in columns})
            if progress:
                progress(self.report.rows_read)
        if not self.report.rows_read and self.report.ok:
            self.report.add_error(0, None, "the file has a header but no rows of figures")

    def read_header(self, header_row) -> list[tuple[int, str]] | None:
        columns, unknown = [], []
        for index, cell in enumerate(header_row):
            name = str(cell or "").strip().lstrip("\ufeff").lower().replace(" ", "_")
            if not name:
                continue
            if name not in FIGURE_COLUMNS:
                unknown.append(str(cell))
            elif name in (n for _, n in columns):
                self.report.add_error(1, name, f"the column “{name}” appears twice")
            else:
                columns.append((index, name))
        names = {name for _, name in columns}
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if "value_text" not in names and "value" not in names:
            missing.append("value_text (or value)")
        if unknown:
            self.report.add_error(1, None, f"unknown column(s) {', '.join(repr(u) for u in unknown)}; expected "
                                           f"columns are {', '.join(FIGURE_COLUMNS)}")
        if missing:
            hint = " (is the header row missing?)" if not names else ""
            self.report.add_error(1, None, f"missing column(s) {', '.join(missing)}{hint}; expected columns are "
                                           f"{', '.join(FIGURE_COLUMNS)}")
        return None if unknown or missing or not self.report.ok else columns

    # Resolving references, a few queries per chunk -------------------------------------------------

    def resolve_sources(self, slugs: set[str]) -> None:
        wanted = {slug for slug in slugs if slug not in self.sources}
        if not wanted:
            return
        for pk, slug, text in Source.objects.filter(slug__in=wanted).values_list("pk", "slug", "text"):
            self.sources[slug] = (pk, text)
        for slug in wanted - self.sources.keys():
            self.sources[slug] = None

    def resolve_entities(self, references: set[str]) -> None:
        wanted = {ref.lower() for ref in references if ref.lower() not in self.entities}
        if not wanted:
            return
        found: dict[str, set[int]] = {}
        rows = (
            Entity.objects.annotate(lower_slug=Lower("slug"), lower_name=Lower("name"))
            .filter(Q(lower_slug__in=wanted) | Q(lower_name__in=wanted))
            .values_list("pk", "lower_slug", "lower_name")
        )
        for pk, lower_slug, lower_name in rows:
            for key in (lower_slug, lower_name):
                if key in wanted:
                    found.setdefault(key, set()).add(pk)
        aliases = EntityAlias.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=wanted)
        for entity_id, lower_name in aliases.values_list("entity_id", "lower_name"):
            found.setdefault(lower_name, set()).add(entity_id)
        for key in wanted:
            ids = sorted(found.get(key, ()))
            self.entities[key] = None if not ids else ids[0] if len(ids) == 1 else ids

    def source_for(self, row: int, slug: str):
        entry = self.sources.get(slug)
        if entry is None and self.create_missing:
            if slugify(slug) != slug:
                self.report.add_error(row, "source", f"cannot create a source from “{slug}”: not a slug "
                                                     f"(lowercase letters, digits and hyphens, e.g. "
                                                     f"“{slugify(slug)}”)")
                return None
            source = Source(slug=slug, title=slug, status=Source.Status.DRAFT,
                            note=f"Created by the import of {self.report.file_name}; fill in its details.")
            source._change_reason = self.change_reason(row)
            source.save()
            self.sources[slug] = entry = (source.pk, "")
            self.report.created_sources.append(slug)
        if entry is None:
            self.report.add_error(row, "source", f"unknown source “{slug}”; name an existing source by its slug, "
                                                 f"or import with create-missing to add it")
        return entry

    def entity_for(self, row: int, column: str, reference: str) -> int | None:
        found = self.entities.get(reference.lower())
        if isinstance(found, list):
            slugs = ", ".join(Entity.objects.filter(pk__in=found).values_list("slug", flat=True))
            self.report.add_error(row, column, f"“{reference}” names several entities ({slugs}); use a slug")
            return None
        if found is None and self.create_missing:
            slug = base = slugify(reference)[:110] or "entity"
            suffix = 2
            while Entity.objects.filter(slug=slug).exists():
                slug, suffix = f"{base}-{suffix}", suffix + 1
            entity = Entity(slug=slug, name=reference.strip()[:200])
            entity._change_reason = self.change_reason(row)
            entity.save()
            self.entities[reference.lower()] = self.entities[slug] = found = entity.pk
            self.report.created_entities.append(slug)
        if found is None:
            self.report.add_error(row, column, f"unknown {column.replace('_', ' ')} “{reference}”; use an entity's "
                                               f"slug, name or alias, or import with create-missing to add it")
        return found

    # Checking one row ------------------------------------------------------------------------------

    def handle_chunk(self, chunk: list[tuple[int, dict]], present: set[str]) -> None:
        self.resolve_sources({r["_text"].get("source") for _, r in chunk} - {"", None})
        self.resolve_entities({r["_text"].get(c) for _, r in chunk for c in ("subject", "attributed_to")} - {"", None})
        candidates = []
        for row, record in chunk:
            errors_before = self.report.error_count
            values = self.check_row(row, record, present)
            if values is not None and self.report.error_count == errors_before:
                candidates.append((row, record, values))
        existing = self.existing_for(candidates)
        new, updates = [], []
        for row, record, values in candidates:
            self.match_and_compare(row, record, values, existing, new, updates, present)
        if self.report.ok:
            self.write(new, updates)

    def check_row(self, row: int, record: dict, present: set[str]) -> dict | None:
        report = self.report
        values: dict = {}
        for column in REQUIRED_COLUMNS:
            if not record["_text"].get(column):
                report.add_error(row, column, f"{column.replace('_', ' ')} is empty; every figure needs one")
        if not report.ok and report.error_count >= MAX_REPORTED_ERRORS * 5:
            return None

        if (raw_id := record.get("id")) not in (None, ""):
            try:
                values["id"] = int(Decimal(str(raw_id).strip()))
            except (InvalidOperation, ValueError):
                report.add_error(row, "id", f"“{raw_id}” is not a figure id; leave it empty for a new figure")

        slug = record["_text"].get("source", "")
        source = self.source_for(row, slug) if slug else None
        if source:
            values["source_id"], values["_source_text"] = source

        metric_slug = record["_text"].get("metric", "")
        metric = self.metrics.get(metric_slug)
        if metric_slug and metric is None:
            known = ", ".join(sorted(self.metrics)[:12]) or "none yet"
            report.add_error(row, "metric", f"unknown metric “{metric_slug}”; metrics are a curated vocabulary "
                                            f"and are never created by an import (known: {known})")
        elif metric:
            values["metric_id"] = metric.pk

        if subject := record["_text"].get("subject", ""):
            values["subject_id"] = self.entity_for(row, "subject", subject)
        if "attributed_to" in present:
            attributed = record["_text"].get("attributed_to", "")
            values["attributed_to_id"] = self.entity_for(row, "attributed_to", attributed) if attributed else None

        if record["_text"].get("period_start", ""):
            try:
                period = _period(_cell(record.get("period_start")), _cell(record.get("period_end")))
                values.update(period_start=period.start, period_end=period.end, period_precision=period.precision)
            except ParseError as error:
                ends_early = record["_text"].get("period_end") and "end" in str(error)
                column = "period_end" if ends_early else "period_start"
                report.add_error(row, column, str(error))

        self.check_numbers(row, record, values, metric)

        if metric and (unit := record["_text"].get("unit", "")):
            said = _UNIT_SYNONYMS.get(unit.lower(), unit.lower())
            if said != _UNIT_SYNONYMS.get(metric.unit.lower(), metric.unit.lower()):
                report.add_error(row, "unit", f"“{unit}” is not the unit of {metric.slug}, which is measured in "
                                              f"{metric.unit}")
        if "status" in present and (status_text := record["_text"].get("status", "")):
            status = _STATUS_WORDS.get(status_text.lower())
            if status is None:
                report.add_error(row, "status", f"unknown status “{status_text}”; expected one of "
                                                f"{', '.join(Status.values)}")
            else:
                values["status"] = status
        if "note" in present:
            values["note"] = record["_text"].get("note", "")
        return values

    def check_numbers(self, row: int, record: dict, values: dict, metric: Metric | None) -> None:
        report = self.report
        errors_before = report.error_count
        value_text = record["_text"].get("value_text", "")
        given: dict[str, Decimal | None] = {}
        for column in ("value", "lower", "upper"):
            cell = record.get(column)
            if cell in (None, ""):
                continue
            try:
                given[column] = self.number(cell)
            except ParseError as error:
                if column == "value" and not value_text:
                    value_text = record["_text"]["value"]  # "more than 70" typed in the value column
                else:
                    report.add_error(row, column, f"{error}; expected a number such as 1234 or 0.332")
        qualifier = None
        if qualifier_text := record["_text"].get("qualifier", ""):
            qualifier = _QUALIFIER_WORDS.get(qualifier_text.lower().replace("_", " ")) or _QUALIFIER_WORDS.get(
                qualifier_text.lower())
            if qualifier is None:
                report.add_error(row, "qualifier", f"unknown qualifier “{qualifier_text}”; expected one of "
                                                   f"{', '.join(Figure.Qualifier.values)}")
        if report.error_count > errors_before:
            return

        parsed = None
        if value_text:
            try:
                parsed = _parse_value_text(value_text, self.decimal_comma)
            except ParseError as error:
                if not given:
                    report.add_error(row, "value_text", f"{error}; or give value, lower and upper as numbers")
                    return
        elif not given:
            report.add_error(row, "value_text", "no value: give value_text (as the source writes it) or value")
            return

        if parsed is not None:
            for column in ("value", "lower", "upper"):
                if column in given and given[column] != getattr(parsed, column):
                    exact_as_about = (column == "value" and parsed.qualifier == Qualifier.EXACT
                                      and qualifier == Qualifier.APPROXIMATE and given[column] == parsed.value)
                    if not exact_as_about:
                        report.add_error(row, column, _contradiction(column, given[column], value_text, parsed))
            if qualifier and qualifier != parsed.qualifier and not (
                qualifier == Qualifier.APPROXIMATE and parsed.qualifier == Qualifier.EXACT
            ):
                report.add_error(row, "qualifier", f"“{qualifier}” contradicts the value text “{value_text}”, which "
                                                   f"reads as {parsed.qualifier.replace('_', ' ')}")
            if report.error_count > errors_before:
                return
            qualifier = qualifier or parsed.qualifier
            numbers = {c: given.get(c, getattr(parsed, c)) for c in ("value", "lower", "upper")}
        else:
            numbers = {c: given.get(c) for c in ("value", "lower", "upper")}
            qualifier = qualifier or (Qualifier.EXACT if numbers["value"] is not None else Qualifier.RANGE)
            value_text = value_text or _bounds_text(qualifier, numbers)

        if problem := bounds_problem(qualifier, **numbers):
            report.add_error(row, problem[0], problem[1])
            return
        if metric is not None:
            for column, number in numbers.items():
                if metric.out_of_range(number):
                    report.add_error(row, column, f"{_plain(number)} is outside the range of {metric.name}: "
                                                  f"expected {metric.range_display}")
                    return
        values.update(numbers, qualifier=qualifier, value_text=value_text[:300])
        values["_value_text_was_number"] = isinstance(record.get("value_text"), int | float | Decimal)

    def number(self, cell) -> Decimal:
        if isinstance(cell, bool):
            raise ParseError(f"“{cell}” is not a number")
        if isinstance(cell, int | Decimal):
            return Decimal(cell)
        if isinstance(cell, float):
            return Decimal(repr(cell))
        text = str(cell).strip()
        for suffix in ("%", "percent", "per cent"):
            if text.lower().endswith(suffix):
                text = text[: -len(suffix)].strip()
        return parse_number(text, decimal_comma=self.decimal_comma)

    # Matching against what factbase already has --------------------------------------------------

    def existing_for(self, candidates) -> dict:
        fields = [f.attname for f in Figure._meta.concrete_fields if f.get_internal_type() != "SearchVectorField"]
        ids = {values["id"] for _, _, values in candidates if "id" in values}
        by_key = {}
        keyless = [values for _, _, values in candidates if "id" not in values]
        found = {}
        if ids:
            found.update({row["id"]: row for row in Figure.objects.filter(pk__in=ids).values(*fields)})
        if keyless:
            # Match on the whole natural key at once, so the lookup stays selective however big the table is.
            keys = list({_natural_key(values) for values in keyless})
            if connection.vendor == "postgresql":
                # Six array parameters instead of thousands of scalars, and one index probe per key
                # (LATERAL … LIMIT 1 on the comparison index): the cost follows the file, not the table.
                with connection.cursor() as cursor:
                    cursor.execute(_PG_KEY_LOOKUP, [list(column) for column in zip(*keys, strict=True)])
                    query = Figure.objects.filter(pk__in=[pk for (pk,) in cursor.fetchall()])
            else:
                table = connection.ops.quote_name(Figure._meta.db_table)
                columns = ", ".join(f"{table}.{connection.ops.quote_name(c)}" for c in _KEY_COLUMNS)
                candidates = "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(keys))
                params = [part for key in keys for part in key]
                query = Figure.objects.extra(where=[f"({columns}) IN ({candidates})"], params=params)
            for row in query.order_by("id").values(*fields):
                by_key.setdefault(_natural_key(row), row)
        return {"id": found, "key": by_key}

    def match_and_compare(self, row, record, values, existing, new, updates, present) -> None:
        report = self.report
        source_text = values.pop("_source_text", "")
        number_cell = values.pop("_value_text_was_number", False)
        key = _natural_key(values)
        digest = hash(key)
        if "id" in values:
            current = existing["id"].get(values["id"])
            if current is None:
                report.add_error(row, "id", f"there is no figure {values['id']}; leave id empty to add a new figure")
                return
            if (first := self.seen_ids.get(values["id"])) is not None:
                report.add_error(row, "id", f"figure {values['id']} appears twice in the file (rows {first} and "
                                            f"{row}); keep one of them")
                return
        else:
            current = existing["key"].get(key)
        if (first := self.seen_keys.get(digest)) is not None:
            report.add_error(row, None, f"duplicates row {first} (same source, metric, subject, period and value "
                                        f"text); remove one of them")
            return
        self.seen_keys[digest] = row
        if current is not None:
            self.seen_ids[current["id"]] = row

        if current is None:
            figure = {
                **values, "id": None, "status": values.get("status", Status.DRAFT), "note": values.get("note", ""),
                "attributed_to_id": values.get("attributed_to_id"), "origin_role": Figure.OriginRole.UNKNOWN,
                "rank": Figure.Rank.NORMAL, "rank_reason": "", "claim_id": None, "supersedes_id": None,
                "ref": None, "created_by_id": self.user.pk if self.user else None, "created_at": self.now,
            }
            for name, default in _DEFAULTS.items():  # derived fields the model adds, at their defaults
                figure.setdefault(name, default)
            if figure["status"] in VERDICTS:
                report.add_error(row, "status", f"“{figure['status']}” is a reviewer's verdict; a new figure starts "
                                                f"as draft or unverified and gets its verdict from a review")
                return
            self.anchor(figure, source_text)
            figure.update(import_batch_id=self.batch_id, import_row=row, updated_at=self.now)
            new.append((row, figure))
            report.new += 1
            self.keep(row, "new", None, figure, [])
            return

        if number_cell and values.get("value_text") != current["value_text"]:
            # A spreadsheet turned "1,234" into the number 1234: the same figure, keep the wording.
            try:
                if parse_value_text(current["value_text"]) == parse_value_text(values["value_text"]):
                    values["value_text"] = current["value_text"]
            except ParseError:
                pass
        changes = [(name, current[name], values[name]) for name in COMPARED_FIELDS
                   if name in values and values[name] != current[name]]
        if any(name == "status" and new_value in VERDICTS for name, _, new_value in changes):
            report.add_error(row, "status", "a verdict (verified, disputed, false…) is given by a review, not by an "
                                            "import; keep the figure's current status or use draft/unverified")
            return
        if not changes:
            report.unchanged += 1
            self.keep(row, "unchanged", current["id"], current, [])
            return
        figure = {**current, **{name: value for name, _, value in changes}}
        self.touched_keys.add(tuple(current[name] for name in comparisons.KEY_FIELDS))
        self.anchor(figure, source_text)
        figure.update(import_batch_id=self.batch_id, import_row=row, updated_at=self.now)
        updates.append((row, figure))
        report.updated += 1
        self.keep(row, "updated", current["id"], figure, changes)

    @property
    def batch_id(self):
        return self.report.batch.pk if self.report.batch else None

    def anchor(self, figure: dict, source_text: str) -> None:
        hint = None
        if figure.get("anchor_start") is not None:
            hint = anchors.Anchor(figure["anchor_start"], figure["anchor_end"], figure["anchor_prefix"],
                                  figure["anchor_suffix"])
        found = anchors.locate(source_text, figure["value_text"], hint=hint) if source_text else None
        figure.update(
            anchor_start=found.start if found else None, anchor_end=found.end if found else None,
            anchor_prefix=found.prefix if found else "", anchor_suffix=found.suffix if found else "",
        )

    def keep(self, row, action, figure_id, figure, changes) -> None:
        if self.keep_rows:
            label = f"{figure.get('value_text', '')}"
            self.report.rows.append(RowResult(row, action, figure_id, label, changes))

    def change_reason(self, row: int) -> str:
        batch = f"Import #{self.batch_id}" if self.batch_id else "Import"
        return f"{batch} of {self.report.file_name}, row {row}"[:100]

    # Writing ---------------------------------------------------------------------------------------

    def write(self, new: list[tuple[int, dict]], updates: list[tuple[int, dict]]) -> None:
        if self.report.dry_run or not (new or updates):
            return
        # Fields a database trigger fills (the search vector) are left to it.
        sample = (new or updates)[0][1]
        figure_fields = [f for f in Figure._meta.concrete_fields if f.attname in sample or f.primary_key]
        if new:
            if self.use_copy:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                        [Figure._meta.db_table, len(new)],
                    )
                    for (_, figure), (pk,) in zip(new, cursor.fetchall(), strict=True):
                        figure["id"] = pk
                self.copy(Figure._meta.db_table, [f.column for f in figure_fields],
                          ([figure[f.attname] for f in figure_fields] for _, figure in new))
            else:
                objects = Figure.objects.bulk_create(
                    [Figure(**{f.attname: figure[f.attname] for f in figure_fields if f.attname != "id"})
                     for _, figure in new], batch_size=500,
                )
                for (_, figure), obj in zip(new, objects, strict=True):
                    figure["id"] = obj.pk
        if updates:
            fields = [name.removesuffix("_id") if name.endswith("_id") else name for name in COMPARED_FIELDS]
            fields += ["anchor_start", "anchor_end", "anchor_prefix", "anchor_suffix", "import_batch", "import_row",
                       "updated_at"]
            Figure.objects.bulk_update(
                [Figure(**{f.attname: figure[f.attname] for f in figure_fields}) for _, figure in updates],
                fields, batch_size=500,
            )
        self.write_history([("+", row, figure) for row, figure in new] + [("~", row, f) for row, f in updates])
        self.touched_keys.update(tuple(figure[name] for name in comparisons.KEY_FIELDS) for _, figure in new + updates)

    def refresh_comparisons(self) -> None:
        """Bulk writes send no signals: bring the comparisons of every touched group up to date."""
        keys = sorted(self.touched_keys, key=str)
        if len(keys) > 2000:
            # Thousands of groups: one pass over the table beats thousands of small refreshes.
            comparisons.rebuild()
            return
        for start in range(0, len(keys), 200):
            comparisons.refresh(keys[start : start + 200])

    def write_history(self, entries) -> None:
        model = self.history
        tracked = [f for f in model._meta.concrete_fields if not f.attname.startswith("history_")]
        user_id = self.user.pk if self.user else None
        extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]

        def values(kind, row, figure):
            return [figure.get(f.attname) for f in tracked] + [self.now, self.change_reason(row), kind, user_id]

        if self.use_copy:
            columns = [f.column for f in tracked] + extra
            self.copy(model._meta.db_table, columns, (values(*entry) for entry in entries))
        else:
            model.objects.bulk_create(
                [model(**dict(zip([f.attname for f in tracked] + extra, values(*entry), strict=True)))
                 for entry in entries], batch_size=500,
            )

    def copy(self, table: str, columns: list[str], rows: Iterable[list]) -> None:
        sql = f'COPY {table} ({", ".join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN'
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


@lru_cache(maxsize=65536)
def _parse_value_text(text: str, decimal_comma: bool):
    # Files repeat their wordings; parse each one once.
    return parse_value_text(text, decimal_comma=decimal_comma)


@lru_cache(maxsize=65536)
def _period(start, end):
    return period_from_cells(start, end)


_DEFAULTS = {
    f.attname: f.get_default() for f in Figure._meta.concrete_fields if f.has_default() and not f.primary_key
}
_PG_KEY_LOOKUP = """
SELECT f.id FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::date[], %s::date[], %s::text[])
    AS k(source_id, metric_id, subject_id, period_start, period_end, value_text)
CROSS JOIN LATERAL (
    SELECT id FROM claims_figure f
    WHERE f.metric_id = k.metric_id AND f.subject_id = k.subject_id AND f.period_start = k.period_start
      AND f.period_end = k.period_end AND f.source_id = k.source_id AND f.value_text = k.value_text
    ORDER BY id LIMIT 1
) f
"""
_KEY_COLUMNS = ["source_id", "metric_id", "subject_id", "period_start", "period_end", "value_text"]


def _natural_key(values: dict) -> tuple:
    return (values.get("source_id"), values.get("metric_id"), values.get("subject_id"), values.get("period_start"),
            values.get("period_end"), values.get("value_text"))


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def _cell(cell):
    """A period cell as the parser wants it: dates stay dates, the rest becomes text."""
    if isinstance(cell, date):
        return cell
    return _text(cell)


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _bounds_text(qualifier: str, numbers: dict) -> str:
    value, lower, upper = numbers["value"], numbers["lower"], numbers["upper"]
    return {
        "exact": lambda: _plain(value), "approximate": lambda: f"about {_plain(value)}",
        "more_than": lambda: f"more than {_plain(lower)}", "at_least": lambda: f"at least {_plain(lower)}",
        "less_than": lambda: f"less than {_plain(upper)}", "at_most": lambda: f"at most {_plain(upper)}",
        "range": lambda: f"{_plain(lower)}–{_plain(upper)}",
    }[qualifier]() if all(numbers[c] is not None for c in _NEEDED[qualifier]) else ""


_NEEDED = {"exact": ["value"], "approximate": ["value"], "more_than": ["lower"], "at_least": ["lower"],
           "less_than": ["upper"], "at_most": ["upper"], "range": ["lower", "upper"]}


def _contradiction(column: str, given: Decimal, value_text: str, parsed) -> str:
    meaning = getattr(parsed, column)
    reading = "no " + {"value": "value", "lower": "lower bound", "upper": "upper bound"}[column]
    if meaning is not None:
        reading = f"{column} {_plain(meaning)}"
    return f"{_plain(given)} contradicts the value text “{value_text}” ({reading}); fix one or leave this cell empty"
