"""gunicorn settings: `gunicorn -c factbase/gunicorn.conf.py factbase.wsgi` (bench/load.py runs it so).

Sync workers, WEB_CONCURRENCY of them (default 4: two per core of a small server). A request that runs past
WORKER_TIMEOUT seconds has its worker killed and restarted (gunicorn logs "WORKER TIMEOUT"): no page should
come near it, and downloads are bounded so that none does.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("WORKER_TIMEOUT", "30"))
graceful_timeout = 10
max_requests = 5000  # a worker is replaced now and then, so no slow leak lasts
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
