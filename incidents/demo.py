"""Demo incidents: a handful of realistic cases at different points of the lifecycle.

Idempotent: an incident is found again by (organisation, title); OLA targets by
(resolver group, severity).
"""

from datetime import timedelta

from django.utils import timezone

from accounts import audit
from accounts.models import Organisation, User
from kernel.clocks.units import Unit
from services.models import BusinessCalendar, Service

from . import major_incidents, masters, provider_tasks, services
from .models import Incident, OlaTarget

# resolver group short code: hours to resolve per severity 1-4 (24x7 for 1-3, working for 4)
OLAS = {code: (3, 16, 48, 60) for code in ["css-provider", "xoserve", "gemserv", "dcc", "ukpn"]}


def _user(username):
    return User.objects.get(username=username)


def _seed_olas():
    always, working = BusinessCalendar.twenty_four_seven(), BusinessCalendar.england_and_wales()
    for code, hours in OLAS.items():
        group = Organisation.objects.filter(short_code=code).first()
        if group is None:
            continue
        for severity, amount in enumerate(hours, start=1):
            OlaTarget.objects.update_or_create(
                resolver_group=group, severity=severity,
                defaults={"resolution_amount": amount, "resolution_unit": Unit.HOURS,
                          "calendar": working if severity == 4 else always})


def _raise(*, username, title, description, service_codes, severity, channel, hours_ago):
    user = _user(username)
    existing = Incident.objects.filter(organisation=user.organisation, title=title).first()
    if existing:
        return existing, False
    incident = services.raise_incident(
        organisation=user.organisation, raised_by=user, title=title, description=description,
        services=list(Service.objects.filter(code__in=service_codes)), severity=severity,
        proposed_severity=severity, channel=channel,
        at=timezone.now() - timedelta(hours=hours_ago))
    return incident, True


def seed(stdout):
    _seed_olas()
    desk, ops = _user("desk"), _user("ops")
    with audit.acting(actor=desk, channel=audit.Channel.SYSTEM):
        rejected, new = _raise(
            username="supplier", title="Gas switch requests rejected with E0213",
            description="Since 08:40 every gas switch request for LDZ EA is rejected by UK Link "
                        "with E0213 (supply point not found). 40 switches affected so far.",
            service_codes=["uk-link"], severity=2, channel="portal", hours_ago=3)
        if new:
            services.transition_incident(incident=rejected, by=desk, to="in_progress",
                                         reason="Reproduced on two MPRNs")
            services.assign_incident(incident=rejected, by=desk,
                                     resolver_group=Organisation.objects.get(
                                         short_code="xoserve"),
                                     reason="Supply point data missing in UK Link")
            services.add_comment(incident=rejected, author=_user("xoserve"),
                                 body="Investigating a failed overnight load for LDZ EA.")

        address, new = _raise(
            username="supplier2", title="Address search returns no results for new builds",
            description="CSS address search returns no REL address for plots registered this "
                        "week (e.g. postcode PE1 9ZZ).",
            service_codes=["css-address"], severity=3, channel="email", hours_ago=26)
        if new:
            services.transition_incident(incident=address, by=desk, to="pending",
                                         pending_reason="awaiting_participant",
                                         reason="Please send three example UPRNs")

        portal, new = _raise(
            username="shipper", title="Portal report export times out",
            description="The monthly switching report export times out after 30 seconds.",
            service_codes=["switching-portal"], severity=4, channel="portal", hours_ago=50)
        if new:
            services.transition_incident(incident=portal, by=desk, to="resolved",
                                         resolution_code="fixed",
                                         resolution_notes="Export moved to a background job.")

        outage, new = _raise(
            username="supplier", title="CSS not accepting switch requests",
            description="All switch requests time out at the CSS API gateway since 10:05.",
            service_codes=["css-registration"], severity=1, channel="phone", hours_ago=1)
        if new:
            services.transition_incident(incident=outage, by=desk, to="in_progress",
                                         reason="Confirmed by three suppliers")
            services.assign_incident(incident=outage, by=desk,
                                     resolver_group=Organisation.objects.get(
                                         short_code="css-provider"))
            major_incidents.declare_major(
                incident=outage, by=ops, manager=ops,
                summary="The Central Switching Service is not accepting switch requests. "
                        "The CSS provider is investigating; next update in 30 minutes.")
            # Two providers at once, a second supplier's report gathered under it, a
            # shipper that joined instead of raising a duplicate.
            provider_tasks.add_task(incident=outage, by=desk,
                                    resolver_group=Organisation.objects.get(short_code="dcc"),
                                    reason="Secured switch notifications are not arriving")
            duplicate, _ = _raise(
                username="supplier2", title="Switch requests time out",
                description="Every switch request we send times out since 10:07.",
                service_codes=["css-registration"], severity=1, channel="portal",
                hours_ago=0.9)
            masters.link_child(master=outage, child=duplicate, by=desk,
                               reason="Same CSS outage")
            masters.join_incident(incident=outage, by=_user("shipper"),
                                  impact="Gas switch requests rejected since 10:05.")

        _raise(username="supplier2", title="ECOES search slow this morning",
               description="ECOES MPAN searches take 20-30 seconds since 07:30.",
               service_codes=["ecoes"], severity=3, channel="api", hours_ago=0.5)
    stdout.write(f"  {Incident.objects.count()} incidents, {OlaTarget.objects.count()} OLA "
                 "targets")
