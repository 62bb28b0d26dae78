"""`manage.py db_worker`: django-tasks' database worker, run at a lower CPU priority than the web server.

A large export or import is CPU work that can wait a little; a reader's page cannot. With the worker niced
(JOB_WORKER_NICENESS, default 10), the kernel gives the web workers the CPU first when both want it, and the
worker every cycle they leave. Everything else is django-tasks' own command.
"""

import os

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


def lower_priority(niceness: int) -> None:
    """Run this process (and the reloader's child) at `niceness` at least: set, not added, so it never compounds."""
    if niceness > 0 and hasattr(os, "setpriority"):
        current = os.getpriority(os.PRIO_PROCESS, 0)
        if current < niceness:
            os.setpriority(os.PRIO_PROCESS, 0, niceness)


class Command(DatabaseWorkerCommand):
    help = DatabaseWorkerCommand.help + ", at a lower CPU priority than the web server (JOB_WORKER_NICENESS)"

    def handle(self, *args, **options):
        lower_priority(settings.JOB_WORKER_NICENESS)
        return super().handle(*args, **options)
