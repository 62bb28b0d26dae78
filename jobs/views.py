"""Large spreadsheet downloads, prepared in the background: the offer, the job page, its status and the file.

The public lists are public, so anyone may ask; what one client (and everyone together) may have waiting or
running at once is bounded. A prepared file is reached only through its job's unguessable id.
"""

import hashlib
import json
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from factbase import public_cache
from factbase.listing import BACKGROUND_FORMATS
from factbase.throttling import client_ip
from jobs.models import Job
from jobs.tasks import enqueue, export_view, sweep


def offer_export(request, fmt: str, count: int):
    """Instead of a spreadsheet too big to write inside a request: a page that offers to prepare it (or the file
    already prepared from the same rows)."""
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("page", None)
    stream_query = query.copy()
    stream_query["format"] = "csv"
    ready = shared_export(export_options(request.path, query.urlencode(), fmt), done=True)
    context = {"count": count, "format": fmt.upper(), "fmt": fmt, "path": request.path, "query": query.urlencode(),
               "csv_url": f"{request.path}?{stream_query.urlencode()}",
               "limit": settings.EXPORT_SHEET_INLINE_MAX_ROWS, "ready": ready}
    return render(request, "jobs/export_offer.html", context)


def export_options(path: str, query: str, fmt: str) -> dict:
    """What makes two exports one file: the list, its filters in one order, the format and, when every web worker
    shares it (public_cache.shared), the public data's generation, which every write replaces."""
    options = {"path": path, "query": public_cache.normalised_query(QueryDict(query), drop=("page", "format")),
               "format": fmt}
    if public_cache.shared():
        options["generation"] = public_cache.generation()
    return options


def shared_export(options: dict, client: str | None = None, done: bool = False) -> Job | None:
    """An export of these options being prepared or ready, to reuse rather than write again.

    With the generation in the options, the file holds the data as it is now, and is anyone's (the lists are
    public): eight readers asking for every figure as ODS get one file. Without it, only the asker's own.
    """
    jobs = Job.objects.public_exports().filter(options=options)
    if "generation" not in options:
        if client is None:
            return None
        jobs = jobs.filter(client=client)
    ready = ~Q(file="") & Q(state=Job.State.DONE)
    return jobs.filter(ready if done else ready | Q(state__in=[Job.State.QUEUED, Job.State.RUNNING])).first()


def client_key(request) -> str:
    """The client's address, hashed: enough to bound its jobs, without keeping the address."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{client_ip(request)}".encode()).hexdigest()[:32]


@require_POST
def start_export(request):
    path, query, fmt = request.POST.get("path", ""), request.POST.get("query", ""), request.POST.get("format", "")
    view = export_view(path)
    if view is None or fmt not in BACKGROUND_FORMATS or len(query) > 4000:
        return render(request, "jobs/export_refused.html", {"reason": "That is not a list this site can export."},
                      status=400)
    filterset = view.filterset_for(QueryDict(query))
    if not filterset.is_valid():
        return render(request, "jobs/export_refused.html", {"reason": "Those filters are not valid."}, status=400)
    client = client_key(request)
    options = export_options(path, query, fmt)
    if existing := shared_export(options, client):
        return redirect(existing)  # asked twice, or by many: one file of the same rows
    lock = _start_lock(options)
    if lock is None and (existing := _started_by_another(options)):  # another request was starting it this moment
        return redirect(existing)
    try:
        return _start_export(request, view, filterset, client, options)
    finally:
        if lock:
            cache.delete(lock)


START_WAIT_SECONDS = 3


def _start_lock(options: dict) -> str | None:
    """The lock on starting this export, taken (its key), or None when another request holds it. Readers asking
    for the same file at once (a link shared widely) would otherwise each start a job before any saw another's."""
    if "generation" not in options:
        return ""  # nothing shared: only this client's own exports are reused
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()
    lock = f"export-starting:{digest}"
    return lock if cache.add(lock, 1, timeout=START_WAIT_SECONDS) else None


def _started_by_another(options: dict) -> Job | None:
    deadline = time.monotonic() + START_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if existing := shared_export(options):
            return existing
    return None


def _start_export(request, view, filterset, client: str, options: dict):
    fmt = options["format"]
    outstanding = Job.objects.filter(kind=Job.Kind.EXPORT).outstanding()
    if outstanding.filter(client=client).count() >= settings.EXPORT_JOBS_PER_CLIENT:
        reason = (f"You already have {settings.EXPORT_JOBS_PER_CLIENT} downloads being prepared; "
                  "ask for another when one of them is ready.")
        return render(request, "jobs/export_refused.html", {"reason": reason}, status=429)
    if outstanding.count() >= settings.EXPORT_JOBS_MAX_OUTSTANDING:
        response = render(request, "jobs/export_refused.html", {
            "reason": "Many downloads are being prepared right now; ask again in a few minutes."}, status=503)
        response["Retry-After"] = "120"
        return response
    sweep()
    queryset = filterset.qs
    stem = view.export_table(queryset)[2]  # its rows are read by the job
    job = Job.objects.create(kind=Job.Kind.EXPORT, model=stem, client=client, file_name=f"{stem}.{fmt}",
                             file=f"jobs/exports/{secrets.token_hex(16)}.{fmt}", options=options,
                             rows_total=queryset.order_by().count())
    enqueue(job)
    return redirect(job)


def _export(pk) -> Job:
    return get_object_or_404(Job.objects.public_exports(), pk=pk)  # an admin export is its starter's alone


@require_safe
def export_page(request, pk):
    job = _export(pk)
    status = job.status()
    back = f"{job.options.get('path', '/')}?{job.options.get('query', '')}".rstrip("?")
    available = job.state == Job.State.DONE and bool(job.file) and default_storage.exists(job.file)
    return render(request, "jobs/export_job.html", {"job": job, "status": status, "back": back,
                                                    "available": available})


@require_safe
def export_status(request, pk):
    status = _export(pk).status()
    status["summary"] = ""  # a failure's details are for the logs, not for whoever holds the link
    return JsonResponse(status)


@require_safe
def export_download(request, pk):
    job = _export(pk)
    if job.state != Job.State.DONE or not job.file or not default_storage.exists(job.file):
        raise Http404("This download is not ready, or was removed; ask for it again from the list.")
    from claims.spreadsheets import CONTENT_TYPES

    return FileResponse(default_storage.open(job.file, "rb"), as_attachment=True, filename=job.file_name,
                        content_type=CONTENT_TYPES[job.options["format"]])
