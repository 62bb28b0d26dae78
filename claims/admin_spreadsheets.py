"""The figure changelist's Import (with a dry-run preview) and Export (exactly the current filter)."""

import re
import uuid
from datetime import timedelta
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from claims.exports import figure_export_response
from claims.imports import import_figures
from claims.spreadsheets import FORMATS

_TOKEN = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx|ods|json)$")
PREVIEW_ROWS = 1000


def sweep_abandoned_uploads(max_age=timedelta(days=1)) -> int:
    """Delete uploads whose preview was never confirmed; returns how many went."""
    try:
        _, names = default_storage.listdir("imports")
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - max_age
    stale = [name for name in names
             if _TOKEN.match(name) and default_storage.get_modified_time(f"imports/{name}") < cutoff]
    for name in stale:
        default_storage.delete(f"imports/{name}")
    return len(stale)


class FigureImportForm(forms.Form):
    file = forms.FileField(help_text="CSV, XLSX, ODS or JSON with the figure columns (export a file to see them).")
    encoding = forms.ChoiceField(
        choices=[("", "UTF-8 (or as the file's byte-order mark says)"), ("latin-1", "Latin-1 (ISO 8859-1)"),
                 ("cp1252", "Windows-1252"), ("utf-16", "UTF-16")],
        required=False, help_text="CSV only.",
    )
    decimal_comma = forms.BooleanField(required=False, label="Numbers use a decimal comma (0,332 and 1.234,5)")
    create_missing = forms.BooleanField(
        required=False, label="Create the sources and subjects the file names and factbase lacks (never metrics)"
    )

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


class FigureSpreadsheetMixin:
    change_list_template = "admin/claims/figure/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="claims_figure_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="claims_figure_export"),
        ] + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "Import figures"}
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request, context)
        form = FigureImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            fmt = Path(upload.name).suffix.lstrip(".").lower()
            sweep_abandoned_uploads()
            token = default_storage.save(f"imports/{uuid.uuid4().hex}.{fmt}", upload).split("/")[-1]
            options = {key: form.cleaned_data[key] for key in ("encoding", "decimal_comma", "create_missing")}
            with default_storage.open(f"imports/{token}", "rb") as stream:
                report = import_figures(stream, file_name=upload.name, dry_run=True, user=request.user,
                                        encoding=options["encoding"] or None, decimal_comma=options["decimal_comma"],
                                        create_missing=options["create_missing"])
            if not report.ok:
                default_storage.delete(f"imports/{token}")
            context.update(report=report, token=token, file_name=upload.name, options=options,
                           preview_rows=report.rows[:PREVIEW_ROWS])
            return TemplateResponse(request, "admin/claims/figure/import_preview.html", context)
        context["form"] = form
        return TemplateResponse(request, "admin/claims/figure/import.html", context)

    def _confirm(self, request, context):
        token = request.POST.get("token", "")
        if not _TOKEN.match(token) or not default_storage.exists(f"imports/{token}"):
            messages.error(request, "That import preview has expired; upload the file again.")
            return redirect(reverse("admin:claims_figure_import"))
        file_name = request.POST.get("file_name", token)[:255]
        with default_storage.open(f"imports/{token}", "rb") as stream:
            report = import_figures(
                stream, file_name=file_name, user=request.user, encoding=request.POST.get("encoding") or None,
                decimal_comma=request.POST.get("decimal_comma") == "True",
                create_missing=request.POST.get("create_missing") == "True",
            )
        default_storage.delete(f"imports/{token}")
        if not report.ok:
            context.update(report=report, file_name=file_name, preview_rows=[])
            return TemplateResponse(request, "admin/claims/figure/import_preview.html", context)
        messages.success(request, f"Import #{report.batch.pk} of {file_name}: {report.summary()}.")
        return redirect(reverse("admin:claims_figure_changelist"))

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        request.GET = request.GET.copy()
        fmt = request.GET.pop("format", ["csv"])[-1]
        if fmt not in FORMATS:
            messages.error(request, f"Unknown export format “{fmt}”; choose one of {', '.join(FORMATS)}.")
            return redirect(reverse("admin:claims_figure_changelist"))
        changelist = self.get_changelist_instance(request)
        return figure_export_response(changelist.get_queryset(request), fmt, "figures")
