"""The reviewers' queue at scale, on PostgreSQL: its first page, a deep page, and narrowed by source and by metric,
as a reviewer sees them; and the autocomplete of subjects, ranked.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/DATABASE .venv/bin/python bench/review_queue.py \
        [--size 100000] [--repeat 20]

The database's figures are replaced by --size figures from bench/corpus.py (as bench/api.py builds them) unless it
holds that many already. Prints p50/p95 over --repeat requests and the queries of one request.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from bench.api import measure, prepare_database
    from claims.models import Figure, Metric, Status

    prepare_database("bench/review_queue.py", args.size)
    reviewer, _ = User.objects.get_or_create(username="bench-reviewer", defaults={"is_staff": True})
    reviewer.groups.add(Group.objects.get(name="Reviewer"))
    client = Client(HTTP_HOST="localhost")
    client.force_login(reviewer)
    waiting = Figure.objects.filter(status=Status.UNVERIFIED)
    busiest = waiting.values("source_id").order_by().annotate(n=django.db.models.Count("id")).order_by("-n")[0]
    metric = Metric.objects.get(slug="death-toll")
    queue = "/admin/claims/review/queue/"
    autocomplete = "/admin/autocomplete/?app_label=claims&model_name=figure&field_name=subject&term="
    cases = [
        ("queue, first page", queue),
        ("queue, page 20 (1,000 rows in)", f"{queue}?page=20"),
        (f"queue, one source ({busiest['n']:,} waiting)", f"{queue}?source={busiest['source_id']}"),
        ("queue, one metric", f"{queue}?metric={metric.pk}"),
        ("review this", f"/admin/claims/review/add/?figure={waiting.order_by('pk').first().pk}"),
        ("autocomplete subject 'almaty'", f"{autocomplete}almaty"),
        ("autocomplete subject 'a'", f"{autocomplete}a"),
    ]
    print(f"| {args.size:,} figures, {waiting.count():,} awaiting review | p50 ms | p95 ms | queries |\n"
          "|---|---|---|---|")
    for name, url in cases:
        result = measure(client, url, args.repeat)
        print(f"| {name} | {result['p50']:.1f} | {result['p95']:.1f} | {result['queries']} |")


if __name__ == "__main__":
    main()
