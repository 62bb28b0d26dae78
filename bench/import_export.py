"""Import and export speed, measured side by side on one database.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/factbase_bench_import \
        .venv/bin/python bench/import_export.py [--rows 100000] [--export-rows 100000 1000000]

Creates (and empties) the database named in DATABASE_URL, generates N figure
rows across realistic sources, metrics and subjects, and runs each contender
in its own process so that its peak memory (max RSS above the process's
baseline after Django starts) is its own:

- factbase CSV and XLSX import (claims.imports: full validation, history, batch)
- a plain django-import-export ModelResource with ForeignKeyWidgets (what most
  projects write), on a sample since it is slow, and the same with use_bulk
- raw bulk_create of pre-resolved Figure objects (no validation, no history)
- raw COPY of pre-resolved rows (PostgreSQL only: the floor)
- factbase claims import (the same pipeline: anchoring, natural key, history)
- export of CSV (and XLSX at the smaller size) at each --export-rows size

`--only ours-csv ours-xlsx copy claims` runs a subset; `--phases` says where our imports' time goes.

It prints one table.
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
# This file is named like the library it measures: keep its own folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")

COLUMNS = ["source", "metric", "subject", "period_start", "period_end", "value_text", "attributed_to", "status",
           "note", "found_in"]
PARAGRAPHS = 200
N_SOURCES, N_SUBJECTS, N_METRICS = 300, 2000, 30


def setup_django():
    import django

    django.setup()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reference_data():
    """Sources with text, metrics with ranges, subjects with aliases: made once, reused by every run."""
    from claims.models import Entity, Metric
    from sources.models import Outlet, Source

    if Source.objects.filter(slug="bench-source-0").exists():
        return
    outlets = Outlet.objects.bulk_create([Outlet(slug=f"outlet-{i}", name=f"Outlet {i}") for i in range(20)])
    Source.objects.bulk_create([
        Source(slug=f"bench-source-{i}", title=f"Report {i} on strikes and inequality", status="published",
               outlet=outlets[i % 20], text=" ".join(f"Paragraph {j}: officials said {j * 7} died; more than {j} "
                                                    f"were detained." for j in range(PARAGRAPHS)),
               content_hash="")
        for i in range(N_SOURCES)
    ])
    Metric.objects.bulk_create([
        Metric(slug=f"metric-{i}", name=f"Metric {i}", unit="people" if i % 3 else "percent", min_value=0,
               max_value=None if i % 3 else 100)
        for i in range(N_METRICS)
    ])
    Entity.objects.bulk_create([Entity(slug=f"subject-{i}", name=f"Subject {i}") for i in range(N_SUBJECTS)])


def write_csv(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    shapes = ["{}", "more than {}", "about {}", "{},000", "at least {}", "{}–{}", "some {}"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(n):
            metric = rng.randrange(N_METRICS)
            number = rng.randrange(1, 99)
            shape = shapes[i % len(shapes)] if metric % 3 else "{}%"
            value_text = shape.format(number, number + 5) if "–" in shape else shape.format(number)
            # Subjects × years repeat every 70,000 rows: each repetition spans one more year, so no two rows of
            # a million share an identity (the importer would refuse the file, and COPY the second row).
            year, repeat = 1990 + (i // N_SUBJECTS) % 35, i // (N_SUBJECTS * 35)
            writer.writerow([f"bench-source-{rng.randrange(N_SOURCES)}", f"metric-{metric}",
                             f"subject-{i % N_SUBJECTS}", year, year + repeat if repeat else "", value_text,
                             f"subject-{rng.randrange(N_SUBJECTS)}" if i % 2 else "", "unverified",
                             f"row {i}", "table"])


def write_claims_csv(path: Path, n: int) -> None:
    """Quotes that stand in the bench sources' texts, each (source, quote) once."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "quote", "speaker", "status", "note"])
        for i in range(n):
            source, paragraph, half = i % N_SOURCES, (i // N_SOURCES) % PARAGRAPHS, i // (N_SOURCES * PARAGRAPHS)
            quote = (f"Paragraph {paragraph}: officials said {paragraph * 7} died" if half % 2 == 0
                     else f"more than {paragraph} were detained")
            writer.writerow([f"bench-source-{source}", quote, f"subject-{i % N_SUBJECTS}", "unverified", f"row {i}"])


def empty_figures():
    from django.db import connection

    from claims.models import Claim, Figure, ImportBatch

    tables = [Figure.history.model._meta.db_table, Figure._meta.db_table, Claim.history.model._meta.db_table,
              Claim._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    ImportBatch.objects.all().delete()


def resolved_rows(path: Path):
    """Rows with foreign keys already looked up, for the raw contenders."""
    from datetime import date

    from claims.models import Entity, Metric
    from claims.parsing import parse_value_text
    from sources.models import Source

    sources = dict(Source.objects.values_list("slug", "pk"))
    metrics = dict(Metric.objects.values_list("slug", "pk"))
    entities = dict(Entity.objects.values_list("slug", "pk"))
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            parsed = parse_value_text(row["value_text"])
            year = int(row["period_start"])
            yield dict(source_id=sources[row["source"]], metric_id=metrics[row["metric"]],
                       subject_id=entities[row["subject"]], period_start=date(year, 1, 1),
                       period_end=date(int(row["period_end"] or year), 12, 31), period_precision="year",
                       value_text=row["value_text"],
                       qualifier=parsed.qualifier, value=parsed.value, lower=parsed.lower, upper=parsed.upper,
                       attributed_to_id=entities.get(row["attributed_to"]), status="unverified", note=row["note"])


# Contenders: each runs in its own process and prints "rows seconds rss_mb".

def run_ours(path: Path) -> int:
    from claims.imports import import_figures

    with open(path, "rb") as stream:
        report = import_figures(stream, file_name=path.name, keep_rows=0)
    assert report.ok, report.error_lines()[:5]
    return report.new + report.updated + report.unchanged


class Phases:
    """With --phases: where an import's time goes — seconds in each step, per thread (the importing thread reads,
    checks and compares; the database thread looks up and writes), and the CPU time of this process and of its
    PostgreSQL backend. The steps are timed by wrapping them, a few calls per chunk of 2,000 rows."""

    STEPS = [("claims.imports", "_Import", ["check", "resolve", "match"]),
             ("claims.imports", "Database", ["idle"]),
             ("claims.imports.matching", "Matcher", ["wanted", "existing"]),
             ("claims.imports.writing", "Writer", ["stage", "write", "stage_records", "insert_staged",
                                                   "refresh_comparisons"])]

    def __init__(self):
        import importlib
        import threading
        from collections import defaultdict

        self.seconds = defaultdict(float)
        for module, name, methods in self.STEPS:
            cls = getattr(importlib.import_module(module), name)
            for method in methods:
                setattr(cls, method, self.timed(getattr(cls, method), f"{name}.{method}", threading))

    def timed(self, method, label, threading):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                thread = "importing" if threading.current_thread() is threading.main_thread() else "database"
                self.seconds[(thread, label)] += time.perf_counter() - started
        return wrapper

    def start(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT NULL")
            self.backend = cursor.fetchone()[0]
        self.cpu = self.cpu_seconds()

    def cpu_seconds(self) -> tuple[float, float]:
        def of(pid):
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                return 0.0
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return of(os.getpid()), of(self.backend) if self.backend else 0.0

    def report(self, rows: int, seconds: float) -> None:
        python, postgres = (after - before for after, before in zip(self.cpu_seconds(), self.cpu, strict=True))
        print(f"PHASE wall {seconds:.1f} s = {seconds / rows * 1e6:.0f} µs a row; CPU: Python {python:.1f} s "
              f"({python / rows * 1e6:.0f} µs a row), its PostgreSQL backend {postgres:.1f} s "
              f"({postgres / rows * 1e6:.0f} µs a row)")
        for (thread, label), spent in sorted(self.seconds.items(), key=lambda item: -item[1]):
            print(f"PHASE   {thread:<9} {label:<30} {spent:7.1f} s {spent / rows * 1e6:6.0f} µs a row")


def run_claims(path: Path) -> int:
    from claims.imports import import_claims

    with open(path, "rb") as stream:
        report = import_claims(stream, file_name=path.name, keep_rows=0)
    assert report.ok, report.error_lines()[:5]
    return report.new


def plain_resource(use_bulk: bool, cached: bool = False):
    from import_export import fields, resources, widgets

    from claims.models import Entity, Figure, Metric
    from sources.models import Source

    widget = widgets.CachedForeignKeyWidget if cached else widgets.ForeignKeyWidget

    class PlainFigureResource(resources.ModelResource):
        source = fields.Field("source", "source", widget(Source, "slug"))
        metric = fields.Field("metric", "metric", widget(Metric, "slug"))
        subject = fields.Field("subject", "subject", widget(Entity, "slug"))

        class Meta:
            model = Figure
            fields = ["source", "metric", "subject", "period_start", "period_end", "value_text", "value", "lower",
                      "upper", "qualifier", "status", "note"]
            import_id_fields = []
            skip_diff = True

        def before_import_row(self, row, **kwargs):
            # The same derived fields ours fills, so both write the same rows.
            from claims.parsing import parse_value_text

            parsed = parse_value_text(row["value_text"])
            year = int(row["period_start"])
            row.update(period_start=f"{year}-01-01", period_end=f"{int(row['period_end'] or year)}-12-31",
                       qualifier=parsed.qualifier,
                       value=parsed.value, lower=parsed.lower, upper=parsed.upper)

    PlainFigureResource._meta.use_bulk = use_bulk
    return PlainFigureResource()


def run_plain(path: Path, use_bulk: bool, cached: bool = False) -> int:
    import tablib

    dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    result = plain_resource(use_bulk, cached).import_data(dataset, dry_run=False, raise_errors=True)
    return result.totals["new"]


def run_bulk_create(path: Path) -> int:
    from claims.models import Figure

    rows = [Figure(**row) for row in resolved_rows(path)]
    Figure.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def run_copy(path: Path) -> int:
    from django.db import connection

    from claims.models import Figure

    columns = ["source_id", "metric_id", "subject_id", "period_start", "period_end", "period_precision",
               "value_text", "qualifier", "value", "lower", "upper", "attributed_to_id", "status", "note"]
    extra = {"anchor_prefix": "", "anchor_suffix": "", "origin_role": "unknown", "rank": "normal",
             "rank_reason": "", "created_at": "now", "updated_at": "now", "verdict": "", "version": 1,
             "dimensions": "", "written_unit": "", "found_in": "table"}
    n = 0
    rows = resolved_rows(path)
    first = next(rows)  # the generator's own queries run before COPY takes the connection
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {Figure._meta.db_table} ({', '.join(columns + list(extra))}) FROM STDIN"
    ) as copy:
        for row in _chain(first, rows):
            copy.write_row([row[c] for c in columns] + list(extra.values()))
            n += 1
    return n


def _chain(first, rest):
    yield first
    yield from rest


def run_export(fmt: str, target: Path) -> int:
    from claims.exports import FIGURE_COLUMNS, figure_rows, write_file
    from claims.models import Figure

    with open(target, "wb") as handle:
        return write_file(FIGURE_COLUMNS, figure_rows(Figure.objects.all()), fmt, handle)


def child(args) -> None:
    setup_django()
    from django.db import transaction

    baseline = rss_mb()
    path = Path(args.file) if args.file else None
    phases = Phases() if args.phases and args.phase == "ours" else None
    if phases:
        phases.start()
    started = time.perf_counter()
    if args.phase == "ours":
        rows = run_ours(path)
    elif args.phase == "claims":
        rows = run_claims(path)
    elif args.phase in ("plain", "plain-bulk", "plain-tuned"):
        with transaction.atomic():
            rows = run_plain(path, args.phase != "plain", cached=args.phase == "plain-tuned")
    elif args.phase == "bulk_create":
        with transaction.atomic():
            rows = run_bulk_create(path)
    elif args.phase == "copy":
        with transaction.atomic():
            rows = run_copy(path)
    elif args.phase.startswith("export-"):
        rows = run_export(args.phase.split("-", 1)[1], OUT / f"export.{args.phase.split('-', 1)[1]}")
    else:
        raise SystemExit(f"unknown phase {args.phase}")
    seconds = time.perf_counter() - started
    print(f"RESULT {rows} {seconds:.3f} {max(rss_mb() - baseline, 0):.1f}")
    if phases:
        phases.report(rows, seconds)


def measure(phase: str, file: Path | None = None, phases: bool = False) -> tuple[int, float, float]:
    command = [sys.executable, __file__, "--child", phase] + (["--file", str(file)] if file else []) + (
        ["--phases"] if phases else [])
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
    if line is None:
        raise SystemExit(f"{phase} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    for x in done.stdout.splitlines():
        if x.startswith("PHASE"):
            print(f"    {x[6:]}", file=sys.stderr)
    rows, seconds, memory = line.split()[1:]
    return int(rows), float(seconds), float(memory)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--plain-rows", type=int, default=5_000, help="The plain resource is slow: a sample.")
    parser.add_argument("--export-rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--only", nargs="*", help="ours-csv ours-xlsx plain plain-bulk plain-tuned bulk_create copy "
                                                   "claims export")
    parser.add_argument("--phases", action="store_true", help="Where our imports' time goes, step by step.")
    parser.add_argument("--child")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.child:
        args.phase = args.child
        return child(args)

    setup_django()
    from django.core.management import call_command
    from django.db import connection

    OUT.mkdir(exist_ok=True)
    call_command("migrate", verbosity=0)
    reference_data()
    big, sample = OUT / "figures.csv", OUT / "sample.csv"
    write_csv(big, args.rows)
    write_csv(sample, args.plain_rows, seed=2)
    xlsx = OUT / "figures.xlsx"
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    with open(big, newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    workbook.save(xlsx)

    results = []
    write_claims_csv(OUT / "claims.csv", args.rows)

    def wanted(name):
        return not args.only or name in args.only

    def contender(label, phase, file, name=None):
        if not wanted(name or phase):
            return
        empty_figures()
        rows, seconds, memory = measure(phase, file, phases=args.phases)
        results.append((label, rows, seconds, memory))
        print(f"  {label}: {rows:,} rows in {seconds:.1f} s", file=sys.stderr)

    print(f"Database: {connection.vendor}; {args.rows:,} rows", file=sys.stderr)
    contender("factbase import, CSV (validation + history)", "ours", big, "ours-csv")
    contender("factbase import, XLSX (validation + history)", "ours", xlsx, "ours-xlsx")
    contender("plain ModelResource + ForeignKeyWidget", "plain", sample)
    contender("plain ModelResource, use_bulk", "plain-bulk", sample)
    contender("best-tuned peer: use_bulk + CachedForeignKeyWidget (no history)", "plain-tuned", big)
    contender("raw bulk_create (no validation, no history)", "bulk_create", big)
    if connection.vendor == "postgresql":
        contender("raw COPY (the floor)", "copy", big)
    contender("factbase claims import (anchoring + history)", "claims", OUT / "claims.csv")
    for size in args.export_rows if wanted("export") else []:
        empty_figures()
        write_csv(OUT / "export-source.csv", size, seed=3)
        measure("copy" if connection.vendor == "postgresql" else "bulk_create", OUT / "export-source.csv")
        for fmt in ("csv", "xlsx") if size <= 100_000 else ("csv",):
            rows, seconds, memory = measure(f"export-{fmt}")
            results.append((f"export {fmt.upper()} at {size:,} figures", rows, seconds, memory))
            print(f"  export {fmt} {size:,}: {seconds:.1f} s", file=sys.stderr)
    empty_figures()

    print(f"\n{'contender':<64} {'rows':>10} {'seconds':>9} {'rows/s':>10} {'peak MB':>8}")
    for label, rows, seconds, memory in results:
        print(f"{label:<64} {rows:>10,} {seconds:>9.1f} {rows / seconds:>10,.0f} {memory:>8.0f}")


if __name__ == "__main__":
    main()
