"""Market Participants' own outages: declaring, the notice check, where they are published,
and who may see or change them (portal, API, console)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from changes import outages
from changes.errors import InvalidTransition
from changes.models import NoticePeriodRule, ParticipantOutage
from kernel.models import IdempotencyRecord
from notifications.models import OutboundEmail

from .conftest import uk_time

pytestmark = pytest.mark.django_db
URL = "/api/v1/participant-outages/"
# Monday 7 December 2026, 10:00 UK: no bank holiday within three weeks either side.
NOW = uk_time(2026, 12, 7, 10, 0)
Audience = ParticipantOutage.Audience


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def declare(supplier_user, service):
    """declare(kind="planned", by=supplier_user, **fields) -> a ParticipantOutage."""

    def make(kind="planned", *, by=None, **fields):
        by = by or supplier_user
        start = NOW + timedelta(days=14) if kind == "planned" else NOW - timedelta(minutes=20)
        values = {"title": "Gateway upgrade", "starts_at": start,
                  "ends_at": start + timedelta(hours=4), "services": [service],
                  "contact_name": "Bea Bridge", "contact_phone": "0161 496 0000",
                  "audience": Audience.MARKET, **fields}
        return outages.declare_outage(organisation=by.organisation, by=by, kind=kind, **values)

    return make


# --- declaring and the notice check -------------------------------------------------
def test_planned_outage_with_enough_notice_is_scheduled_without_warnings(declare):
    outage = declare(starts_at=uk_time(2026, 12, 21, 1, 0), ends_at=uk_time(2026, 12, 21, 5, 0))
    assert outage.status == "scheduled"
    assert outage.reference.startswith("OUT-")
    assert list(outage.warnings.all()) == []
    assert [(t.from_status, t.to_status) for t in outage.transitions.all()] == [("", "scheduled")]


def test_planned_outage_given_late_is_flagged_with_the_notice_in_words(declare):
    # Declared Monday 7th for Friday 11th: clear working days Tue 8, Wed 9, Thu 10 = 3 < 5.
    outage = declare(starts_at=uk_time(2026, 12, 11, 1, 0), ends_at=uk_time(2026, 12, 11, 5, 0))
    [warning] = outage.warnings.all()
    assert warning.kind == "late_notice"
    assert "5 working days' notice required" in warning.message
    assert "3 given" in warning.message


def test_a_service_specific_outage_rule_beats_the_default(declare, service):
    NoticePeriodRule.objects.create(applies_to="participant_outages", service=service,
                                    working_days=2, description="UK Link: 2 days")
    outage = declare(starts_at=uk_time(2026, 12, 11, 1, 0), ends_at=uk_time(2026, 12, 11, 5, 0))
    assert list(outage.warnings.all()) == []


def test_change_notification_rules_do_not_apply_to_participant_outages(declare):
    NoticePeriodRule.objects.filter(applies_to="participant_outages").delete()
    NoticePeriodRule.objects.create(working_days=50, description="every change: 50 days")
    outage = declare(starts_at=uk_time(2026, 12, 11, 1, 0), ends_at=uk_time(2026, 12, 11, 5, 0))
    assert list(outage.warnings.all()) == []


def test_moving_a_planned_outage_recounts_the_notice_from_the_move(declare):
    outage = declare(starts_at=uk_time(2026, 12, 21, 1, 0), ends_at=uk_time(2026, 12, 21, 5, 0))
    outages.revise_outage(outage=outage, by=outage.declared_by, changes={
        "starts_at": uk_time(2026, 12, 9, 1, 0), "ends_at": uk_time(2026, 12, 9, 5, 0)})
    assert [w.kind for w in outage.warnings.all()] == ["late_notice"]


@pytest.mark.parametrize("kind, fields, field", [
    ("planned", {"ends_at": None}, "ends_at"),
    ("planned", {"starts_at": NOW - timedelta(hours=1)}, "starts_at"),
    ("unplanned", {"starts_at": NOW + timedelta(hours=1)}, "starts_at"),
    ("planned", {"services": [], "flows_affected": ""}, "services"),
])
def test_unsound_declarations_are_refused_by_field(declare, kind, fields, field):
    with pytest.raises(ValidationError) as caught:
        declare(kind, **fields)
    assert field in caught.value.message_dict


def test_declaring_tells_the_service_desk_through_the_outbox(declare, desk_agent):
    outage = declare("unplanned")
    [email] = OutboundEmail.objects.filter(topic="participant_outage")
    assert email.to == [desk_agent.organisation.contact_email]
    assert outage.reference in email.subject and "Unplanned" in email.subject


def test_a_participant_cannot_declare_for_another_organisation(supplier_user,
                                                               other_supplier_org):
    with pytest.raises(PermissionDenied):
        outages.declare_outage(organisation=other_supplier_org, by=supplier_user,
                               kind="unplanned", title="x", starts_at=NOW,
                               contact_name="x", flows_affected="switch requests")


def test_a_provider_cannot_declare_a_participant_outage(provider_user):
    with pytest.raises(PermissionDenied):
        outages.declare_outage(organisation=provider_user.organisation, by=provider_user,
                               kind="unplanned", title="x", starts_at=NOW, contact_name="x",
                               flows_affected="x")


# --- lifecycle ------------------------------------------------------------------------
def test_planned_outage_begins_and_ends_and_leaves_a_row_per_step(declare, supplier_user):
    outage = declare()
    with time_machine.travel(outage.starts_at + timedelta(minutes=5), tick=False):
        outages.perform_outage_action(outage=outage, action="begin", by=supplier_user)
    with time_machine.travel(outage.starts_at + timedelta(hours=2), tick=False):
        outages.perform_outage_action(outage=outage, action="end", by=supplier_user)
    outage.refresh_from_db()
    assert outage.status == "ended"
    assert outage.ends_at == outage.ended_at == outage.starts_at + timedelta(hours=1, minutes=55)
    assert [t.to_status for t in outage.transitions.all()] == ["scheduled", "ongoing", "ended"]


def test_an_ended_outage_cannot_be_revised_or_cancelled(declare, supplier_user):
    outage = declare("unplanned")
    outages.perform_outage_action(outage=outage, action="end", by=supplier_user)
    with pytest.raises(InvalidTransition):
        outages.revise_outage(outage=outage, by=supplier_user, changes={"title": "again"})
    with pytest.raises(InvalidTransition):
        outages.perform_outage_action(outage=outage, action="cancel", by=supplier_user,
                                      reason="mistake")


def test_cancelling_needs_a_reason(declare, supplier_user):
    outage = declare()
    with pytest.raises(InvalidTransition):
        outages.perform_outage_action(outage=outage, action="cancel", by=supplier_user)


def test_an_ongoing_outages_start_cannot_move(declare, supplier_user):
    outage = declare("unplanned")
    with pytest.raises(ValidationError):
        outages.revise_outage(outage=outage, by=supplier_user,
                              changes={"starts_at": NOW - timedelta(hours=3)})


# --- who sees what ----------------------------------------------------------------------
def _visible(user):
    return set(ParticipantOutage.objects.visible_to(user).values_list("reference", flat=True))


def test_visibility_follows_the_audience(declare, supplier_user, other_supplier_user,
                                         provider_user, desk_agent):
    market = declare(audience=Audience.MARKET)
    providers_only = declare(audience=Audience.PROVIDERS)
    assert _visible(supplier_user) == {market.reference, providers_only.reference}
    assert _visible(other_supplier_user) == {market.reference}
    assert _visible(provider_user) == {market.reference, providers_only.reference}
    assert _visible(desk_agent) == {market.reference, providers_only.reference}


def test_a_cancelled_outage_is_withdrawn_from_other_parties(declare, supplier_user,
                                                            other_supplier_user, provider_user):
    outage = declare()
    outages.perform_outage_action(outage=outage, action="cancel", by=supplier_user,
                                  reason="Upgrade postponed")
    assert _visible(other_supplier_user) == _visible(provider_user) == set()
    assert _visible(supplier_user) == {outage.reference}


def test_another_participant_cannot_change_a_published_outage(declare, other_supplier_user):
    outage = declare(audience=Audience.MARKET)
    with pytest.raises(PermissionDenied):
        outages.revise_outage(outage=outage, by=other_supplier_user, changes={"title": "mine"})
    with pytest.raises(PermissionDenied):
        outages.perform_outage_action(outage=outage, action="cancel", by=other_supplier_user,
                                      reason="not mine")


def test_portal_detail_of_another_partys_private_outage_is_404(declare, client,
                                                               other_supplier_user):
    outage = declare(audience=Audience.PROVIDERS)
    client.force_login(other_supplier_user)
    assert client.get(reverse("changes:outage", args=[outage.reference])).status_code == 404


def test_portal_hides_contact_details_from_other_parties(declare, client, other_supplier_user,
                                                         supplier_colleague):
    outage = declare(audience=Audience.MARKET)
    client.force_login(other_supplier_user)
    page = client.get(reverse("changes:outage", args=[outage.reference])).content.decode()
    assert outage.title in page and "0161 496 0000" not in page
    assert "Change the details" not in page
    client.force_login(supplier_colleague)
    page = client.get(reverse("changes:outage", args=[outage.reference])).content.decode()
    assert "0161 496 0000" in page and "Change the details" in page


def test_portal_edit_and_action_of_another_partys_outage_are_refused(declare, client,
                                                                     other_supplier_user):
    outage = declare(audience=Audience.MARKET)
    client.force_login(other_supplier_user)
    assert client.get(reverse("changes:outage_revise", args=[outage.reference])).status_code == 403
    client.post(reverse("changes:outage_action", args=[outage.reference]),
                {"action": "cancel", "reason": "not mine"})
    outage.refresh_from_db()
    assert outage.status == "scheduled"


# --- portal form -------------------------------------------------------------------------
def test_participant_declares_an_unplanned_outage_in_the_portal(client, supplier_user, service):
    client.force_login(supplier_user)
    response = client.post(reverse("changes:outage_declare"), {
        "kind": "unplanned", "title": "Our switching gateway is down",
        "starts_at": "2026-12-07T09:30", "ends_at": "", "services": [service.pk],
        "flows_affected": "switch requests", "audience": "providers",
        "contact_name": "Bea", "contact_phone": "", "contact_email": ""})
    outage = ParticipantOutage.objects.get()
    assert response.status_code == 302
    assert (outage.organisation, outage.status, outage.ends_at) == (
        supplier_user.organisation, "ongoing", None)


def test_portal_form_shows_field_errors_not_a_500(client, supplier_user):
    client.force_login(supplier_user)
    response = client.post(reverse("changes:outage_declare"), {
        "kind": "planned", "title": "x", "starts_at": "2026-12-20T01:00", "ends_at": "",
        "audience": "providers", "contact_name": "Bea"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A planned outage needs an end." in page
    assert "Name the services or the flows" in page
    assert not ParticipantOutage.objects.exists()


# --- where they are published ------------------------------------------------------------
def test_planned_outage_is_on_the_schedule_its_feed_and_csv(declare, client,
                                                            other_supplier_user):
    outage = declare(audience=Audience.MARKET)
    hidden = declare(audience=Audience.PROVIDERS, title="Private window")
    client.force_login(other_supplier_user)
    page = client.get(reverse("changes:schedule") + "?view=list&date=2026-12-07")
    assert outage.reference in page.content.decode()
    assert hidden.reference not in page.content.decode()
    feed = client.get(reverse("changes:feed")).content.decode()
    assert f"UID:{outage.reference}@" in feed and hidden.reference not in feed
    csv = client.get(reverse("changes:schedule_csv") + "?date=2026-12-07").content.decode()
    assert outage.reference in csv and hidden.reference not in csv


def test_unplanned_outage_is_on_the_status_page_for_its_audience(declare, client, provider_user,
                                                                 other_supplier_user):
    outage = declare("unplanned", audience=Audience.PROVIDERS, title="Gateway down")
    client.force_login(provider_user)
    assert outage.reference in client.get(reverse("servicestatus:portal")).content.decode()
    client.force_login(other_supplier_user)
    assert outage.reference not in client.get(reverse("servicestatus:portal")).content.decode()


def test_an_ended_outage_leaves_the_status_page(declare, client, provider_user, supplier_user):
    outage = declare("unplanned")
    outages.perform_outage_action(outage=outage, action="end", by=supplier_user)
    client.force_login(provider_user)
    assert outage.reference not in client.get(reverse("servicestatus:portal")).content.decode()


# --- console -----------------------------------------------------------------------------
def test_the_desk_sees_outages_beside_incidents_on_the_console_front_page(declare, client,
                                                                         desk_agent):
    ongoing = declare("unplanned", audience=Audience.PROVIDERS, title="Gateway down")
    far = declare(starts_at=NOW + timedelta(days=20), ends_at=NOW + timedelta(days=20, hours=2),
                  title="Far away")
    client.force_login(desk_agent)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Service-affecting incidents" in page
    assert ongoing.reference in page and far.reference not in page
    listing = client.get(reverse("admin:changes_participantoutage_changelist")).content.decode()
    assert ongoing.reference in listing and far.reference in listing


def test_the_desk_records_an_outage_told_by_phone_in_the_console(client, desk_agent,
                                                                 supplier_org, service):
    client.force_login(desk_agent)
    response = client.post(reverse("admin:changes_participantoutage_add"), {
        "organisation": supplier_org.pk, "kind": "unplanned", "title": "Phoned in",
        "description": "", "starts_at_0": "2026-12-07", "starts_at_1": "09:00",
        "ends_at_0": "", "ends_at_1": "", "services": [service.pk], "flows_affected": "",
        "audience": "providers", "contact_name": "Caller", "contact_phone": "",
        "contact_email": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    outage = ParticipantOutage.objects.get()
    assert (outage.declared_by, outage.status) == (desk_agent, "ongoing")
    assert outage.transitions.count() == 1


def test_console_add_with_an_unsound_window_shows_the_error(client, desk_agent, supplier_org,
                                                            service):
    client.force_login(desk_agent)
    response = client.post(reverse("admin:changes_participantoutage_add"), {
        "organisation": supplier_org.pk, "kind": "planned", "title": "No end",
        "starts_at_0": "2026-12-20", "starts_at_1": "09:00", "ends_at_0": "", "ends_at_1": "",
        "services": [service.pk], "audience": "providers", "contact_name": "Caller"})
    assert response.status_code == 200
    assert "A planned outage needs an end." in response.content.decode()


# --- API ---------------------------------------------------------------------------------
def _payload(service, **fields):
    return {"kind": "unplanned", "title": "Gateway down", "starts_at": "2026-12-07T09:40:00Z",
            "services": [service.code], "flows_affected": "switch requests",
            "contact_name": "Ops bridge", "contact_phone": "0161 496 0000", **fields}


def test_api_declare_is_idempotent(token_client, supplier_org, service):
    client = token_client(supplier_org)
    first = client.post(URL, _payload(service), format="json", HTTP_IDEMPOTENCY_KEY="o-1")
    again = client.post(URL, _payload(service), format="json", HTTP_IDEMPOTENCY_KEY="o-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert ParticipantOutage.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert first.json()["status"] == "ongoing"


def test_api_bad_input_is_400_by_field(token_client, supplier_org, service):
    client = token_client(supplier_org)
    response = client.post(URL, _payload(service, kind="planned", starts_at="2026-12-20T01:00Z"),
                           format="json")
    assert response.status_code == 400
    assert "ends_at" in response.json()["error"]["fields"]
    response = client.post(URL, _payload(service, services=["no-such"]), format="json")
    assert response.status_code == 400


def test_api_provider_cannot_declare(token_client, provider_org, service):
    response = token_client(provider_org).post(URL, _payload(service), format="json")
    assert response.status_code == 403


def test_api_other_participant_sees_published_outage_without_contact(declare, token_client,
                                                                     other_supplier_org):
    public = declare(audience=Audience.MARKET)
    private = declare(audience=Audience.PROVIDERS)
    client = token_client(other_supplier_org)
    references = [row["reference"] for row in client.get(URL).json()["results"]]
    assert references == [public.reference]
    detail = client.get(f"{URL}{public.reference}/").json()
    assert detail["contact_phone"] == "" and detail["contact_name"] == ""
    assert client.get(f"{URL}{private.reference}/").status_code == 404
    assert client.patch(f"{URL}{public.reference}/", {"title": "x"},
                        format="json").status_code == 403
    assert client.post(f"{URL}{public.reference}/cancel/", {"reason": "x"},
                       format="json").status_code == 403


def test_api_owner_ends_its_outage_and_a_second_end_is_409(declare, token_client, supplier_org):
    outage = declare("unplanned")
    client = token_client(supplier_org)
    assert client.post(f"{URL}{outage.reference}/end/", {}, format="json").status_code == 200
    assert client.post(f"{URL}{outage.reference}/end/", {}, format="json").status_code == 409
    assert client.patch(f"{URL}{outage.reference}/", {"kind": "planned"},
                        format="json").status_code in (400, 409)
