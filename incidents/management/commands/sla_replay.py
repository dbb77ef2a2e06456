"""Rebuild SLA figures from the transition rows: explain one incident, or correct them all."""

from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from incidents import sla_correction, sla_service
from incidents.models import Incident
from kernel.clocks.units import fmt_duration


class Command(BaseCommand):
    help = ("Replay the SLA clocks of an incident (e.g. INC-000123) and explain them; --store "
            "saves the result. --all replays every incident and stores what changed, saying "
            "how many figures changed (--dry-run: count only).")

    def add_arguments(self, parser):
        parser.add_argument("reference", nargs="?")
        parser.add_argument("--store", action="store_true",
                            help="Also store the recomputed figures on the incident.")
        parser.add_argument("--all", action="store_true",
                            help="Correct every incident's stored figures and provider tasks (OLA clocks).")
        parser.add_argument("--dry-run", action="store_true",
                            help="With --all: count what would change, write nothing.")
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args, reference=None, store=False, all=False, dry_run=False, batch=1000,
               **options):
        if all:
            return self._correct_all(dry_run=dry_run, batch=batch)
        if not reference:
            raise CommandError("Give an incident reference (INC-000123), or --all.")
        incident = Incident.objects.filter(reference=reference.upper()).first()
        if incident is None:
            raise CommandError(f"No incident {reference}.")
        figures = sla_service.figures_for(incident)
        for line in figures.explanation:
            self.stdout.write(line)
        for clock in (figures.response, figures.resolution):
            self.stdout.write(
                f"{clock.name}: elapsed {fmt_duration(clock.used)}, remaining "
                f"{fmt_duration(clock.remaining)}, due {clock.due_at:%Y-%m-%d %H:%M %Z}, "
                f"{clock.verdict.upper()}")
        stored = (incident.response_due_at, incident.resolution_due_at)
        if stored != (figures.response.due_at, figures.resolution.due_at):
            self.stdout.write("Stored due times differ from the replay.")
        if store:
            with audit.acting(actor=None, channel=audit.Channel.SYSTEM):
                sla_service.refresh_sla(incident)
            self.stdout.write("Stored.")

    def _correct_all(self, *, dry_run, batch):
        with audit.acting(actor=None, channel=audit.Channel.SYSTEM):
            correction = sla_correction.correct_all(write=not dry_run, batch=batch)
        self.stdout.write(("Dry run (nothing written). " if dry_run else "")
                          + correction.summary())
        return None
