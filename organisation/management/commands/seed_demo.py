"""`manage.py seed_demo`: build the fictional demo municipality (see `organisation/demo.py`)."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organisation import demo
from organisation.models import OrgUnit, User


class Command(BaseCommand):
    help = "Build the fictional demo municipality Egekilde Kommune (demo logins only with DEBUG)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--employees", type=int, default=1500, help="default 1500")
        parser.add_argument("--workplaces", type=int, default=60, help="default 60")
        parser.add_argument(
            "--depth",
            type=int,
            choices=[demo.MIN_DEPTH, demo.MAX_DEPTH],
            default=demo.MIN_DEPTH,
            help="levels in the tree; 6 splits some teams into sub-teams (default 5)",
        )
        parser.add_argument("--seed", type=int, default=2026, help="default 2026")
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo data and build it again"
        )
        parser.add_argument(
            "--organisation-only",
            action="store_true",
            help="build only the municipality, without core tasks, surveys and other parts "
            "(benchmarks build the data they measure themselves)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with_logins = bool(settings.DEBUG)
        summary: demo.DemoSummary | None = None
        try:
            # One transaction: a failed rebuild leaves the old demo as it was.
            with transaction.atomic():
                if demo.demo_exists() and options["reset"]:
                    demo.delete_demo()  # the extensions' data first, then the municipality
                    self.stdout.write("Deleted the existing demo data.")
                if not demo.demo_exists():
                    summary = demo.build_demo(
                        employees=options["employees"],
                        workplaces=options["workplaces"],
                        depth=options["depth"],
                        seed=options["seed"],
                        with_logins=with_logins,
                    )
                # Also when the municipality is kept: an older demo gets the newer parts.
                extensions = (
                    []
                    if options["organisation_only"]
                    else demo.build_extensions(seed=options["seed"])
                )
        except demo.DemoError as error:
            raise CommandError(str(error)) from error
        if summary is None:
            self.report_existing()
        else:
            self.report_built(summary, time.perf_counter() - started)
        for name, built in extensions:
            if built is None:
                self.stdout.write(f"The demo's {name} already exist; kept them unchanged.")
            else:
                self.stdout.write(self.style.SUCCESS(f"Built the demo's {name}: {built}"))

    def report_built(self, summary: demo.DemoSummary, seconds: float) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Built {demo.MUNICIPALITY_NAME} in {seconds:.1f} s: "
                f"{summary.units} units {summary.depth} levels deep "
                f"({summary.directorates} directorates, {summary.workplaces} workplaces), "
                f"{summary.employees} employees ({summary.without_email} without e-mail), "
                f"{summary.committees} MED committees."
            )
        )
        if summary.logins:
            self.stdout.write("Demo logins created (password 'demo'): manage.py demo_logins")
        else:
            self.stdout.write("Demo logins skipped because DEBUG is off.")

    def report_existing(self) -> None:
        root = OrgUnit.objects.get(external_id=demo.ROOT_EXTERNAL_ID)
        units = OrgUnit.objects.filter(path__startswith=root.path).count()
        employees = User.objects.filter(home_unit__path__startswith=root.path).count()
        self.stdout.write(
            f"{demo.MUNICIPALITY_NAME} already exists ({units} units, "
            f"{employees} employees); kept it unchanged. Use --reset to build it again."
        )
