"""`manage.py db_worker`: django-tasks' database worker, run at a lower CPU priority than the web server.

A large export or import is CPU work that can wait a little; a reader's page cannot. With the worker niced
(JOB_WORKER_NICENESS, default 10), the kernel gives the web workers the CPU first when both want it, and the
worker every cycle they leave. Everything else is django-tasks' own command.
"""

import os

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


def lower_priority(niceness: int) -> None:
    """Run this process (and the reloader's child) at `niceness` at least: set, not added, so it never compounds.

    Linux schedules the processes of one session as a group (autogroup), and between groups only the group's own
    nice counts: a worker started in a session of its own (a supervisor, `setsid`, bench/load.py) lowers its
    group's too. One that shares its session with the web server (`make run`) leaves the group alone: within it, its
    own niceness already puts it behind the web server.
    """
    if niceness <= 0 or not hasattr(os, "setpriority"):
        return
    if os.getpriority(os.PRIO_PROCESS, 0) < niceness:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    if os.getsid(0) == os.getpid():
        try:
            with open("/proc/self/autogroup", "w") as autogroup:
                autogroup.write(str(niceness))
        except OSError:
            pass  # no autogroups here (another OS, or the kernel's switch is off): the process's niceness is all


class Command(DatabaseWorkerCommand):
    help = DatabaseWorkerCommand.help + ", at a lower CPU priority than the web server (JOB_WORKER_NICENESS)"

    def handle(self, *args, **options):
        lower_priority(settings.JOB_WORKER_NICENESS)
        return super().handle(*args, **options)
