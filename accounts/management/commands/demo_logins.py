"""Print each demo login with its second factor (and, for staff, the code to type now)."""

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, demo_login_rows


class Command(BaseCommand):
    help = ("Print the demo users, their role and organisation, and how each passes the second "
            "factor; `make run` prints this on start.")

    def handle(self, *args, **options):
        rows = demo_login_rows()
        if not rows:
            self.stdout.write("  No demo users: run `manage.py seed_demo` first.")
            return
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD} — demo only):")
        width = max(len(row.username) for row in rows)
        for row in rows:
            self.stdout.write(f"    {row.username:<{width}}  {row.role}, {row.organisation}")
            self.stdout.write(f"    {'':<{width}}  second factor: {row.second_factor}")
        self.stdout.write("  Codes change every 30 s; get a fresh one with "
                          "`.venv/bin/python manage.py demo_totp_code <username>`.")
