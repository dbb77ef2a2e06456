"""Demo service requests in each state. Idempotent: a demo request is matched on its item,
requester and answers, and only created when missing."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Organisation, User

from . import services
from .models import FulfilmentGroup, RequestItem, ServiceRequest

CSS_ITEMS = ["switching-network-connection", "test-environment-access"]


def _user(username):
    return User.objects.get(username=username)


def _ensure(code, requester, answers, *, raised_by=None, channel="portal", days_ago=0, then=()):
    """Raise the request `days_ago` days back unless it exists, then replay `then` steps."""
    item = RequestItem.objects.get(code=code)
    existing = ServiceRequest.objects.filter(item=item, requester=requester,
                                             answers=answers).first()
    if existing:
        return existing, False
    at = timezone.now() - timedelta(days=days_ago)
    sr = services.raise_request(item=item, raised_by=raised_by or requester, answers=answers,
                                requester=requester, channel=channel, at=at)
    for hours, step in then:
        step(sr, at + timedelta(hours=hours))
        sr.refresh_from_db()
    return sr, True


def seed(stdout):
    css = Organisation.objects.filter(short_code="css-provider").first()
    if css is not None:
        for item in RequestItem.objects.filter(code__in=CSS_ITEMS):
            item.fulfilment_group, item.fulfilment_provider = FulfilmentGroup.PROVIDER, css
            item.save(update_fields=["fulfilment_group", "fulfilment_provider"])
    supplier, supplier2, shipper = _user("supplier"), _user("supplier2"), _user("shipper")
    desk, ops = _user("desk"), _user("ops")

    def approve(sr, at):
        services.decide(service_request=sr, by=ops, approve=True, comment="Authorised", at=at)

    def reject(sr, at):
        services.decide(service_request=sr, by=ops, approve=False, at=at,
                        comment="Market trial places are full this month; please ask again.")

    def start(sr, at):
        services.start_fulfilment(service_request=sr, by=desk, at=at)

    def finish_tasks(sr, at):
        for task in sr.tasks.open():
            services.move_task(task=task, by=desk, to="done", notes="Checked and done", at=at)

    def fulfil(sr, at):
        services.fulfil(service_request=sr, by=desk, outcome="Done as asked.", at=at)

    def close(sr, at):
        services.close(service_request=sr, by=sr.requester, reason="Thank you", at=at)

    created = [
        _ensure("information-request", supplier, {
            "subject": "Failed switches last week", "question":
            "How many of our switch requests were rejected by CSS last week, and why?",
            "needed_by": None}, days_ago=1)[1],
        _ensure("switching-network-connection", supplier, {
            "mpid": "BWTR", "connection_type": "Additional connection",
            "environment": "Pre-production", "go_live_date": "2027-01-11",
            "peak_messages_per_hour": 4000, "technical_contact_email": "noc@brightwater.example",
            "notes": ""}, days_ago=2)[1],
        _ensure("new-portal-user", supplier, {
            "first_name": "Nia", "last_name": "Jones", "email": "nia.jones@brightwater.example",
            "phone": "", "job_title": "Switching analyst", "org_admin": False,
            "justification": "Joins the switching operations team on Monday."}, days_ago=6,
            then=[(3, approve), (4, start), (5.5, finish_tasks), (6, fulfil), (30, close)])[1],
        _ensure("test-environment-access", supplier2, {
            "environment": "Market trial", "user_count": 4, "start_date": "2027-02-01",
            "end_date": "2027-02-26", "purpose": "Regression tests of our new CRM release."},
            days_ago=4, then=[(20, reject)])[1],
        _ensure("change-organisation-contact", supplier2, {
            "contact_type": "Major incident contact", "name": "Priya Shah",
            "email": "priya.shah@kestrel.example", "phone": "+44 20 7946 0000",
            "effective_date": "2027-01-04"}, raised_by=desk, channel="phone", days_ago=1)[1],
        _ensure("password-reset-unlock", shipper, {"username": "shipper", "confirm": True},
                days_ago=0.1, then=[(0.2, start)])[1],
    ]
    stdout.write(f"  {sum(created)} demo service requests created "
                 f"({ServiceRequest.objects.count()} in all)")
