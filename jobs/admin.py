"""Imports as background jobs, in the admin: "My imports", a job's page (progress, then the check's preview or
errors, or the import's result), its status as JSON for the page's script, and Confirm.

A job is its starter's (a superuser sees every import); anyone else is told there is no such job. Confirm takes
the import permission of the job's model, as the upload did, and starts one import per check however often it
is pressed (two tabs, a double click): the import job is the check's one `import_job`.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from jobs.models import Job
from jobs.tasks import enqueue


def model_admin(job: Job):
    """The admin of the job's records: an import's model (figure, claim), an admin export's (claims.figure)."""
    from django.apps import apps

    return admin.site._registry[apps.get_model(job.model if "." in job.model else f"claims.{job.model}")]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["job", "kind", "model", "state", "rows_read", "rows_written", "created_at", "finished_at"]
    list_display_links = None
    list_filter = ["kind", "state"]
    show_full_result_count = False

    # Jobs are started by uploading a file, and changed only by their worker.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (obj is None or self.may_see(request, obj))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "My imports", **(extra_context or {})})

    @admin.display(description="job")
    def job(self, job):
        return format_html('<a href="{}">{}</a>', job.get_absolute_url(), job)

    @staticmethod
    def may_see(request, job: Job) -> bool:
        return job.user_id is not None and (request.user.is_superuser or job.user_id == request.user.pk)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:pk>/", view(self.page_view), name="jobs_job_page"),
            path("<uuid:pk>/status.json", view(self.status_view), name="jobs_job_status"),
            path("<uuid:pk>/confirm/", view(require_POST(self.confirm_view)), name="jobs_job_confirm"),
            path("<uuid:pk>/download", view(self.download_view), name="jobs_job_download"),
            *super().get_urls(),
        ]

    def job_for(self, request, pk) -> Job:
        job = Job.objects.select_related("user").filter(pk=pk).first()
        if job is None or not self.has_module_permission(request) or not self.may_see(request, job):
            raise Http404("There is no such job, or it is not yours.")
        return job

    def page_view(self, request, pk):
        job = self.job_for(request, pk)
        status = job.status()
        target = model_admin(job)
        if job.kind == Job.Kind.EXPORT:
            return TemplateResponse(request, "jobs/export_job_admin.html", {
                **self.admin_site.each_context(request), "opts": target.opts, "job": job, "status": status,
                "title": f"Export of {target.opts.verbose_name_plural}",
                "available": job.state == Job.State.DONE and bool(job.file) and default_storage.exists(job.file)})
        opts = target.opts
        context = {
            **self.admin_site.each_context(request), "opts": opts, "job": job, "status": status,
            "title": f"{job.get_kind_display().capitalize()} of {job.file_name}", "report": job.result,
            "preview_rows": job.result.get("rows", []), "file_name": job.file_name, "options": job.options,
            "import_job": getattr(job, "import_job", None) if job.kind == Job.Kind.IMPORT_CHECK else None,
            "may_confirm": (job.kind == Job.Kind.IMPORT_CHECK and job.succeeded and bool(job.file)
                            and target.has_add_permission(request)),
            "batch_url": reverse("admin:claims_importbatch_change", args=[job.result["batch"]])
            if job.result.get("batch") else None,
        }
        return TemplateResponse(request, "jobs/job_admin.html", context)

    def download_view(self, request, pk):
        from claims.spreadsheets import CONTENT_TYPES

        job = self.job_for(request, pk)
        if job.kind != Job.Kind.EXPORT or job.state != Job.State.DONE or not job.file or not default_storage.exists(
                job.file):
            raise Http404("This export is not ready, or was removed; ask for it again from the list.")
        return FileResponse(default_storage.open(job.file, "rb"), as_attachment=True, filename=job.file_name,
                            content_type=CONTENT_TYPES[job.options["format"]])

    def status_view(self, request, pk):
        return JsonResponse(self.job_for(request, pk).status())

    def confirm_view(self, request, pk):
        check = self.job_for(request, pk)
        if check.kind != Job.Kind.IMPORT_CHECK or not model_admin(check).has_add_permission(request):
            raise PermissionDenied
        if not check.succeeded:
            messages.error(request, "Only a check that found no errors can be confirmed.")
            return redirect(check)
        try:
            with transaction.atomic():
                check = Job.objects.select_for_update().get(pk=check.pk)
                if (existing := Job.objects.filter(preview=check).first()) is not None:
                    return redirect(existing)  # confirmed already (another tab): that import, not a second one
                if not check.file or not default_storage.exists(check.file):
                    messages.error(request, "This check has expired and its file is gone; upload the file again.")
                    return redirect(check)
                job = Job.objects.create(kind=Job.Kind.IMPORT, model=check.model, user=request.user,
                                         file_name=check.file_name, file=check.file, options=check.options,
                                         preview=check, rows_total=check.rows_read)
                Job.objects.filter(pk=check.pk).update(file="")  # the upload is the import's now
        except IntegrityError:  # two confirmations raced past the check above: the other one won
            return redirect(Job.objects.get(preview_id=check.pk))
        enqueue(job)
        return redirect(job)
