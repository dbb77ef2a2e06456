import mailbox
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from incidents import services
from incidents.inbound import process_maildir
from incidents.models import HeldEmail, InboundEmail, Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def maildir(tmp_path, monkeypatch):
    path = tmp_path / "inbound"
    monkeypatch.setenv("INBOUND_MAILDIR", str(path))
    return mailbox.Maildir(str(path), create=True)


def deliver(box, *, sender, subject, body="Details", message_id=None, attachment=None):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "desk@example", subject
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment[1].encode(), maintype="text", subtype="plain",
                               filename=attachment[0])
    box.add(message.as_bytes())


def test_new_mail_from_a_participant_becomes_an_incident(maildir, supplier_user):
    deliver(maildir, sender=f"Bea <{supplier_user.email}>", subject="Switches stuck",
            body="Since 9am", attachment=("trace.txt", "ERR"))
    assert process_maildir() == {"created": 1}
    incident = Incident.objects.get()
    assert (incident.channel, incident.title, incident.organisation) == (
        "email", "Switches stuck", supplier_user.organisation)
    assert incident.attachments.get().original_name == "trace.txt"
    assert list(maildir.iterkeys()) == []
    assert len(maildir.get_folder("processed")) == 1


def test_reply_with_reference_becomes_an_update_from_a_provider(maildir, make_incident,
                                                                 desk_agent, provider_user,
                                                                 provider_org):
    incident = make_incident()
    services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    deliver(maildir, sender=provider_user.email,
            subject=f"RE: [{incident.reference}] Assigned to Xoserve", body="Patched at 10:15")
    assert process_maildir() == {"updated": 1}
    comment = incident.comments.get()
    assert (comment.author, comment.via, comment.body) == (provider_user, "email",
                                                           "Patched at 10:15")


def test_unknown_sender_is_held_never_dropped(maildir):
    deliver(maildir, sender="stranger@nowhere.example", subject="Help")
    assert process_maildir() == {"held": 1}
    held = HeldEmail.objects.get()
    assert held.why == "Unknown sender" and held.body == "Details"


def test_reference_the_sender_may_not_see_is_held(maildir, make_incident, other_supplier_user):
    incident = make_incident()
    deliver(maildir, sender=other_supplier_user.email, subject=f"[{incident.reference}] hi")
    assert process_maildir() == {"held": 1}
    assert not incident.comments.exists()


def test_reply_to_a_closed_incident_is_held(maildir, make_incident, desk_agent, supplier_user):
    incident = make_incident()
    services.transition_incident(incident=incident, by=desk_agent, to="cancelled", reason="x")
    deliver(maildir, sender=supplier_user.email, subject=f"Re: [{incident.reference}]")
    assert process_maildir() == {"held": 1}
    assert "raise a new incident" in HeldEmail.objects.get().why


def test_a_mail_is_never_processed_twice(maildir, supplier_user):
    deliver(maildir, sender=supplier_user.email, subject="One", message_id="<a@b>")
    deliver(maildir, sender=supplier_user.email, subject="One", message_id="<a@b>")
    assert process_maildir() == {"created": 1, "duplicate": 1}
    assert process_maildir() == {}
    assert Incident.objects.count() == 1 and InboundEmail.objects.count() == 1


def test_command_reads_the_env_maildir(maildir, supplier_user, capsys):
    deliver(maildir, sender=supplier_user.email, subject="Via command")
    call_command("read_inbound_mail")
    assert "1 created" in capsys.readouterr().out
