"""A background job as its starter sees it: what it does, how far it got, and what came of it.

Django's task results say whether a task ran, not how far it got, who may see it, or what a preview showed,
and where they live depends on the backend (rows in the database, keys in Redis that expire). A Job holds
all of that in our own table whatever the backend; the task carries only the job's id.

Progress is written while the import's own transaction is open (it commits all or nothing), so it cannot go
through the database: the worker keeps it in a small file beside the job's upload (see jobs.progress).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from jobs import progress

MAX_ERRORS = 200  # errors listed on a job's page; the count is always the true one
MAX_SUMMARY = 1000


class JobQuerySet(models.QuerySet):
    def outstanding(self):
        return self.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING])

    def visible_to(self, user):
        """The admin jobs a user may see: their own; a superuser, everyone's. (The readers' exports have no user.)"""
        if user.is_superuser:
            return self.exclude(user=None)
        return self.filter(user=user)

    def public_exports(self):
        return self.filter(kind=Job.Kind.EXPORT, user=None, options__admin__isnull=True)


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT_CHECK = "import-check", "import check"
        IMPORT = "import", "import"
        EXPORT = "export", "export"

    class State(models.TextChoices):
        QUEUED = "queued", "waiting for a worker"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # unguessable: it is the URL
    kind = models.CharField(max_length=20, choices=Kind.choices)
    model = models.CharField(max_length=20, help_text="figure or claim for imports; the list's name for exports")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    client = models.CharField(max_length=64, blank=True, help_text="an anonymous exporter's address, hashed")
    file_name = models.CharField(max_length=255, help_text="the uploaded file's name, or the download's")
    file = models.CharField(max_length=300, blank=True, help_text="the upload or the prepared export in storage")
    options = models.JSONField(default=dict, blank=True, help_text="import options; an export's list, query, format")
    preview = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="import_job",
                                   help_text="the check this import was confirmed from: one import per check")
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_written = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="counts, the first errors, the preview's rows")
    task_id = models.CharField(max_length=64, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "background job"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_recent"),  # "My imports"
            models.Index(fields=["kind", "state"], name="job_kind_state"),  # outstanding exports, counted
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def succeeded(self) -> bool:
        return self.state == self.State.DONE and not self.result.get("error_count")

    @property
    def public(self) -> bool:
        """A reader's export of a public list, reached by its id alone; every other job is its starter's."""
        return self.kind == self.Kind.EXPORT and self.user_id is None and not self.options.get("admin")

    def get_absolute_url(self) -> str:
        if self.public:
            return reverse("jobs:export", args=[self.pk])
        return reverse("admin:jobs_job_page", args=[self.pk])

    def status_url(self) -> str:
        if self.public:
            return reverse("jobs:export_status", args=[self.pk])
        return reverse("admin:jobs_job_status", args=[self.pk])

    # The worker's side -------------------------------------------------------------------------------

    def start(self) -> bool:
        """Claim the job for this worker: False if it already ran (a task delivered twice runs once)."""
        now = timezone.now()
        claimed = Job.objects.filter(pk=self.pk, state=self.State.QUEUED).update(state=self.State.RUNNING,
                                                                                  started_at=now)
        if claimed:
            self.state, self.started_at = self.State.RUNNING, now
            progress.write(self.pk, rows_read=0, rows_written=0, fraction=None)
        return bool(claimed)

    def finish(self, state: str, summary: str, **fields) -> None:
        """Record the outcome. The worker's word is final: a job a reader took for dead (its heartbeat late) but
        whose worker lived to report says what really happened."""
        fields = {"state": state, "summary": summary[:MAX_SUMMARY], "finished_at": timezone.now(), **fields}
        Job.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
        progress.remove(self.pk)

    # The reader's side -------------------------------------------------------------------------------

    def check_stale(self) -> None:
        """A running job whose worker stopped saying it is alive died with it: say so. Its import's transaction
        died with the worker's connection, so nothing of it was written."""
        if self.state != self.State.RUNNING:
            return
        alive = progress.last_heard(self.pk) or self.started_at
        if alive and timezone.now() - alive > timedelta(seconds=settings.JOB_STALE_SECONDS):
            summary = ("failed: the worker running this job stopped (killed or crashed) before it finished; "
                       "nothing was written")
            if Job.objects.filter(pk=self.pk, state=self.State.RUNNING).update(
                    state=self.State.FAILED, summary=summary, finished_at=timezone.now()):
                self.state, self.summary = self.State.FAILED, summary
                progress.remove(self.pk)

    def waiting_too_long(self) -> bool:
        """Queued for longer than a worker takes to notice: is one running?"""
        return self.state == self.State.QUEUED and timezone.now() - self.created_at > timedelta(seconds=30)

    def status(self) -> dict:
        """What the job page and its JSON say: state, counts, how far, and the time left when it can be told."""
        self.check_stale()
        data = {"state": self.state, "state_label": self.get_state_display(), "finished": self.finished,
                "rows_read": self.rows_read, "rows_written": self.rows_written, "rows_total": self.rows_total,
                "fraction": 1.0 if self.state == self.State.DONE else None, "seconds_left": None,
                "summary": self.summary, "waiting_too_long": self.waiting_too_long()}
        if self.state == self.State.RUNNING and (now := progress.read(self.pk)):
            data.update(rows_read=now["rows_read"], rows_written=now["rows_written"], fraction=now["fraction"])
            elapsed = (timezone.now() - self.started_at).total_seconds() if self.started_at else 0
            fraction = now["fraction"]
            if fraction and fraction >= 0.02 and elapsed >= 1:
                data["seconds_left"] = round(elapsed * (1 - fraction) / fraction)
        data["percent"] = None if data["fraction"] is None else round(100 * data["fraction"])
        data["time_left"] = duration(data["seconds_left"])
        return data


def duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(seconds, 1)} s"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"
