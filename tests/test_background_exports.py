"""Spreadsheets too big to write inside a request are prepared in the background, and are the same file.

XLSX and ODS downloads of more than EXPORT_SHEET_INLINE_MAX_ROWS rows get a page that offers to prepare them;
the prepared file is the inline export of the same filters; CSV and JSON always stream; outstanding jobs are
bounded per client and in all.
"""

import io
import zipfile

import pytest
from django.urls import reverse

from jobs.models import Job


@pytest.fixture
def figures(make_figure, make_entity, make_source):
    source = make_source()
    return [make_figure(source=source, subject=make_entity(f"Place {n}"), value_text=str(n)) for n in range(1, 6)]


def members(content: bytes) -> dict:
    """A spreadsheet's parts by name: a real workbook has several."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def prepare(client, url, **extra):
    form = client.get(url, **extra).context
    return client.post(reverse("jobs:start_export"), {"path": form["path"], "query": form["query"],
                                                      "format": form["fmt"]}, **extra)


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_big_spreadsheet_is_prepared_in_the_background_and_is_the_inline_file(client, figures, settings,
                                                                                run_worker, fmt):
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    url = f"/figures/?status=unverified&sort=value&format={fmt}"
    offer = client.get(url)
    page = offer.content.decode()
    assert offer.status_code == 200 and "This selection has 5 rows" in page and "Prepare it" in page
    assert 'name="csrfmiddlewaretoken"' in page and "format=csv" in page  # a POST; CSV offered at once
    started = prepare(client, url)
    job = Job.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/exports/{job.pk}/"
    assert job.kind == Job.Kind.EXPORT and job.user is None and job.rows_total == 5
    assert "being prepared" in client.get(started["Location"]).content.decode()
    run_worker()
    ready = client.get(started["Location"]).content.decode()
    assert "Your file is ready" in ready and f"/exports/{job.pk}/download" in ready
    download = client.get(reverse("jobs:export_download", args=[job.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="figures.{fmt}"'
    prepared = b"".join(download.streaming_content)
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 100
    inline = b"".join(client.get(url).streaming_content)
    assert prepared == inline and len(members(prepared)) > 1


def test_the_prepared_file_has_an_unguessable_name_and_goes_after_a_while(client, figures, settings, run_worker):
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    from jobs.tasks import sweep

    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    prepare(client, "/figures/?format=xlsx")
    run_worker()
    job = Job.objects.get()
    stored = Path(settings.MEDIA_ROOT) / job.file
    assert stored.exists() and len(stored.stem) == 32 and "figures" not in str(stored)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert sweep() == 1 and not stored.exists()
    assert "was removed after a day" in client.get(job.get_absolute_url()).content.decode()
    assert client.get(reverse("jobs:export_download", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_always_stream(client, figures, settings, fmt):
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    response = client.get(f"/figures/?format={fmt}")
    assert response.streaming and not Job.objects.exists()


def test_a_small_spreadsheet_is_still_served_at_once(client, figures, settings):
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 5
    assert client.get("/figures/?format=ods").streaming and not Job.objects.exists()


def test_asking_twice_prepares_one_file(client, figures, settings, run_worker):
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    first, second = prepare(client, "/figures/?format=xlsx"), prepare(client, "/figures/?format=xlsx")
    assert first["Location"] == second["Location"] and Job.objects.count() == 1


def test_outstanding_exports_are_bounded_per_client_and_in_all(client, figures, settings):
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    settings.EXPORT_JOBS_PER_CLIENT, settings.EXPORT_JOBS_MAX_OUTSTANDING = 2, 3
    for query in ("", "&sort=value"):
        assert prepare(client, f"/figures/?format=xlsx{query}").status_code == 302
    refused = prepare(client, "/figures/?format=ods")
    assert refused.status_code == 429 and "already have 2 downloads being prepared" in refused.content.decode()
    assert prepare(client, "/figures/?format=ods", REMOTE_ADDR="10.0.0.2").status_code == 302
    busy = prepare(client, "/figures/?format=xlsx&sort=-value", REMOTE_ADDR="10.0.0.3")
    assert busy.status_code == 503 and busy["Retry-After"] and Job.objects.count() == 3


def test_a_forged_request_to_prepare_is_refused(client, figures):
    for data in ({"path": "/admin/", "query": "", "format": "xlsx"},
                 {"path": "/figures/", "query": "", "format": "csv"},
                 {"path": "/figures/", "query": "period_after=0000-0001", "format": "xlsx"},
                 {"path": "/nowhere/", "query": "", "format": "xlsx"}):
        assert client.post(reverse("jobs:start_export"), data).status_code == 400, data
    assert client.get(reverse("jobs:start_export")).status_code == 405
    assert not Job.objects.exists()


def test_an_export_job_is_not_an_admin_job(client, figures, settings, admin_client):
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    prepare(client, "/figures/?format=xlsx")
    job = Job.objects.get()
    assert admin_client.get(reverse("admin:jobs_job_page", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:export_status", args=[job.pk])).json()["state"] == "queued"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_comparison_download_too_big_for_a_spreadsheet_offers_the_streamed_formats(client, make_figure,
                                                                                    make_source, make_entity,
                                                                                    settings, fmt):
    town = make_entity("Zhanaozen")
    for n in range(3):  # one comparison of three figures from three sources
        make_figure(source=make_source(), subject=town, value_text=str(100 + n))
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 2
    page = client.get(f"/compare/?format={fmt}")
    text = page.content.decode()
    assert page.status_code == 200 and "These comparisons hold 3 figures" in text
    assert "format=csv" in text and "format=json" in text and not Job.objects.exists()
    streamed = client.get("/compare/?format=csv")
    assert streamed.status_code == 200 and len(b"".join(streamed.streaming_content).splitlines()) == 4
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    assert client.get(f"/compare/?format={fmt}")["Content-Type"] != "text/html; charset=utf-8"


def test_a_big_admin_export_is_prepared_for_its_curator_alone(client, curator, other_curator, figures, settings,
                                                              run_worker):
    from django.contrib.auth.models import User

    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    client.force_login(curator)
    url = reverse("admin:claims_figure_export") + "?status__exact=unverified&format=xlsx"
    offer = client.get(url)
    assert "This selection has 5 figures" in offer.content.decode() and not Job.objects.exists()
    started = client.post(url)
    job = Job.objects.get()
    assert started["Location"] == reverse("admin:jobs_job_page", args=[job.pk]) and job.user == curator
    run_worker()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.rows_written == 5
    assert "Your file is ready" in client.get(started["Location"]).content.decode()
    prepared = b"".join(client.get(reverse("admin:jobs_job_download", args=[job.pk])).streaming_content)
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 100
    assert prepared == b"".join(client.get(url).streaming_content)  # the inline export of the same filter
    # Drafts may be in it: not a public file, and not another curator's.
    assert client.get(reverse("jobs:export_download", args=[job.pk])).status_code == 404
    client.force_login(other_curator)
    assert client.get(reverse("admin:jobs_job_download", args=[job.pk])).status_code == 404
    client.force_login(User.objects.create_superuser("boss", password="pw-for-tests-only"))
    assert client.get(reverse("admin:jobs_job_download", args=[job.pk])).status_code == 200


def test_readers_asking_for_the_same_rows_share_one_prepared_file(client, figures, settings, run_worker):
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    first = prepare(client, "/figures/?format=ods&status=unverified&sort=value")
    second = prepare(client, "/figures/?sort=value&format=ods&status=unverified", REMOTE_ADDR="10.0.0.2")
    assert first["Location"] == second["Location"] and Job.objects.count() == 1  # waiting on the same job
    run_worker()
    job = Job.objects.get()
    offer = client.get("/figures/?status=unverified&sort=value&format=ods", REMOTE_ADDR="10.0.0.3").content.decode()
    assert f"/exports/{job.pk}/download" in offer and "Prepare it" not in offer  # ready: no second file
    assert prepare(client, "/figures/?format=xlsx&status=unverified&sort=value", REMOTE_ADDR="10.0.0.3")["Location"] \
        != first["Location"]  # another format is another file


def test_a_change_to_the_data_prepares_a_new_file(client, figures, settings, run_worker, make_figure):
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    before = prepare(client, "/figures/?format=xlsx")
    run_worker()
    make_figure(value_text="70")
    offer = client.get("/figures/?format=xlsx").content.decode()
    assert "This selection has 6 rows" in offer and "Prepare it" in offer  # the file of 5 rows is not offered
    after = prepare(client, "/figures/?format=xlsx")
    assert after["Location"] != before["Location"] and Job.objects.count() == 2
    run_worker()
    assert Job.objects.get(pk=after["Location"].split("/")[2]).rows_written == 6


def test_the_background_worker_runs_below_the_web_servers_priority():
    """`manage.py db_worker` is factbase's: django-tasks' worker, niced first (JOB_WORKER_NICENESS)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import os, django; django.setup()\n"
        "from django_tasks_db.management.commands import db_worker\n"
        "db_worker.Command.handle = lambda self, *args, **options: print(os.getpriority(os.PRIO_PROCESS, 0))\n"
        "from django.core.management import call_command; call_command('db_worker', '--batch')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "factbase.test_settings", "JOB_WORKER_NICENESS": "7"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=Path(__file__).parent.parent,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) >= 7
