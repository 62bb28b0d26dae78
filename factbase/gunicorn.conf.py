"""gunicorn settings: `gunicorn -c factbase/gunicorn.conf.py factbase.wsgi` (the Docker image and bench/load.py run
it so).

WEB_CONCURRENCY worker processes (default: two per core) of GUNICORN_THREADS threads each (default 2): a request
waiting on the database leaves its process's CPU to another, and a slow one (a download) holds one thread, not a
whole worker. A request that runs past WORKER_TIMEOUT seconds has its worker killed and restarted (gunicorn logs
"WORKER TIMEOUT"): no page should come near it, and downloads are bounded so that none does. The background
worker (`manage.py db_worker`) runs at a lower CPU priority than these (jobs.apps), so readers keep their latency
while a large export is written.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("WORKER_TIMEOUT", "30"))
graceful_timeout = 10
# Replacing a worker every GUNICORN_MAX_REQUESTS requests bounds a slow leak, but a threaded worker that stops drops
# the connections it has accepted and not yet read (each an error for its client), and at hundreds of cached pages a
# second 5,000 requests came every few seconds: off unless asked for.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 0)
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")

# The workers inherit this: with several of them, settings cache the public pages only in a cache they share.
os.environ["FACTBASE_SERVER_PROCESSES"] = str(workers)
