"""gunicorn settings for the web container: `gunicorn --config config/gunicorn.py config.wsgi`.

Read by gunicorn as a file, not imported by Django. WEB_CONCURRENCY sets the number of worker
processes (gunicorn's own convention); the rest rarely needs changing.
"""

from __future__ import annotations

import os

bind = "0.0.0.0:8000"

_workers = os.environ.get("WEB_CONCURRENCY", "2")
if not _workers.isdigit() or int(_workers) < 1:
    raise SystemExit(f"WEB_CONCURRENCY must be a whole number of at least 1; got {_workers!r}.")
# Two or more, so that one slow request (an export) never makes the site stop answering.
workers = int(_workers)
# Each worker's heartbeat file in memory: on a container's overlay file system a slow disk
# can make the arbiter think a healthy worker hangs and kill it.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn's documented choice for containers
# A request that takes longer is a bug or an attack; aggregation runs in Celery, not here.
timeout = 60
# Finish requests in flight on a deploy (SIGTERM) before stopping.
graceful_timeout = 30
# Recycle workers now and then so that a slow leak cannot grow without bound; the jitter keeps
# them from all restarting at once.
max_requests = 2000
max_requests_jitter = 200
# Access log to stdout for the container runtime; Django logs to stderr.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
