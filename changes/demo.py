"""Demo Change Co-ordination data: notices rules, a Christmas freeze, notifications, a meeting.

Idempotent: rules and freezes are matched by their description/name, and
notifications by (provider, title); an existing notification is left in the
state it reached (only new ones are walked through their lifecycle).
Windows are placed relative to today, so the schedule always has content:
the CSS patching and the UK Link release overlap on dependent services.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.models import Organisation, User
from kernel.periods import LONDON as UK
from services.models import Service

from . import outages, services
from .models import (
    ChangeFreeze,
    ChangeNotification,
    CoordinationMeeting,
    NoticePeriodRule,
    ParticipantOutage,
)


def _next_sunday(weeks_ahead):
    today = timezone.localdate()
    return today + timedelta(days=(6 - today.weekday()) % 7 + 7 * weeks_ahead)


def _at(day, hour):
    return datetime.combine(day, time(hour, 0), tzinfo=UK)


# provider, user, title, type, (service, impact)s, day, start hour, hours, lifecycle actions
NOTIFICATIONS = [
    ("css-provider", "css", "CSS registration database patching", "normal",
     [("css-registration", "outage"), ("css-address", "degraded")], 2, 1, 4,
     ["submit", "assess", "approve"]),
    ("xoserve", "xoserve", "UK Link quarterly release", "major",
     [("uk-link", "outage"), ("des", "degraded")], 2, 2, 5, ["submit"]),
    ("gemserv", "gemserv", "ECOES search index rebuild", "standard",
     [("ecoes", "degraded")], 3, 20, 2, []),
    ("dcc", "dcc", "DSP certificate renewal (emergency)", "emergency",
     [("dcc-dsp", "degraded")], 0, 9, 2, ["submit", "start"]),
    ("ukpn", "ukpn", "MPAS UKPN operating system upgrade", "normal",
     [("mpas-ukpn", "outage")], 5, 0, 3, ["submit", "assess", "approve"]),
]


def _rules():
    css = Organisation.objects.get(short_code="css-provider")
    NoticePeriodRule.objects.update_or_create(
        description="CSS planned outage: 8 working days",
        defaults={"provider": css, "service": None, "change_type": "", "outages_only": True,
                  "working_days": 8})


def _freezes(ops):
    year = timezone.localdate().year
    ChangeFreeze.objects.update_or_create(
        name=f"Christmas and New Year {year}", defaults={
            "reason": "Industry change freeze over the holidays: reduced staff at every provider.",
            "recurrence": ChangeFreeze.Recurrence.ONE_OFF,
            "starts_at": _at(datetime(year, 12, 18).date(), 17),
            "ends_at": _at(datetime(year + 1, 1, 4).date(), 9), "created_by": ops})
    ChangeFreeze.objects.update_or_create(
        name="Monday morning switching peak", defaults={
            "reason": "Switch volumes peak after the weekend.",
            "recurrence": ChangeFreeze.Recurrence.WEEKLY, "weekday": 0,
            "start_time": time(7, 0), "end_time": time(11, 0), "created_by": ops})


def _participant_outage():
    """Kestrel Power's planned gateway upgrade, two Sundays ahead (matched by title)."""
    user = User.objects.get(username="supplier2")
    title = "Switching gateway upgrade"
    if ParticipantOutage.objects.filter(organisation=user.organisation, title=title).exists():
        return
    start = _at(_next_sunday(2), 2)
    outages.declare_outage(
        organisation=user.organisation, by=user, kind=ParticipantOutage.Kind.PLANNED,
        title=title, starts_at=start, ends_at=start + timedelta(hours=3),
        services=[Service.objects.get(code="css-registration")],
        flows_affected="switch requests (gaining), objections (losing)",
        audience=ParticipantOutage.Audience.MARKET, contact_name="Kestrel operations bridge",
        contact_phone="0161 496 0123", description="Our gateway to the CSS is upgraded; "
        "switch requests queue at our end and are sent when it is back.")


def seed(stdout):
    ops = User.objects.get(username="ops")
    _rules()
    _freezes(ops)
    created = 0
    for code, username, title, kind, impacts, weeks, hour, hours, actions in NOTIFICATIONS:
        provider = Organisation.objects.get(short_code=code)
        if ChangeNotification.objects.filter(provider=provider, title=title).exists():
            continue
        user = User.objects.get(username=username)
        start = _at(_next_sunday(weeks), hour)
        change = services.create_change_notification(
            provider=provider, by=user, title=title, change_type=kind,
            description=f"{title}. Planned by {provider.name}; rehearsed in pre-production.",
            risk="Low: rehearsed; the service fails over within minutes.",
            back_out_plan="Restore the pre-change snapshot and restart the service.",
            planned_start=start, planned_end=start + timedelta(hours=hours),
            impacts=[(Service.objects.get(code=s), impact) for s, impact in impacts])
        for action in actions:
            by = ops if action in ("assess", "approve") else user
            services.perform_action(change_notification=change, action=action, by=by,
                                    reason="Demo data")
        created += 1
    meeting, _ = CoordinationMeeting.objects.get_or_create(
        title="Change Co-ordination Group (weekly)",
        defaults={"scheduled_for": _at(timezone.localdate() + timedelta(days=3), 10),
                  "chair": ops})
    services.build_agenda(meeting=meeting, by=ops)
    _participant_outage()
    stdout.write(f"  {created} change notifications added, "
                 f"{ChangeNotification.objects.count()} in all; "
                 f"{meeting.items.count()} on the next CCG agenda")
