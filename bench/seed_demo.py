"""Benchmark: `manage.py seed_demo --employees 45000 --reset --organisation-only` on PostgreSQL.

The demo builder must write 45,000 employees in under a minute. Since the machines that run this
are noisy, the figure is also given as a ratio against a floor measured in the same run: a
plain `bulk_create` of as many bare User rows, the least any builder of these users can do.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/seed_demo.py

DATABASE_URL names the server (default: the local one); the benchmark creates a database of its
own there and drops it afterwards.
The last line printed is `RESULT name=seed_demo key=value ...` for `bench/run.py`.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import sys
import time
from io import StringIO
from pathlib import Path

import _postgres

ROOT = Path(__file__).resolve().parent.parent
LIMIT_SECONDS = 60.0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=45_000)
    parser.add_argument("--workplaces", type=int, default=60)
    parser.add_argument("--depth", type=int, choices=[5, 6], default=5)
    parser.add_argument("--repeat", type=int, default=2, help="measured runs; the best counts")
    return parser.parse_args()


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production-like: with DEBUG on Django would log every query (and format 45,000 rows of
    # parameters for it), which measures the log rather than the builder. Settings then need a
    # key; this process signs nothing, so a random one will do.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()


def time_seed(arguments: argparse.Namespace) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command(
        "seed_demo",
        employees=arguments.employees,
        workplaces=arguments.workplaces,
        depth=arguments.depth,
        reset=True,
        organisation_only=True,
        stdout=StringIO(),
    )
    return time.perf_counter() - started


def time_baseline(employees: int) -> float:
    """A plain bulk_create of bare users, rolled back: the floor for writing this many rows."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from organisation.demo import BATCH_SIZE
    from organisation.models import User

    class Rollback(Exception):
        pass

    password = make_password(None)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            User.objects.bulk_create(
                [User(username=f"bench-{n}", password=password) for n in range(employees)],
                batch_size=BATCH_SIZE,
            )
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def peak_memory_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS, where this reads 1024 times too high).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    arguments = parse_arguments()
    server = _postgres.server_url()
    if server is None:
        print(
            "bench/seed_demo.py measures PostgreSQL and found none: set DATABASE_URL to a "
            "PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres).",
            file=sys.stderr,
        )
        print("RESULT name=seed_demo skipped=no-postgres")
        return 0
    with _postgres.temporary_database(server, "kerneopgaver_bench_seed") as database_url:
        os.environ["DATABASE_URL"] = database_url
        return measure(arguments)


def measure(arguments: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    from organisation.models import OrgUnit, User

    call_command("migrate", verbosity=0)
    # A first, unmeasured run, so every measured run deletes a demo of the full size first.
    print(f"Warming up: seed_demo --employees {arguments.employees} --reset", flush=True)
    time_seed(arguments)
    runs = []
    for run in range(1, arguments.repeat + 1):
        runs.append(time_seed(arguments))
        print(f"run {run}: seed_demo --reset took {runs[-1]:.2f} s", flush=True)
    seconds = min(runs)
    peak_mb = peak_memory_mb()  # before the baseline, so the figure is the builder's
    baseline = min(time_baseline(arguments.employees) for _ in range(3))
    units = OrgUnit.objects.count()
    employees = User.objects.filter(home_unit__isnull=False).count()
    ok = seconds < LIMIT_SECONDS and employees == arguments.employees
    print(
        f"seed_demo: {employees} employees in {units} units, best of {len(runs)}: "
        f"{seconds:.2f} s (limit {LIMIT_SECONDS:.0f} s); baseline bulk_create of "
        f"{arguments.employees} bare users: {baseline:.2f} s; ratio {seconds / baseline:.1f}; "
        f"peak memory {peak_mb:.0f} MB"
    )
    print(
        f"RESULT name=seed_demo employees={employees} units={units} seconds={seconds:.2f} "
        f"baseline_seconds={baseline:.2f} ratio={seconds / baseline:.1f} "
        f"peak_mb={peak_mb:.0f} limit_seconds={LIMIT_SECONDS:.0f} ok={'yes' if ok else 'no'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
