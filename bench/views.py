"""Page speed at 10,000, 100,000 and 1,000,000 figures on PostgreSQL.

    DEBUG=1 .venv/bin/python bench/views.py [--sizes 10000 100000 1000000] [--repeat 20]
        [--server postgres://postgres@127.0.0.1:5432]

Each size lives in its own database, factbase_bench_<size>, built once with
bench/corpus.py and reused on later runs (drop it to rebuild); each also holds one source with
10,000 figures (corpus.create_big_source), whose page and whose neighbour's page are measured. Each size is
measured in its own process: the public pages, the admin figure changelist as
factbase configures it (a count capped at 1,000, full-text search, orderings an
index serves), and a plain ModelAdmin with default settings and the same
columns, filters and search fields (the peer).

Requests go through Django's test client in-process (no network), after a
warm-up; p50/p95 over --repeat requests, and the queries of one request.
Prints one table; the JSON lands in bench/out/views.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/import_export.py is named like the library the admin imports: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

try:  # only when Django is configured (the measuring child process)
    from django.contrib import admin
    from django.urls import include, path

    from claims.admin import FigureAdmin
    from claims.models import Figure

    class PeerFigureAdmin(admin.ModelAdmin):
        """What most projects write: the same columns, filters and search, Django's defaults otherwise."""

        list_display = FigureAdmin.list_display[:1] + ["value", "metric", "subject", "period_start", "source",
                                                       "attributed_to", "status", "rank"]
        list_filter = FigureAdmin.list_filter
        search_fields = FigureAdmin.search_fields
        change_list_template = "admin/change_list.html"  # Django's own, not factbase's with its import button

    peer_site = admin.AdminSite(name="peer")
    peer_site.register(Figure, PeerFigureAdmin)
    urlpatterns = [path("bench-peer-admin/", peer_site.urls), path("", include("factbase.urls"))]
except Exception:  # noqa: BLE001 - imported by the parent process without settings
    urlpatterns = []


def cases(reference):
    """(group, name, url) for every page measured."""
    from claims.models import Figure, Metric
    from sources.models import Source

    busiest = Source.objects.public().order_by("id").values_list("slug", flat=True)[5]
    metric = Metric.objects.get(slug="death-toll")
    big = Figure.objects.public().filter(source__slug=reference.big_source).order_by("id").first()
    neighbour = (Figure.objects.public().filter(metric=big.metric_id, subject=big.subject_id,
                                                period_start=big.period_start).exclude(source=big.source_id)
                 .values_list("source__slug", flat=True).first())
    word = "Zhanaozen"  # a place in about 1 subject name in 25
    public = [
        ("public", "/figures/ no filter", "/figures/"),
        ("public", "/figures/ by source", f"/figures/?source={busiest}"),
        ("public", "/figures/ metric + value range", f"/figures/?metric={metric.slug}&value_min=50&value_max=120"),
        ("public", "/figures/ text search", f"/figures/?q={word}"),
        ("public", "/figures/ sorted by value", "/figures/?sort=-value"),
        ("public", "/figures/ deep page (100)", "/figures/?page=100"),
        ("public", "/figures/ conflicting=1", "/figures/?conflicting=1"),
        ("public", "/compare/", "/compare/"),
        ("public", "/compare/ by metric", f"/compare/?metric={metric.slug}"),
        ("public", "source page, 10,000 figures", f"/sources/{reference.big_source}/"),
        ("public", "source page, its neighbour", f"/sources/{neighbour}/"),
        ("public", "source page, a typical one", f"/sources/{busiest}/"),
    ]
    admin_cases = []
    for label, prefix in (("factbase", "/admin/"), ("peer", "/bench-peer-admin/")):
        base = f"{prefix}claims/figure/"
        admin_cases += [
            (f"admin {label}", "unfiltered", base),
            (f"admin {label}", "filtered", f"{base}?status__exact=verified&metric__id__exact={metric.pk}"),
            (f"admin {label}", "searched", f"{base}?q={word}"),
            (f"admin {label}", "sorted by value", f"{base}?o=-2"),
        ]
    del Figure
    return public + admin_cases


def measure(size: int, repeat: int) -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client

    from bench import corpus
    from claims.models import Figure

    call_command("migrate", verbosity=0)
    reference = corpus.reference_data()
    if Figure.objects.exclude(source__slug=corpus.BIG_SOURCE).count() != size:
        corpus.empty_figures()
        started = time.perf_counter()
        corpus.create_figures(size, reference)
        print(f"built {size:,} figures in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    # One source with 10,000 figures, each also reported by another source: its page and its neighbours'.
    reference.big_source = corpus.create_big_source(10_000)
    settings.ROOT_URLCONF = "bench.views"
    user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "", "bench")
    client = Client()
    client.force_login(user)
    results = []
    for group, name, url in cases(reference):
        for _ in range(2):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        # Counted by a wrapper: the test client's request_started signal empties connection.queries.
        executed = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            reset_queries()
            if timings[0] > 1500 and len(timings) >= 3:
                break  # the slow peer: three runs tell enough
        timings.sort()
        results.append({
            "size": size, "group": group, "name": name, "url": url, "queries": len(executed),
            "p50": statistics.median(timings), "p95": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
        })
        print(f"{size:>9,} {group:<18} {name:<32} p50 {results[-1]['p50']:7.1f} ms", file=sys.stderr)
    return results


def ensure_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.repeat)))
        return
    results = []
    for size in args.sizes:
        database = f"factbase_bench_{size}"
        ensure_database(args.server, database)
        env = dict(os.environ, DATABASE_URL=f"{args.server}/{database}", DEBUG="1")
        child = subprocess.run([sys.executable, __file__, "--one", str(size), "--repeat", str(args.repeat)],
                               env=env, capture_output=True, text=True, cwd=ROOT)
        if child.returncode:
            sys.exit(child.stderr[-3000:])
        results += json.loads(child.stdout)
    OUT.mkdir(exist_ok=True)
    (OUT / "views.json").write_text(json.dumps(results, indent=1))
    print_table(results, args.sizes)


def print_table(results, sizes):
    rows = {}
    for result in results:
        rows.setdefault((result["group"], result["name"]), {})[result["size"]] = result
    header = "| page | " + " | ".join(f"{size:,}: p50 / p95 ms (queries)" for size in sizes) + " | 1M ÷ 10k p95 |"
    print(header)
    print("|" + "---|" * (len(sizes) + 2))
    for (group, name), by_size in rows.items():
        cells = [f"{r['p50']:.0f} / {r['p95']:.0f} ({r['queries']})" if (r := by_size.get(size)) else "–"
                 for size in sizes]
        ratio = (f"{by_size[sizes[-1]]['p95'] / by_size[sizes[0]]['p95']:.1f}×"
                 if sizes[0] in by_size and sizes[-1] in by_size else "–")
        print(f"| {group}: {name} | " + " | ".join(cells) + f" | {ratio} |")


if __name__ == "__main__":
    main()
