"""The one task: run a Job by its id. Imports (a check, then the write) and exports are its kinds.

Django's task API: django-tasks on Django 5.2; on Django 6 the import below becomes `from django.tasks import task`
(and "django_tasks" leaves INSTALLED_APPS). The backend is settings.TASKS: tasks queued in the database by default.
"""

import logging
import os
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.urls import Resolver404, resolve, reverse
from django_tasks import task

from jobs import progress
from jobs.models import MAX_ERRORS, Job

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 1000  # rows a check keeps to show; its counts and errors cover every row
PROGRESS_EVERY = 2000  # an export says how far it got every this many rows


@task()
def run_job(job_id: str) -> str:
    job = Job.objects.select_related("user").get(pk=job_id)
    if not job.start():
        return f"job {job_id} had already run"  # delivered twice: the first delivery ran it
    try:
        with progress.heartbeat(job.pk):
            if job.kind == Job.Kind.EXPORT:
                run_export(job)
            else:
                run_import(job)
    except BaseException as error:  # recorded on the job, then re-raised for the task's own record
        logger.exception("job %s failed", job.pk)
        job.finish(Job.State.FAILED, f"failed: {type(error).__name__}: {error}")
        if job.kind != Job.Kind.EXPORT:
            remove_file(job)
        raise
    return job.summary


def enqueue(job: Job) -> Job:
    """Queue the job's task; if the queue refuses it, the job says so instead of waiting for ever."""
    try:
        result = run_job.enqueue(str(job.pk))
    except Exception as error:
        logger.exception("job %s could not be queued", job.pk)
        job.finish(Job.State.FAILED, f"failed: the job could not be queued ({type(error).__name__}); try again")
        return job
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    return job


# Imports ------------------------------------------------------------------------------------------------

def run_import(job: Job) -> None:
    from claims.imports import import_claims, import_figures

    importer = import_figures if job.model == "figure" else import_claims
    check = job.kind == Job.Kind.IMPORT_CHECK
    options = {**job.options, "encoding": job.options.get("encoding") or None}
    size = default_storage.size(job.file) or 1
    estimate = None if job.rows_total else estimate_rows(job.file)
    with default_storage.open(job.file, "rb") as stream:
        def report_progress(rows_read: int, rows_written: int) -> None:
            # The write knows the rows the check counted; a check, about as many rows as the file seems to hold,
            # else how far it is through the file (the reader reads ahead: a rough guide).
            expected = job.rows_total or estimate
            fraction = rows_read / expected if expected else stream.tell() / size
            progress.write(job.pk, rows_read=rows_read, rows_written=0 if check else rows_written, fraction=fraction)

        report = importer(stream, file_name=job.file_name, dry_run=check, user=job.user,
                          keep_rows=PREVIEW_ROWS if check else 0, progress=report_progress, **options)
    written = 0 if check else report.new + report.updated
    fields = {"rows_read": report.rows_read, "rows_written": written, "result": report_result(report)}
    if check:
        job.finish(Job.State.DONE, report.summary(), **fields)
        if not report.ok:
            remove_file(job)  # nothing can be confirmed: the upload goes now
    else:
        if report.ok:
            job.finish(Job.State.DONE, f"Import #{report.batch.pk}: {report.summary()}", **fields)
        else:
            job.finish(Job.State.FAILED, f"failed: {report.summary()}", **fields)
        remove_file(job)


ROW_MARKERS = {"csv": (None, b"\n"), "xlsx": ("xl/worksheets/sheet1.xml", b"<row"),
               "ods": ("content.xml", b"<table:table-row")}
ESTIMATE_MAX_BYTES = 512 * 1024 * 1024  # a progress bar is not worth unpacking more than this


def estimate_rows(name: str) -> int | None:
    """About how many rows a file holds, for the check's progress bar only: its line breaks (CSV), or the row
    elements of its first sheet (XLSX, ODS), counted in a quick pass. None when that cannot be told cheaply; the
    reader itself checks every limit."""
    fmt = name.rsplit(".", 1)[-1].lower()
    if fmt not in ROW_MARKERS:
        return None
    member, marker = ROW_MARKERS[fmt]
    count, tail, read = 0, b"", 0
    try:
        with default_storage.open(name, "rb") as stream:
            source = zipfile.ZipFile(stream).open(member) if member else stream  # noqa: SIM115 - closed below
            with source:
                while block := source.read(1 << 20):
                    read += len(block)
                    if read > ESTIMATE_MAX_BYTES:
                        return None
                    count += (tail + block).count(marker)
                    tail = block[-(len(marker) - 1):] if len(marker) > 1 else b""
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
        return None
    return max(count - 1, 1)  # the header is a row too


