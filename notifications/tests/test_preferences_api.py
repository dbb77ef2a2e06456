import pytest

from notifications.models import NotificationPreference

pytestmark = pytest.mark.django_db


def test_user_sets_own_preference(api_client, supplier_user):
    client = api_client(supplier_user)
    response = client.post("/api/v1/notification-preferences/",
                           {"topic": "incident.updated", "email": False}, format="json")
    assert response.status_code == 201
    assert NotificationPreference.objects.get(user=supplier_user).email is False


def test_bad_topic_gets_field_error(api_client, supplier_user):
    response = api_client(supplier_user).post("/api/v1/notification-preferences/",
                                              {"topic": "DROP TABLE", "email": "maybe"},
                                              format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "dotted topic" in fields["topic"][0]
    assert "email" in fields


def test_malformed_json_is_400_not_500(api_client, supplier_user):
    response = api_client(supplier_user).post("/api/v1/notification-preferences/",
                                              data="{broken", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_user_cannot_see_another_users_preferences(api_client, supplier_user, other_supplier_user):
    NotificationPreference.objects.create(user=other_supplier_user, topic="x.y", email=False)
    response = api_client(supplier_user).get("/api/v1/notification-preferences/")
    assert response.json()["results"] == []
    pref = NotificationPreference.objects.get()
    response = api_client(supplier_user).patch(f"/api/v1/notification-preferences/{pref.pk}/",
                                               {"email": True}, format="json")
    assert response.status_code == 404
