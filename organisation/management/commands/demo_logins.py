"""`manage.py demo_logins`: the demo's logins and what each of them sees, for `make demo`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from organisation import demo
from organisation.models import User


class Command(BaseCommand):
    help = "List the demo logins made by seed_demo (with DEBUG), with their roles."

    def handle(self, *args: Any, **options: Any) -> None:
        # Only accounts the demo made count: a real user who happens to be called "hr" is not
        # a demo login, and its password is none of our business.
        users = {
            user.username: user
            for user in User.objects.filter(
                username__in=demo.DEMO_USERNAMES,
                external_id__startswith=demo.EXTERNAL_ID_PREFIX,
                is_active=True,
            )
        }
        if not users:
            self.stdout.write(
                "There are no demo logins. `manage.py seed_demo` makes them when DEBUG=1 "
                "(with --reset if the demo data already exists)."
            )
            return
        rows = [("user name", "password", "role", "sees")]
        checked: dict[str, bool] = {}  # the logins share one hash: check it once
        for login in demo.DEMO_LOGINS:
            user = users.get(login.username)
            if user is None:
                continue
            if user.password not in checked:
                checked[user.password] = user.check_password(demo.DEMO_PASSWORD)
            password = demo.DEMO_PASSWORD if checked[user.password] else "(changed)"
            rows.append((login.username, password, login.role, login.sees))
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[3]]))
        self.stdout.write("Sign in at /accounts/login/.")
