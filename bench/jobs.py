"""A big workbook through the admin's background-job path, timed: upload, check, confirm, import.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fb_bench_jobs .venv/bin/python bench/jobs.py [--rows 200000]

Empties the figures of the database it is given, writes an N-row XLSX of the bench corpus (bench/import_export.py's
generator), uploads it to the admin import as a curator would (Django's test client), and runs the real worker
(`manage.py db_worker --batch`, its own process) for the check and again after Confirm. Prints one table: the time
from upload to the check's page saying done, from Confirm to the import's page saying done, and rows per second.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/import_export.py is named like the library: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")


def bench_corpus():
    spec = importlib.util.spec_from_file_location("bench_import_export", ROOT / "bench" / "import_export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_worker() -> None:
    subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload",
                    "--verbosity", "0"], cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a database this benchmark may empty.")
    media = tempfile.mkdtemp(prefix="factbase-bench-jobs-")
    os.environ["MEDIA_ROOT"] = media  # the worker's process reads it too

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from claims.exports import write_file
    from jobs.models import Job

    call_command("migrate", verbosity=0)
    corpus = bench_corpus()
    corpus.reference_data()
    corpus.empty_figures()
    csv_path, xlsx_path = Path(media) / "rows.csv", Path(media) / "rows.xlsx"
    corpus.write_csv(csv_path, args.rows)
    with open(csv_path, newline="", encoding="utf-8") as handle, open(xlsx_path, "wb") as out:
        import csv

        reader = csv.reader(handle)
        write_file(next(reader), reader, "xlsx", out, sheet_name="figures")
    size_mb = xlsx_path.stat().st_size / 1e6

    user, _ = User.objects.get_or_create(username="bench-jobs", defaults={"is_staff": True, "is_superuser": True})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    Job.objects.filter(user=user).delete()

    started = time.monotonic()
    with open(xlsx_path, "rb") as upload:
        response = client.post(reverse("admin:claims_figure_import"), {"file": upload})
    assert response.status_code == 302, response.content[:2000]
    uploaded = time.monotonic()
    run_worker()
    check = Job.objects.get(user=user, kind=Job.Kind.IMPORT_CHECK)
    assert client.get(response["Location"]).status_code == 200
    checked = time.monotonic()
    assert check.state == Job.State.DONE and check.result["ok"], (check.summary, check.result.get("errors", [])[:5])

    confirmed_at = time.monotonic()
    response = client.post(reverse("admin:jobs_job_confirm", args=[check.pk]))
    run_worker()
    imported = Job.objects.get(user=user, kind=Job.Kind.IMPORT)
    assert client.get(response["Location"]).status_code == 200
    done = time.monotonic()
    assert imported.state == Job.State.DONE, imported.summary

    rows = check.rows_read
    print(f"\nbench/jobs.py — {rows:,} rows, XLSX of {size_mb:.1f} MB, {django.db.connection.vendor}\n")
    print(f"{'step':<34}{'seconds':>10}{'rows/s':>12}")
    for step, seconds in [("upload (request)", uploaded - started),
                          ("check (worker, nothing written)", checked - uploaded),
                          ("import after Confirm (worker)", done - confirmed_at),
                          ("upload to written, in all", done - started)]:
        print(f"{step:<34}{seconds:>10.1f}{rows / seconds if seconds > 1 else float('nan'):>12,.0f}")
    print(f"\n{imported.summary}")


if __name__ == "__main__":
    main()
