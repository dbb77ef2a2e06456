import pytest
from django.test import RequestFactory

from accounts import audit
from accounts.models import AuditEntry, Organisation
from kernel.acting import request_context
from services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def test_create_outside_a_request_is_recorded_as_system(db):
    org = Organisation.objects.create(name="Wren Energy", short_code="wren",
                                      kind="market_participant", market_role="energy_supplier")
    entry = AuditEntry.objects.for_object(org).get()
    assert entry.action == "create"
    assert entry.channel == "system"
    assert entry.actor_label == "system"
    assert entry.changes["name"] == [None, "Wren Energy"]


def test_acting_attributes_changes_to_the_named_actor(operations_user, supplier_org):
    with audit.acting(actor=operations_user, channel=audit.Channel.EMAIL):
        supplier_org.contact_email = "new@brightwater.example"
        supplier_org.save()
    entry = AuditEntry.objects.for_object(supplier_org).first()
    assert entry.actor == operations_user
    assert entry.channel == "email"
    assert entry.changes == {"contact_email": ["contact@brightwater.example",
                                               "new@brightwater.example"]}


def test_save_without_changes_records_nothing(supplier_org):
    before = AuditEntry.objects.count()
    supplier_org.save()
    assert AuditEntry.objects.count() == before


def test_audit_rows_are_append_only(supplier_org):
    entry = AuditEntry.objects.first()
    entry.object_repr = "tampered"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_catalogue_changes_are_audited(db):
    service = ServiceFactory(name="CSS Address Service", code="css-address")
    service.availability_target = "99.900"
    service.save()
    actions = list(AuditEntry.objects.for_object(service).values_list("action", flat=True))
    assert actions == ["update", "create"]


def test_a_row_keeps_every_value_as_written(operations_user, supplier_org):
    """The trail's insert converts each value as its field would: JSON, an IPv6 address,
    the acting user, the time of the change."""
    before = AuditEntry.objects.count()
    request = RequestFactory().post("/admin/accounts/organisation/", REMOTE_ADDR="2001:db8::7")
    request.user = operations_user
    with request_context(request):
        supplier_org.name = "Brightwater Énergie"
        supplier_org.save()
    entry = AuditEntry.objects.for_object(supplier_org).first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.actor, entry.actor_label, entry.channel, entry.remote_addr) == (
        operations_user, operations_user.username, "admin", "2001:db8::7")
    assert entry.changes == {"name": ["Brightwater Energy", "Brightwater Énergie"]}
    assert entry.object_repr == str(supplier_org) and entry.at is not None


def test_bulk_rows_past_one_statement_are_all_written(supplier_org):
    """record_bulk writes 500 rows per statement: 1,201 changes are 1,201 rows."""
    before = AuditEntry.objects.count()
    written = audit.record_bulk([(supplier_org, "update", {"name": [f"n{i}", f"n{i + 1}"]})
                                 for i in range(1201)])
    assert written == 1201
    assert AuditEntry.objects.count() == before + 1201
    last = AuditEntry.objects.filter(changes__name=["n1200", "n1201"]).get()
    assert (last.action, last.object_id) == ("update", str(supplier_org.pk))
