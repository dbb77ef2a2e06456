import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents import services
from incidents.models import Incident, IncidentAttachment

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def test_raise_form_shows_severity_guidance_and_services(client, supplier_user, service):
    page = _login(client, supplier_user).get("/incidents/raise/")
    assert page.status_code == 200
    assert b"prevents a large group" in page.content and b"UK Link" in page.content


def test_participant_raises_an_incident_with_an_attachment(client, supplier_user, service):
    upload = SimpleUploadedFile("trace.log", b"ERROR 42", content_type="text/plain")
    response = _login(client, supplier_user).post("/incidents/raise/", {
        "title": "Rejections", "description": "All gas switches rejected",
        "services": [service.pk], "severity": 2, "attachment": upload})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == f"/incidents/{incident.reference}/"
    assert incident.channel == "portal" and incident.proposed_severity == 2
    assert incident.attachments.get().original_name == "trace.log"


@pytest.mark.parametrize("data, field", [
    ({"title": "", "description": "x", "severity": 2}, "title"),
    ({"title": "x", "description": "", "severity": 2}, "description"),
    ({"title": "x", "description": "x", "severity": 9}, "severity"),
    ({"title": "x", "description": "x", "severity": 2, "services": []}, "services"),
])
def test_raise_form_rejects_bad_input(client, supplier_user, service, data, field):
    data.setdefault("services", [service.pk])
    response = _login(client, supplier_user).post("/incidents/raise/", data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Incident.objects.exists()


def test_raise_form_rejects_dangerous_or_huge_files(client, supplier_user, service, settings):
    upload = SimpleUploadedFile("evil.html", b"<script>", content_type="text/html")
    response = _login(client, supplier_user).post("/incidents/raise/", {
        "title": "x", "description": "x", "services": [service.pk], "severity": 2,
        "attachment": upload})
    assert "not accepted" in str(response.context["form"].errors["attachment"])
    big = SimpleUploadedFile("big.txt", b"x" * (10 * 1024 * 1024 + 1))
    response = client.post("/incidents/raise/", {
        "title": "x", "description": "x", "services": [service.pk], "severity": 2,
        "attachment": big})
    assert "larger than" in str(response.context["form"].errors["attachment"])


def test_auditor_cannot_raise_in_portal(client, auditor_user):
    assert _login(client, auditor_user).get("/incidents/raise/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get("/incidents/").status_code == 302


def test_list_shows_only_my_organisations_incidents(client, make_incident, supplier_colleague,
                                                    other_supplier_user):
    incident = make_incident()
    assert incident.reference.encode() in _login(client, supplier_colleague).get(
        "/incidents/").content
    client.logout()
    page = _login(client, other_supplier_user).get("/incidents/")
    assert incident.reference.encode() not in page.content
    assert client.get(f"/incidents/{incident.reference}/").status_code == 404
    assert client.post(f"/incidents/{incident.reference}/comment/",
                       {"body": "x"}).status_code == 404


def test_detail_hides_work_notes_from_participants(client, make_incident, desk_agent,
                                                   supplier_user):
    incident = make_incident()
    services.add_comment(incident=incident, author=desk_agent, body="SECRET NOTE", public=False)
    services.add_comment(incident=incident, author=desk_agent, body="Public reply")
    page = _login(client, supplier_user).get(f"/incidents/{incident.reference}/")
    assert b"Public reply" in page.content and b"SECRET NOTE" not in page.content


def test_participant_comment_resumes_incident_pending_on_them(client, make_incident,
                                                             desk_agent, supplier_user):
    incident = make_incident()
    services.transition_incident(incident=incident, by=desk_agent, to="pending",
                                 pending_reason="awaiting_participant")
    response = _login(client, supplier_user).post(f"/incidents/{incident.reference}/comment/",
                                                  {"body": "MPRN 123456"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "in_progress"


def test_empty_comment_is_refused_with_a_message(client, make_incident, supplier_user):
    incident = make_incident()
    response = _login(client, supplier_user).post(f"/incidents/{incident.reference}/comment/",
                                                  {"body": ""}, follow=True)
    assert b"This field is required" in response.content
    assert not incident.comments.exists()


def test_confirm_and_invalid_move_in_the_portal(client, make_incident, desk_agent,
                                                supplier_user):
    incident = make_incident()
    _login(client, supplier_user)
    response = client.post(f"/incidents/{incident.reference}/transition/", {"to": "closed"},
                           follow=True)
    assert b"may not" in response.content
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Fixed")
    page = client.get(f"/incidents/{incident.reference}/")
    assert b"Confirm the resolution" in page.content and b"Reopen" in page.content
    client.post(f"/incidents/{incident.reference}/transition/", {"to": "closed"})
    incident.refresh_from_db()
    assert incident.status == "closed"
    response = client.post(f"/incidents/{incident.reference}/transition/", {"to": "bogus"},
                           follow=True)
    assert b"Choose a valid action" in response.content


def test_transition_is_post_only(client, make_incident, desk_agent):
    incident = make_incident()
    response = _login(client, desk_agent).get(f"/incidents/{incident.reference}/transition/")
    assert response.status_code == 405


def test_attachment_download_is_permission_checked_and_forced_download(
        client, make_incident, supplier_user, other_supplier_user, desk_agent):
    incident = make_incident()
    public = services.add_attachment(incident=incident, by=supplier_user,
                                     upload=SimpleUploadedFile("a.png", b"\x89PNG"))
    internal = services.add_attachment(incident=incident, by=desk_agent, public=False,
                                       upload=SimpleUploadedFile("n.txt", b"internal"))
    url = f"/incidents/{incident.reference}/files/"
    response = _login(client, supplier_user).get(f"{url}{public.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="a.png"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"{url}{internal.pk}/").status_code == 404
    client.logout()
    assert _login(client, other_supplier_user).get(f"{url}{public.pk}/").status_code == 404
    assert IncidentAttachment.objects.count() == 2


def test_desk_work_note_with_a_file_keeps_the_file_internal(client, make_incident, desk_agent,
                                                           supplier_user):
    incident = make_incident()
    client.force_login(desk_agent)
    client.post(f"/incidents/{incident.reference}/comment/", {
        "body": "Provider log attached", "work_note": "on",
        "attachment": SimpleUploadedFile("provider.log", b"stack trace")})
    attachment = incident.attachments.get()
    assert not attachment.is_public and not incident.comments.get().is_public
    client.force_login(supplier_user)
    page = client.get(f"/incidents/{incident.reference}/")
    assert b"provider.log" not in page.content and b"Provider log attached" not in page.content


def test_an_uploaded_files_name_is_kept_safe_and_stored_under_a_random_name(
        client, make_incident, supplier_user):
    incident = make_incident()
    attachment = services.add_attachment(
        incident=incident, by=supplier_user,
        upload=SimpleUploadedFile("..\\..\\Meter\x00 readings.csv", b"mpan,read\n"))
    assert attachment.original_name == "Meter readings.csv"
    assert attachment.content_type == "text/csv" and attachment.size == 10
    assert "Meter" not in attachment.file.name and attachment.file.name.startswith("incidents/")


def test_comment_with_a_very_long_file_name_keeps_both_with_the_name_bounded(
        client, make_incident, supplier_user):
    incident = make_incident()
    client.force_login(supplier_user)
    response = client.post(f"/incidents/{incident.reference}/comment/", {
        "body": "Trace attached", "attachment": SimpleUploadedFile("t" * 250 + ".log", b"trace")})
    assert response.status_code == 302
    attachment = incident.attachments.get()
    assert len(attachment.original_name) == 200 and attachment.original_name.endswith(".log")
    assert incident.comments.get().body == "Trace attached"


def test_comment_is_not_saved_when_its_file_cannot_be_stored(client, make_incident, supplier_user,
                                                              settings, tmp_path):
    incident = make_incident()
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(not_a_folder)
    client.force_login(supplier_user)
    client.raise_request_exception = False
    response = client.post(f"/incidents/{incident.reference}/comment/", {
        "body": "Trace attached", "attachment": SimpleUploadedFile("trace.log", b"trace")})
    assert response.status_code == 500
    assert not incident.comments.exists() and not incident.attachments.exists()


def test_incident_is_not_raised_when_its_file_cannot_be_stored(client, supplier_user, service,
                                                               settings, tmp_path):
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(not_a_folder)
    client.force_login(supplier_user)
    client.raise_request_exception = False
    response = client.post("/incidents/raise/", {
        "title": "Late responses", "description": "Since 09:40", "services": [service.pk],
        "severity": 3, "attachment": SimpleUploadedFile("trace.log", b"trace")})
    assert response.status_code == 500
    assert not Incident.objects.exists()


def test_comment_comes_first_and_cancel_sits_behind_a_disclosure(client, make_incident,
                                                                 supplier_user):
    incident = make_incident(raised_by=supplier_user)
    page = _login(client, supplier_user).get(f"/incidents/{incident.reference}/").content.decode()
    comment_at = page.index("Add a comment")
    disclosure_at = page.index('<details class="danger-zone">')
    assert comment_at < disclosure_at < page.index("Cancel incident")
    assert f"Yes, cancel {incident.reference}" in page


def test_cancel_without_the_confirmation_tick_changes_nothing(client, make_incident,
                                                              supplier_user):
    incident = make_incident(raised_by=supplier_user)
    url = f"/incidents/{incident.reference}/transition/"
    response = _login(client, supplier_user).post(
        url, {"to": "cancelled", "reason": "meant as a comment"}, follow=True)
    incident.refresh_from_db()
    assert incident.status == "new" and "to cancel it" in response.content.decode()
    client.post(url, {"to": "cancelled", "reason": "Raised in error", "confirm": "on"})
    incident.refresh_from_db()
    assert incident.status == "cancelled"
