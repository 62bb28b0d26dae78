"""Imports and large exports as background jobs: a check with a progress bar, Confirm, the write all or nothing,
a dead worker's job said failed, each job seen only by its starter; a big spreadsheet prepared, not streamed.

The jobs run on the real database task backend, by the real worker loop (`manage.py db_worker --batch`) run in
the test's process (the run_worker fixture).
"""

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from claims.models import Figure, ImportBatch
from jobs import progress
from jobs.models import Job

FILES = Path(__file__).parent / "files"


def upload(client, name="researcher.csv", content=None, model="figure", **form):
    data = io.BytesIO(content if content is not None else (FILES / name).read_bytes())
    data.name = name
    return client.post(reverse(f"admin:claims_{model}_import"), {"file": data, "create_missing": "on", **form})


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def test_an_upload_starts_a_check_that_writes_nothing_and_shows_its_preview(reference_data, curator_client,
                                                                            run_worker):
    started = upload(curator_client)
    job = Job.objects.get()
    assert started.status_code == 302 and started["Location"] == job.get_absolute_url()
    assert job.kind == Job.Kind.IMPORT_CHECK and job.state == Job.State.QUEUED and job.user.username == "curator"
    waiting = curator_client.get(job.get_absolute_url()).content.decode()
    assert 'id="job-bar"' in waiting and "waiting for a worker" in waiting and "Confirm the import" not in waiting
    run_worker()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.rows_read == 9 and job.rows_written == 0
    page = curator_client.get(job.get_absolute_url()).content.decode()
    assert "Confirm the import" in page and 'class="import-new"' in page and "source <b>new-report</b>" in page
    assert not Figure.objects.exists() and not ImportBatch.objects.exists()
    status = curator_client.get(reverse("admin:jobs_job_status", args=[job.pk])).json()
    assert status["state"] == "done" and status["finished"] and status["percent"] == 100


def test_confirm_writes_the_rows_once_however_often_it_is_pressed(reference_data, curator_client, run_worker,
                                                                 settings):
    upload(curator_client)
    run_worker()
    check = Job.objects.get()
    confirm = reverse("admin:jobs_job_confirm", args=[check.pk])
    first, second = curator_client.post(confirm), curator_client.post(confirm)  # two tabs
    assert first["Location"] == second["Location"] and Job.objects.filter(kind=Job.Kind.IMPORT).count() == 1
    run_worker()
    imported = Job.objects.get(kind=Job.Kind.IMPORT)
    assert imported.state == Job.State.DONE and imported.rows_written == 9 and imported.preview == check
    assert Figure.objects.count() == 9 and ImportBatch.objects.count() == 1
    page = curator_client.get(imported.get_absolute_url()).content.decode()
    assert f"Import #{ImportBatch.objects.get().pk}" in page and "The import batch" in page
    assert not imported.file and not list((Path(settings.MEDIA_ROOT) / "jobs" / "uploads").iterdir())
    assert "Confirmed" in curator_client.get(check.get_absolute_url()).content.decode()


def test_a_file_with_errors_lists_them_and_cannot_be_confirmed(reference_data, curator_client, run_worker):
    header = (FILES / "researcher.csv").read_text().splitlines()[0]
    upload(curator_client, "bad.csv", f"{header}\nzhanaozen-report,gini-coefficient,kazakhstan,2011,,29\n".encode())
    run_worker()
    check = Job.objects.get()
    page = curator_client.get(check.get_absolute_url()).content.decode()
    assert "29 is outside the range of Gini coefficient" in page and "Confirm the import" not in page
    assert curator_client.post(reverse("admin:jobs_job_confirm", args=[check.pk])).status_code == 302
    assert not Job.objects.filter(kind=Job.Kind.IMPORT).exists()
    check.refresh_from_db()
    assert check.file == "" and not Figure.objects.exists()  # the upload went with the errors


def test_an_import_that_fails_while_writing_leaves_nothing_and_says_failed(reference_data, curator_client,
                                                                           run_worker, monkeypatch):
    from claims.imports import writing

    upload(curator_client)
    run_worker()
    curator_client.post(reverse("admin:jobs_job_confirm", args=[Job.objects.get().pk]))

    def broken(self, new, updated):
        raise OSError("disk full")

    monkeypatch.setattr(writing.Writer, "write", broken)
    run_worker()
    imported = Job.objects.get(kind=Job.Kind.IMPORT)
    assert imported.state == Job.State.FAILED and imported.summary == "failed: OSError: disk full"
    assert not Figure.objects.exists() and not ImportBatch.objects.exists()
    page = curator_client.get(imported.get_absolute_url()).content.decode()
    assert "failed: OSError: disk full" in page and "Nothing of this file was written" in page


