"""Demo demand data: capacity bands, forecasts (one excessive pair), actuals and risks.

Idempotent: bands are matched on service/unit/name, forecasts on organisation,
service and reason, actuals on their hour, risks on title. Windows are placed
next week (from the first run) so the calendar has something to show.
"""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.models import Organisation, User
from kernel.periods import LONDON
from services.models import Service

from . import services
from .models import CapacityThreshold, ExcessiveDemandAlert, Forecast, Risk, Unit

U = Unit
# service code, unit, weekday 08:00-18:00 capacity, other times capacity (per hour)
BANDS = [
    ("css-registration", U.SWITCH_REQUESTS, 60_000, 30_000),
    ("uk-link", U.MESSAGES, 25_000, 12_000),
    ("ecoes", U.ENQUIRIES, 40_000, 15_000),
    ("des", U.ENQUIRIES, 20_000, 8_000),
]

# username, service, unit, day offset from next Monday, start hour, hours, volume, reason
FORECASTS = [
    ("supplier", "css-registration", U.SWITCH_REQUESTS, 1, 9, 6, 38_000,
     "Migration of 230 000 customers acquired from a failed supplier (SoLR)."),
    ("supplier2", "css-registration", U.SWITCH_REQUESTS, 1, 10, 4, 27_000,
     "Spring fixed-tariff campaign: expected switching peak."),
    ("supplier2", "css-registration", U.SWITCH_REQUESTS, 3, 8, 10, 12_000,
     "Follow-on switches from the campaign."),
    ("shipper", "uk-link", U.MESSAGES, 2, 6, 12, 9_000,
     "Annual supply point reconfirmation batch."),
    ("supplier", "ecoes", U.ENQUIRIES, 0, 18, 14, 17_000,
     "Overnight data cleanse of the acquired portfolio (crosses midnight)."),
]


def _next_monday():
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def _uk(day, hour):
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def seed(stdout):
    ops = User.objects.get(username="ops")
    for code, unit, business, other in BANDS:
        service = Service.objects.get(code=code)
        CapacityThreshold.objects.update_or_create(
            service=service, unit=unit, name="Weekday 08:00-18:00",
            defaults={"days": CapacityThreshold.WEEKDAYS, "start_time": time(8),
                      "end_time": time(18), "max_volume": business})
        CapacityThreshold.objects.update_or_create(
            service=service, unit=unit, other_times=True,
            defaults={"name": "Other times", "days": "", "max_volume": other})

    monday = _next_monday()
    for username, code, unit, offset, hour, hours, volume, reason in FORECASTS:
        person = User.objects.get(username=username)
        if Forecast.objects.filter(organisation=person.organisation, reason=reason).exists():
            continue
        start = _uk(monday + timedelta(days=offset), hour)
        services.submit_forecast(organisation=person.organisation, submitted_by=person,
                                 service=Service.objects.get(code=code), window_start=start,
                                 window_end=start + timedelta(hours=hours), volume=volume,
                                 unit=unit, reason=reason)

    # The SoLR migration plus the campaign exceed CSS capacity; Operations decided it cannot
    # be met in full (s.8.21-8.22), which drafted a risk. The ECOES overnight alert stays open.
    css_alert = ExcessiveDemandAlert.objects.filter(service__code="css-registration").first()
    if css_alert and css_alert.status == ExcessiveDemandAlert.Status.OPEN:
        services.record_outcome(alert=css_alert, outcome=ExcessiveDemandAlert.Status.CANNOT_BE_MET,
                                by=ops, note="CSS cannot scale before the capacity upgrade; the "
                                             "SoLR migration is to be phased over three days.")
    solr = Forecast.objects.filter(reason__startswith="Migration of 230 000").first()
    if solr:
        services.share_forecast(forecast=solr, by=ops,
                                organisation=Organisation.objects.get(short_code="css-provider"),
                                reason="CSS provider to plan the phased migration with the "
                                       "supplier.")

    _past_forecasts()
    _actuals()
    _risks(ops)
    stdout.write(f"  demand: {CapacityThreshold.objects.count()} capacity bands, "
                 f"{Forecast.objects.count()} forecasts, "
                 f"{ExcessiveDemandAlert.objects.count()} alerts, {Risk.objects.count()} risks")


def _past_forecasts():
    """Last week's daytime campaign forecasts, so forecast vs actual has both sides."""
    css = Service.objects.get(code="css-registration")
    today = timezone.localdate()
    for username, volume in (("supplier", 2500), ("supplier2", 1500)):
        person = User.objects.get(username=username)
        for days_ago in range(7, 0, -1):
            day = today - timedelta(days=days_ago)
            reason = f"Winter tariff campaign, {day:%d %b %Y}"
            if Forecast.objects.filter(organisation=person.organisation, reason=reason).exists():
                continue
            services.submit_forecast(organisation=person.organisation, submitted_by=person,
                                     service=css, window_start=_uk(day, 8),
                                     window_end=_uk(day, 18), volume=volume,
                                     unit=U.SWITCH_REQUESTS, reason=reason)


def _actuals():
    """Hourly actuals for the past week on CSS registration, for two suppliers."""
    rng = random.Random(42)
    css = Service.objects.get(code="css-registration")
    reporter = User.objects.get(username="css")
    today = timezone.localdate()
    rows = []
    for code, base in (("brightwater", 900), ("kestrel", 600)):
        participant = Organisation.objects.get(short_code=code)
        for days_ago in range(7, 0, -1):
            for hour in range(24):
                busy = 8 <= hour < 18
                rows.append({"service": css, "participant": participant,
                             "unit": U.SWITCH_REQUESTS,
                             "hour_start": _uk(today - timedelta(days=days_ago), hour),
                             "volume": int(base * (3 if busy else 1) * rng.uniform(0.7, 1.3))})
    services.report_actuals(reported_by=reporter, rows=rows)


RISKS = [
    ("Single CSS processing cluster during peak switching", "Peak-season switching could "
     "exceed the one active CSS processing cluster.", ["css-registration"], 3, 5,
     "Second cluster commissioned; load tests booked.", Risk.Status.MITIGATING),
    ("MPAS batch windows overlap UK Link overnight processing", "Overnight batches from "
     "several MPAS operators coincide with UK Link's settlement run.", ["mpas-ukpn", "uk-link"],
     2, 3, "Batch windows staggered by agreement at the Change Co-ordination Group.",
     Risk.Status.OPEN),
]


def _risks(ops):
    for title, description, codes, likelihood, impact, mitigation, status in RISKS:
        risk, created = Risk.objects.get_or_create(title=title, defaults={
            "description": description, "likelihood": likelihood, "impact": impact,
            "mitigation": mitigation, "owner": ops, "raised_by": ops,
            "review_date": timezone.localdate() + timedelta(days=30),
            "source": Risk.Source.MANUAL})
        if created:
            risk.services.set(Service.objects.filter(code__in=codes))
            risk.transitions.create(to_status=risk.status, by=ops, reason="Raised")
            risk.transition(to=Risk.Status.OPEN, by=ops, reason="Assessed")
            if status == Risk.Status.MITIGATING:
                risk.transition(to=Risk.Status.MITIGATING, by=ops, reason="Mitigation started")
