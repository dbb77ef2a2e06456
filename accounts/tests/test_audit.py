import pytest

from accounts import audit
from accounts.models import AuditEntry, Organisation
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
