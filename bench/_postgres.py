"""PostgreSQL helpers shared by the benchmarks: which server to use, and a database of the
benchmark's own that is created before and dropped after the run (never the caller's data).

Not a benchmark itself (bench/run.py skips names starting with an underscore).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def server_url() -> str | None:
    """The server from DATABASE_URL (default: the local one), or None when it is not
    PostgreSQL (SQLite) or does not answer."""
    url = os.environ.get("DATABASE_URL", "").strip() or DEFAULT_SERVER_URL
    if urlsplit(url).scheme not in POSTGRES_SCHEMES:
        return None
    try:
        with admin_connection(url):
            pass
    except Exception:
        return None
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def admin_connection(url: str) -> Any:
    import psycopg  # only once PostgreSQL is known to be wanted

    parts = urlsplit(url)
    dsn = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
    return psycopg.connect(dsn, autocommit=True, connect_timeout=5)


@contextlib.contextmanager
def temporary_database(server: str, prefix: str) -> Iterator[str]:
    """Create a database named after the prefix and this process, yield its URL, drop it."""
    name = f"{prefix}_{os.getpid()}"
    with admin_connection(server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server, name)
    finally:
        from django.db import connections

        connections.close_all()
        with admin_connection(server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
