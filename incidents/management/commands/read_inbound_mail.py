"""Turn new mails in the inbound Maildir into incidents or incident updates."""

from django.core.management.base import BaseCommand

from incidents.inbound import maildir_path, process_maildir


class Command(BaseCommand):
    help = "Read the inbound Maildir (INBOUND_MAILDIR, default var/inbound-mail) once."

    def add_arguments(self, parser):
        parser.add_argument("--maildir", help="Override the Maildir path.")

    def handle(self, *args, maildir=None, **options):
        path = maildir or maildir_path()
        counts = process_maildir(path)
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none"
        self.stdout.write(f"Inbound mail from {path}: {summary}")
