"""Import (a background check of every row, then Confirm: see jobs.admin) and Export (exactly the current filter)
on the figure and claim lists; and the import batch page, with its records and "undo this import"."""

import secrets
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from claims.exports import table_export_response
from claims.imports.undo import UndoRefused, undo_import
from claims.spreadsheets import FORMATS
from factbase.listing import BACKGROUND_FORMATS, count_over
from jobs.models import Job
from jobs.tasks import enqueue, sweep


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV, XLSX, ODS or JSON with the columns below (export a file to see them).")
    encoding = forms.ChoiceField(
        choices=[("", "UTF-8 (or as the file's byte-order mark says)"), ("latin-1", "Latin-1 (ISO 8859-1)"),
                 ("cp1252", "Windows-1252"), ("utf-16", "UTF-16")],
        required=False, help_text="CSV only.",
    )
    decimal_comma = forms.BooleanField(required=False, label="Numbers use a decimal comma (0,332 and 1.234,5)")
    create_missing = forms.BooleanField(
        required=False, label="Create the sources and entities the file names and factbase lacks (never metrics)"
    )
    publish = forms.BooleanField(
        required=False, label="Publish the sources it creates and write its rows as unverified (a dataset you "
                              "trust); otherwise they are drafts",
    )

    def __init__(self, *args, decimals: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not decimals:
            del self.fields["decimal_comma"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1e6:.1f} MB; uploads are limited to {limit / 1e6:.0f} MB. "
                "Import bigger files with `manage.py import_figures FILE`."
            )
        fmt = Path(upload.name).suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise forms.ValidationError(f"“{upload.name}” is not a {', '.join(FORMATS)} file.")
        return upload


OPTIONS = ("encoding", "decimal_comma", "create_missing", "publish")


class SpreadsheetMixin:
    """An admin whose list imports and exports spreadsheets through claims.imports and claims.exports."""

    change_list_template = "admin/spreadsheet_change_list.html"
    spreadsheet_columns: list[str] = []

    def spreadsheet_import(self, stream, **options):
        raise NotImplementedError

    def spreadsheet_table(self, queryset) -> tuple:
        """The rows of an export, its header and its file name's stem."""
        raise NotImplementedError

    def spreadsheet_export(self, queryset, fmt: str):
        rows, header, stem = self.spreadsheet_table(queryset)
        return table_export_response(rows, header, fmt, stem)

    def changelist_queryset(self, request):
        """The changelist's rows for the request's filters and search (the worker asks with a made-up request)."""
        return self.get_changelist_instance(request).get_queryset(request)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=f"{name}_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name=f"{name}_export"),
        ] + super().get_urls()

    def context(self, request, title: str) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title,
                "columns": self.spreadsheet_columns}

    def import_view(self, request):
        """The upload: it starts a check of every row in the background (nothing written) and leads to its page,
        where Confirm starts the import (jobs.admin)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = self.context(request, f"Import {self.opts.verbose_name_plural}")
        decimals = self.opts.model_name == "figure"
        form = ImportForm(request.POST or None, request.FILES or None, decimals=decimals)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            fmt = Path(upload.name).suffix.lstrip(".").lower()
            sweep()
            stored = default_storage.save(f"jobs/uploads/{uuid.uuid4().hex}.{fmt}", upload)
            options = {key: form.cleaned_data.get(key, False) for key in OPTIONS if key in form.fields}
            job = Job.objects.create(kind=Job.Kind.IMPORT_CHECK, model=self.opts.model_name, user=request.user,
                                     file_name=upload.name[:255], file=stored, options=options)
            return redirect(enqueue(job))
        context["form"] = form
        context["recent_jobs"] = Job.objects.visible_to(request.user).filter(model=self.opts.model_name)[:5]
        return TemplateResponse(request, "admin/spreadsheet_import.html", context)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        request.GET = request.GET.copy()
        fmt = request.GET.pop("format", ["csv"])[-1]
        if fmt not in FORMATS:
            messages.error(request, f"Unknown export format “{fmt}”; choose one of {', '.join(FORMATS)}.")
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
        queryset = self.changelist_queryset(request)
        if fmt in BACKGROUND_FORMATS and (
                count := count_over(queryset, settings.EXPORT_SHEET_INLINE_MAX_ROWS)) is not None:
            return self.background_export(request, fmt, count)
        return self.spreadsheet_export(queryset, fmt)

    def background_export(self, request, fmt: str, count: int):
        """A spreadsheet too big to write inside the request: offered, then (POST) prepared by a job (jobs.admin)."""
        query = request.GET.urlencode()
        if request.method != "POST":
            context = {**self.context(request, f"Export {self.opts.verbose_name_plural}"), "count": count,
                       "format": fmt.upper(), "limit": settings.EXPORT_SHEET_INLINE_MAX_ROWS,
                       "action": f"{request.path}?{query}&format={fmt}" if query else f"{request.path}?format={fmt}"}
            return TemplateResponse(request, "jobs/export_offer_admin.html", context)
        outstanding = Job.objects.filter(kind=Job.Kind.EXPORT, user=request.user).outstanding()
        if outstanding.count() >= settings.EXPORT_JOBS_PER_CLIENT:
            messages.error(request, f"You already have {settings.EXPORT_JOBS_PER_CLIENT} exports being prepared; "
                                    "ask for another when one of them is ready.")
            return redirect("admin:jobs_job_changelist")
        sweep()
        stem = self.spreadsheet_table(self.model.objects.none())[2]
        job = Job.objects.create(kind=Job.Kind.EXPORT, model=f"{self.opts.app_label}.{self.opts.model_name}",
                                 user=request.user, file_name=f"{stem}.{fmt}",
                                 file=f"jobs/exports/{secrets.token_hex(16)}.{fmt}",
                                 options={"admin": True, "query": query, "format": fmt}, rows_total=count)
        return redirect(enqueue(job))


class UndoImportMixin:
    """The import batch page: what the import did, its records, and "undo this import" for its importer."""

    change_form_template = "admin/claims/importbatch/change_form.html"

    def get_urls(self):
        return [path("<int:pk>/undo/", self.admin_site.admin_view(self.undo_view), name="claims_importbatch_undo"),
                *super().get_urls()]

    def may_undo(self, request, batch) -> bool:
        # Undoing deletes what the import created: its own importer may, as may a superuser.
        user = request.user
        return user.is_active and (user.is_superuser or (
            batch.created_by_id == user.pk and user.has_perm(f"claims.add_{batch.model}")))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        extra = {}
        if batch is not None:
            model = batch.record_model
            extra = {"may_undo": self.may_undo(request, batch) and batch.undone_at is None,
                     "records_url": reverse(f"admin:claims_{batch.model}_changelist") + f"?import_batch={batch.pk}",
                     "record_count": model.objects.filter(import_batch=batch).count(),
                     "noun_plural": model._meta.verbose_name_plural}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def undo_view(self, request, pk: int):
        batch = get_object_or_404(self.model, pk=pk)
        if request.method != "POST" or not self.may_undo(request, batch):
            raise PermissionDenied
        try:
            report = undo_import(batch, request.user)
        except UndoRefused as refused:
            messages.error(request, f"Import #{batch.pk} was not undone, and nothing changed: {refused}.")
        else:
            messages.success(request, f"Undid import #{batch.pk}: {report.summary(batch.model)}.")
        return redirect(reverse("admin:claims_importbatch_change", args=[batch.pk]))
