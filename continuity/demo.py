"""Demo continuity plans for the CDS services, a DR test, and the Crisis Management Team."""

from datetime import date

from accounts.models import User
from services.models import Service

from .models import ContinuityContact, ContinuityPlan, CrisisTeamMember, DisasterRecoveryTest

# service code, RTO minutes, RPO minutes
PLANS = [
    ("css-registration", 240, 0), ("css-address", 480, 60), ("uk-link", 240, 15),
    ("des", 720, 60), ("ecoes", 480, 30), ("dcc-dsp", 240, 0),
]
TEAM = [("ops", "Crisis lead"), ("desk", "Service Desk liaison")]


def seed(stdout):
    for code, rto, rpo in PLANS:
        service = Service.objects.filter(code=code).select_related("provider").first()
        if service is None:
            continue
        plan, created = ContinuityPlan.objects.get_or_create(service=service, defaults={
            "title": f"{service.name} continuity plan", "rto_minutes": rto, "rpo_minutes": rpo,
            "invocation_criteria": "Loss of the primary site, or the service unavailable for "
                                   "more than half its RTO with no fix in sight.",
            "recovery_procedure": "Fail over to the secondary site; confirm data replication "
                                  "point; tell the Switching Service Desk; run smoke tests.",
        })
        if created:
            ContinuityContact.objects.create(
                plan=plan, position=1, name=f"{service.provider.name} DR co-ordinator",
                role="DR co-ordinator", email=service.provider.contact_email,
                phone="+44 20 7946 0000")
    uk_link = ContinuityPlan.objects.filter(service__code="uk-link").first()
    xoserve = User.objects.filter(username="xoserve").first()
    if uk_link and xoserve and not uk_link.tests.exists():
        DisasterRecoveryTest.objects.create(
            plan=uk_link, tested_on=date(2026, 9, 14), scenario="Loss of the primary data "
            "centre", result=DisasterRecoveryTest.Result.PASSED, recovery_minutes=170,
            data_loss_minutes=5, recorded_by=xoserve)
        uk_link.last_tested_on = date(2026, 9, 14)
        uk_link.save(update_fields=["last_tested_on"])
    for username, team_role in TEAM:
        user = User.objects.filter(username=username).first()
        if user:
            CrisisTeamMember.objects.get_or_create(user=user, defaults={"team_role": team_role})
    stdout.write(f"  {ContinuityPlan.objects.count()} continuity plans, "
                 f"{CrisisTeamMember.objects.count()} Crisis Management Team members")