def report_result(report) -> dict:
    """What the job page shows of an import report, bounded: counts, the first errors, the first rows."""
    return {
        "ok": report.ok, "rows_read": report.rows_read, "new": report.new, "updated": report.updated,
        "unchanged": report.unchanged, "error_count": report.error_count,
        "errors": [str(error) for error in report.errors[:MAX_ERRORS]],
        "more_errors": report.error_count - min(len(report.errors), MAX_ERRORS),
        "created_sources": report.created_sources[:50], "created_sources_count": len(report.created_sources),
        "created_entities": report.created_entities[:50], "created_entities_count": len(report.created_entities),
        "batch": report.batch.pk if report.batch else None,
        "rows": [{"row": row.row, "action": row.action, "record_id": row.record_id, "label": row.label,
                  "changes": [[name, _text(old), _text(new)] for name, old, new in row.changes]}
                 for row in report.rows[:PREVIEW_ROWS]],
    }


def _text(value) -> str | None:
    return None if value is None or value == "" else str(value)[:200]


# Exports ------------------------------------------------------------------------------------------------

def export_view(path: str):
    """The list view that serves `path` (/figures/, /claims/, /sources/), or None if no list does."""
    from factbase.listing import FilteredListView

    try:
        function = resolve(path).func
    except Resolver404:
        return None
    view_class = getattr(function, "view_class", None)
    if view_class is None or not issubclass(view_class, FilteredListView):
        return None
    return view_class(**function.view_initkwargs)


def run_export(job: Job) -> None:
    """Write the list's rows for the stored filters to a file under MEDIA_ROOT, by the inline export's own
    writer: the file is the one the list would have served."""
    from claims.exports import write_file

    if job.options.get("admin"):
        table = admin_export_table(job)
    else:
        view = export_view(job.options["path"])
        filterset = view.filterset_for(QueryDict(job.options["query"]))
        table = view.export_table(view.in_screen_order(filterset)) if filterset.is_valid() else None
    if table is None:
        job.finish(Job.State.FAILED, "failed: the filters are no longer valid, or its starter may no longer see them")
        return
    rows, header, stem = table
    fmt = job.options["format"]
    written = 0

    def counted():
        nonlocal written
        for row in rows:
            written += 1
            if written % PROGRESS_EVERY == 0:
                progress.write(job.pk, rows_read=written, rows_written=written,
                               fraction=written / job.rows_total if job.rows_total else None)
            yield row

    target = Path(default_storage.path(job.file))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with open(partial, "wb") as out:
        write_file(header, counted(), fmt, out, sheet_name=stem)
    os.replace(partial, target)  # the download appears whole or not at all
    job.finish(Job.State.DONE, f"{written:,} rows ready to download", rows_read=written, rows_written=written)


def admin_export_table(job: Job):
    """An admin export's rows: its changelist, filtered and searched as when it was asked for, as its starter sees
    it now (None if they may no longer)."""
    from django.apps import apps
    from django.contrib import admin
    from django.test import RequestFactory

    model_admin = admin.site._registry[apps.get_model(job.model)]
    changelist = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    request = RequestFactory().get(changelist, QueryDict(job.options["query"]))
    request.user = job.user
    if job.user is None or not job.user.is_active or not model_admin.has_view_permission(request):
        return None
    return model_admin.spreadsheet_table(model_admin.changelist_queryset(request))


def remove_file(job: Job) -> None:
    if job.file:
        default_storage.delete(job.file)
        Job.objects.filter(pk=job.pk).update(file="")
        job.file = ""


def sweep() -> int:
    """Delete the files of jobs older than JOB_FILES_KEEP_HOURS that no job still needs; returns how many."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(hours=settings.JOB_FILES_KEEP_HOURS)
    old = Job.objects.filter(created_at__lt=cutoff).exclude(file="").exclude(
        state__in=[Job.State.QUEUED, Job.State.RUNNING])
    count = 0
    for job in old:
        remove_file(job)
        count += 1
    return count
