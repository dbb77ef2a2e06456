"""Print the current two-factor code of a demo user (for trying the system without a phone)."""

import pyotp
from django.core.management.base import BaseCommand, CommandError

from accounts.models import TotpDevice


class Command(BaseCommand):
    help = "Print the current 6-digit two-factor code for a user with an authenticator."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        device = TotpDevice.objects.filter(user__username=username).first()
        if device is None:
            raise CommandError(f"{username} has no two-factor authenticator.")
        self.stdout.write(pyotp.TOTP(device.secret).now())
