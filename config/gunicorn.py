"""gunicorn settings for the web container: `gunicorn --config config/gunicorn.py config.wsgi`.

Read by gunicorn as a file, not imported by Django. WEB_CONCURRENCY sets the number of worker
processes (gunicorn's own convention); the rest rarely needs changing.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

bind = "0.0.0.0:8000"

_workers = os.environ.get("WEB_CONCURRENCY", "2")
if not _workers.isdigit() or int(_workers) < 1:
    raise SystemExit(f"WEB_CONCURRENCY must be a whole number of at least 1; got {_workers!r}.")
# Two or more, so that one slow request (an export) never makes the site stop answering.
workers = int(_workers)
# Threads in each worker: a request mostly waits for PostgreSQL (a survey submit waits for its
# commit to reach the disk), and a waiting thread leaves the process free for the next one.
_threads = os.environ.get("GUNICORN_THREADS", "4")
if not _threads.isdigit() or int(_threads) < 1:
    raise SystemExit(f"GUNICORN_THREADS must be a whole number of at least 1; got {_threads!r}.")
worker_class = "gthread"
threads = int(_threads)
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

# The access log prints each request line: mask survey tokens (/socialkapital/svar/<token>/),
# access codes (?kode=...) and calendar secrets (/kalender/<secret>.ics) before they are written
# (DESIGN.md, anonymity).
from gunicorn.glogging import Logger  # noqa: E402 - grouped with the only code that uses it

from socialkapital.log_filters import redact  # noqa: E402 - imports nothing from Django


class RedactingLogger(Logger):
    """gunicorn's logger with every text atom (request line, path, query, referer, headers and
    environ values) passed through `socialkapital.log_filters.redact`."""

    def atoms(
        self, resp: object, req: object, environ: dict[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }


logger_class = RedactingLogger