def test_a_job_whose_worker_died_is_shown_failed(reference_data, curator_client, run_worker, settings):
    upload(curator_client)
    job = Job.objects.get()
    assert job.start()  # a worker took it, wrote its progress once, and was killed
    progress.write(job.pk, rows_read=2000, rows_written=0, fraction=0.4)
    page = curator_client.get(job.get_absolute_url()).content.decode()
    assert "running" in page and "2,000" in page  # alive a moment ago: still running
    long_ago = time.time() - settings.JOB_STALE_SECONDS - 5
    os.utime(Path(settings.MEDIA_ROOT) / "jobs" / "progress" / f"{job.pk}.json", (long_ago, long_ago))
    status = curator_client.get(reverse("admin:jobs_job_status", args=[job.pk])).json()
    assert status["state"] == "failed" and "worker running this job stopped" in status["summary"]
    assert "nothing was written" in curator_client.get(job.get_absolute_url()).content.decode()
    run_worker()  # its task, delivered again, does not run a failed job
    job.refresh_from_db()
    assert job.state == Job.State.FAILED


def test_a_job_is_seen_and_confirmed_only_by_its_starter_or_a_superuser(reference_data, client, curator,
                                                                       other_curator, run_worker):
    client.force_login(curator)
    upload(client)
    run_worker()
    check = Job.objects.get()
    client.force_login(other_curator)
    assert client.get(check.get_absolute_url()).status_code == 404
    assert client.get(reverse("admin:jobs_job_status", args=[check.pk])).status_code == 404
    assert client.post(reverse("admin:jobs_job_confirm", args=[check.pk])).status_code == 404
    assert "researcher.csv" not in client.get(reverse("admin:jobs_job_changelist")).content.decode()
    assert not Job.objects.filter(kind=Job.Kind.IMPORT).exists()
    client.force_login(User.objects.create_superuser("boss", password="pw-for-tests-only"))
    assert "Confirm the import" in client.get(check.get_absolute_url()).content.decode()
    client.force_login(curator)
    assert "researcher.csv" in client.get(reverse("admin:jobs_job_changelist")).content.decode()


def test_a_researcher_cannot_start_an_import(reference_data, client, researcher, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(researcher)
    assert upload(client).status_code == 403 and not Job.objects.exists()


def test_the_job_page_works_without_javascript(reference_data, curator_client, run_worker):
    upload(curator_client)
    page = curator_client.get(Job.objects.get().get_absolute_url()).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page  # reloads itself without JS
    assert "/static/jobs.js" in page and "<script>" not in page  # no inline script: CSP holds
    assert ">Reload</a>" in page


def test_the_status_says_how_far_a_running_job_got_and_the_time_left(reference_data, curator_client, run_worker):
    upload(curator_client)
    job = Job.objects.get()
    job.start()
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(seconds=30))
    progress.write(job.pk, rows_read=50_000, rows_written=0, fraction=0.25)
    status = curator_client.get(reverse("admin:jobs_job_status", args=[job.pk])).json()
    assert status["rows_read"] == 50_000 and status["percent"] == 25
    assert status["seconds_left"] == 90 and status["time_left"] == "about 2 min"


def test_old_uploads_and_prepared_files_are_swept(reference_data, curator_client, run_worker, settings):
    from jobs.tasks import sweep

    upload(curator_client)
    run_worker()
    check = Job.objects.get()
    stored = Path(settings.MEDIA_ROOT) / check.file
    assert stored.exists()
    Job.objects.filter(pk=check.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert sweep() == 1 and not stored.exists()
    assert "has expired" in curator_client.get(check.get_absolute_url()).content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_a_checks_progress_bar_knows_about_how_many_rows_the_file_holds(settings, tmp_path, fmt):
    from claims.exports import write_file
    from jobs.tasks import estimate_rows

    settings.MEDIA_ROOT = tmp_path
    with open(tmp_path / f"rows.{fmt}", "wb") as out:
        write_file(["source", "value_text"], ([f"s-{n}", str(n)] for n in range(250)), fmt, out)
    assert estimate_rows(f"rows.{fmt}") == 250
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    assert estimate_rows("broken.xlsx") is None and estimate_rows("rows.json") is None
