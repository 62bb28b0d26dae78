"""The API at scale, on PostgreSQL: a first page, a page 10,000 rows into a cursor walk, and beside them the
public list's deepest page (an OFFSET of 9,950) for comparison; also comparisons, a filtered list and the feed.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/DATABASE .venv/bin/python bench/api.py \
        [--size 100000] [--repeat 20]

The database's figures are replaced by --size figures from bench/corpus.py unless it holds that many already.
Requests go through Django's test client in-process, after a warm-up; prints p50/p95 over --repeat requests and
the queries of one request.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
DEPTH = 10_000


def deep_cursor(client, url: str) -> str:
    """The `next` link after DEPTH rows of a walk, 200 rows a page."""
    link = f"{url}{'&' if '?' in url else '?'}page_size=200"
    for _ in range(DEPTH // 200):
        link = client.get(link).json()["next"]
    return link.replace("page_size=200", "page_size=50")


COLUMNS = ["source_id", "metric_id", "subject_id", "attributed_to_id", "period_start", "period_end",
           "period_precision", "qualifier", "value", "lower", "upper", "value_text", "origin_role", "rank",
           "rank_reason", "status", "verdict", "note", "anchor_prefix", "anchor_suffix", "dimensions", "found_in",
           "written_unit", "version", "created_at", "updated_at"]


def create_figures(n: int, reference) -> None:
    """bench/corpus.py's figures, COPYed with every column the figure table now requires (dimensions, verdict,
    found_in, written_unit, version), then the comparisons rebuilt."""
    from datetime import date

    from django.db import connection
    from django.utils import timezone

    from bench import corpus
    from claims import comparisons
    from claims.rules import VERDICTS

    now = timezone.now()
    seen, written = set(), 0  # the generator may repeat a figure's identity now and then: skip the repeats
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY claims_figure ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for source, metric, subject, origin, year, qualifier, value, lower, upper, text, status in corpus._figures(
                2 * n, reference, 2):
            identity = (metric[0], subject[0], year, source[0], text, origin[0] if origin else None)
            if identity in seen:
                continue
            if written == n:
                break
            seen.add(identity)
            written += 1
            copy.write_row((source[0], metric[0], subject[0], origin[0] if origin else None, date(year, 1, 1),
                            date(year, 12, 31), "year", qualifier, value, lower, upper, text,
                            "official" if origin else "author", "normal", "", status,
                            status if status in VERDICTS else "", "", "", "", "", "data", "", 1, now, now))
    comparisons.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_figure; ANALYZE claims_comparison; ANALYZE sources_source")


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection

    for _ in range(2):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"queries": len(executed), "p50": statistics.median(timings),
            "p95": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]}


def prepare_database(script: str, size: int) -> None:
    """Migrate the PostgreSQL database in DATABASE_URL and give it `size` generated figures (kept when it has them)."""
    from django.core.management import call_command
    from django.db import connection

    from bench import corpus
    from claims.models import Figure

    if connection.vendor != "postgresql":
        sys.exit(f"{script} measures PostgreSQL: set DATABASE_URL to a postgres:// database")
    call_command("migrate", verbosity=0)
    reference = corpus.reference_data()
    if Figure.objects.count() != size:
        corpus.empty_figures()
        started = time.perf_counter()
        create_figures(size, reference)
        print(f"built {size:,} figures in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")
    import django

    django.setup()
    from django.test import Client

    prepare_database("bench/api.py", args.size)
    client = Client(HTTP_HOST="localhost")
    cases = [
        ("API figures, first page", "/api/figures/?page_size=50"),
        (f"API figures, {DEPTH:,} rows in", deep_cursor(client, "/api/figures/")),
        (f"API figures by value, {DEPTH:,} rows in", deep_cursor(client, "/api/figures/?sort=value")),
        (f"API figures by source, {DEPTH:,} rows in", deep_cursor(client, "/api/figures/?sort=source")),
        ("page /figures/, page 200 (OFFSET 9,950)", "/figures/?page=200"),
        ("API figures, metric + conflicting", "/api/figures/?metric=death-toll&conflicting=1&page_size=50"),
        ("API comparisons, first page", "/api/comparisons/?page_size=50"),
        ("API sources, first page", "/api/sources/?page_size=50"),
        ("Atom feed", "/feed.atom"),
    ]
    print(f"| {args.size:,} figures | p50 ms | p95 ms | queries |\n|---|---|---|---|")
    for name, url in cases:
        result = measure(client, url, args.repeat)
        print(f"| {name} | {result['p50']:.1f} | {result['p95']:.1f} | {result['queries']} |")


if __name__ == "__main__":
    main()
