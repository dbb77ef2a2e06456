"""Rebuild an incident's SLA figures from its transition rows and explain each one."""

from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from incidents import sla_service
from incidents.models import Incident
from kernel.clocks.units import fmt_duration


class Command(BaseCommand):
    help = "Replay the SLA clocks of an incident (e.g. INC-000123); --store saves the result."

    def add_arguments(self, parser):
        parser.add_argument("reference")
        parser.add_argument("--store", action="store_true",
                            help="Also store the recomputed figures on the incident.")

    def handle(self, *args, reference, store=False, **options):
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
