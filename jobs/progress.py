"""How far a running job got, in a small file under MEDIA_ROOT/jobs/progress/ that the worker rewrites.

An import writes inside one transaction (all or nothing), so its progress cannot be written to the database
where the web would see it before the end. A file is seen at once by every process that shares MEDIA_ROOT —
which web and worker must anyway, for the uploads. While a job runs, a thread touches the file every few
seconds: a file left untouched longer than JOB_STALE_SECONDS means the worker died (jobs.models.Job.check_stale).
"""

import json
import os
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings


def _path(job_id) -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs" / "progress" / f"{job_id}.json"


def write(job_id, *, rows_read: int, rows_written: int, fraction: float | None) -> None:
    path = _path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps({"rows_read": rows_read, "rows_written": rows_written,
                                     "fraction": None if fraction is None else max(0.0, min(1.0, fraction))}))
    os.replace(temporary, path)  # readers see the old file or the new one, never half of one


def read(job_id) -> dict | None:
    try:
        return json.loads(_path(job_id).read_text())
    except (FileNotFoundError, ValueError):
        return None


def last_heard(job_id) -> datetime | None:
    try:
        return datetime.fromtimestamp(_path(job_id).stat().st_mtime, tz=UTC)
    except FileNotFoundError:
        return None


def remove(job_id) -> None:
    _path(job_id).unlink(missing_ok=True)


@contextmanager
def heartbeat(job_id):
    """Touch the job's progress file every few seconds while the block runs, however long one step takes."""
    stop = threading.Event()
    interval = max(1.0, settings.JOB_STALE_SECONDS / 6)

    def beat():
        while not stop.wait(interval):
            try:
                os.utime(_path(job_id))
            except FileNotFoundError:
                return

    thread = threading.Thread(target=beat, name=f"job-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
