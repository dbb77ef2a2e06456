"""Seed the request catalogue Switching Operations starts from (issue 7, strategy s.7.21-7.27).

Switching Operations edits these rows in the console afterwards; this only gives a
fresh system real items. Items fulfilled by the CSS provider fall back to the desk
when that organisation does not exist yet (seed_demo points them at it).
"""

from datetime import UTC, datetime

from django.db import migrations

EFFECTIVE = datetime(2024, 1, 1, tzinfo=UTC)
EW, H24 = "england-and-wales-working-days", "24x7"

# code: (name, calendar, (response, unit), (fulfilment, unit), (task, unit))
POLICIES = {
    "access": ("Access requests", EW, (4, "hours"), (2, "working_days"), (1, "working_days")),
    "unlock": ("Password reset and unlock", H24, (1, "hours"), (4, "hours"), (2, "hours")),
    "standard": ("Standard requests", EW, (1, "working_days"), (5, "working_days"),
                 (3, "working_days")),
    "connection": ("Switching network connections", EW, (2, "working_days"),
                   (20, "working_days"), (15, "working_days")),
}

PHONE = (r"\+?[0-9 ]{7,20}", "Enter a phone number: digits and spaces, optionally starting with +.")


def f(key, label, field_type="text", required=True, **extra):
    return {"key": key, "label": label, "field_type": field_type, "required": required, **extra}


ITEMS = [
    {"code": "new-portal-user", "name": "New portal user", "policy": "access",
     "audience": "everyone", "approver_role": "operations", "fulfilment_group": "desk",
     "effect": "new_user", "order": 10,
     "description": "An account on the Switching portal for a colleague in your organisation. "
                    "Switching Operations authorises it; the person then gets an email to "
                    "choose a password.",
     "fields": [
         f("first_name", "First name", max_value=60),
         f("last_name", "Last name", max_value=60),
         f("email", "Work email address", "email",
           help_text="The account's username; the set-password email goes here."),
         f("phone", "Phone number", required=False, regex=PHONE[0], regex_message=PHONE[1]),
         f("job_title", "Job title", required=False, max_value=100),
         f("org_admin", "Make this person an organisation administrator", "checkbox",
           required=False, help_text="Administrators manage users and confirm access reviews."),
         f("justification", "Why does this person need access?", "textarea", min_value=10),
     ]},
    {"code": "password-reset-unlock", "name": "Password reset or unlock", "policy": "unlock",
     "audience": "everyone", "approver_role": "", "fulfilment_group": "desk",
     "effect": "unlock_user", "order": 20,
     "description": "A colleague is locked out after failed sign-ins or cannot reset their own "
                    "password. The desk clears the lockout and sends a reset email.",
     "fields": [
         f("username", "Their username", max_value=150),
         f("confirm", "I confirm this person still works for my organisation", "checkbox"),
     ]},
    {"code": "revoke-user", "name": "Revoke a user", "policy": "access",
     "audience": "everyone", "approver_role": "org_admin", "fulfilment_group": "desk",
     "effect": "revoke_user", "order": 30,
     "description": "Remove a person's access to the Switching portal, for example when they "
                    "leave. Your organisation's administrator approves it.",
     "fields": [
         f("username", "Username to revoke", max_value=150),
         f("reason", "Reason", "choice", choices="Left the organisation\nChanged role\n"
                                                 "Security concern\nOther"),
         f("last_day", "Last working day", "date", required=False),
         f("notes", "Anything else", "textarea", required=False, max_value=1000),
     ]},
    {"code": "switching-network-connection", "name": "Switching network connection",
     "policy": "connection", "audience": "participants", "approver_role": "operations",
     "fulfilment_group": "provider", "provider": "css-provider", "effect": "", "order": 40,
     "description": "A new or additional connection to the switching network (CSS), or a "
                    "certificate renewal. Switching Operations approves; the CSS provider "
                    "fulfils.",
     "fields": [
         f("mpid", "Market Participant Id (MPID)", regex=r"[A-Z]{4}",
           regex_message="An MPID is four capital letters, e.g. BWTR."),
         f("connection_type", "Connection type", "choice",
           choices="New connection\nAdditional connection\nCertificate renewal"),
         f("environment", "Environment", "choice", choices="Production\nPre-production"),
         f("go_live_date", "Wanted from", "date"),
         f("peak_messages_per_hour", "Expected peak messages per hour", "number",
           min_value=1, max_value=1000000),
         f("technical_contact_email", "Technical contact email", "email"),
         f("notes", "Notes", "textarea", required=False, max_value=2000),
     ]},
    {"code": "change-organisation-contact", "name": "Change of organisation contact",
     "policy": "standard", "audience": "participants", "approver_role": "org_admin",
     "fulfilment_group": "desk", "effect": "", "order": 50,
     "description": "Change who we contact at your organisation for operations, escalations "
                    "or major incidents.",
     "fields": [
         f("contact_type", "Which contact", "choice",
           choices="Operational contact\nEscalation contact\nMajor incident contact"),
         f("name", "New contact's name", max_value=120),
         f("email", "New contact's email", "email"),
         f("phone", "New contact's phone", regex=PHONE[0], regex_message=PHONE[1]),
         f("effective_date", "From", "date"),
     ]},
    {"code": "information-request", "name": "Information request", "policy": "standard",
     "audience": "everyone", "approver_role": "", "fulfilment_group": "operations",
     "effect": "", "order": 60,
     "description": "Ask Switching Operations for information about the switching service, "
                    "such as performance figures or a past incident.",
     "fields": [
         f("subject", "Subject", max_value=120),
         f("question", "What would you like to know?", "textarea", min_value=20),
         f("needed_by", "Needed by", "date", required=False),
     ]},
    {"code": "test-environment-access", "name": "Test environment access", "policy": "standard",
     "audience": "everyone", "approver_role": "operations", "fulfilment_group": "provider",
     "provider": "css-provider", "effect": "", "order": 70,
     "description": "Access to a switching test environment for market trials or your own "
                    "regression testing.",
     "fields": [
         f("environment", "Environment", "choice", choices="Market trial\nPre-production"),
         f("user_count", "Number of testers", "number", min_value=1, max_value=50),
         f("start_date", "From", "date"),
         f("end_date", "Until", "date"),
         f("purpose", "What will you test?", "textarea", min_value=10),
     ]},
]


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("services", "BusinessCalendar")
    Organisation = apps.get_model("accounts", "Organisation")
    Policy = apps.get_model("servicerequests", "RequestSlaPolicy")
    Version = apps.get_model("servicerequests", "RequestSlaVersion")
    Item = apps.get_model("servicerequests", "RequestItem")
    Field = apps.get_model("servicerequests", "RequestField")
    policies = {}
    for code, (name, calendar, response, fulfilment, task) in POLICIES.items():
        policy, _ = Policy.objects.get_or_create(code=code, defaults={"name": name})
        Version.objects.get_or_create(policy=policy, effective_from=EFFECTIVE, defaults={
            "response_amount": response[0], "response_unit": response[1],
            "fulfilment_amount": fulfilment[0], "fulfilment_unit": fulfilment[1],
            "task_amount": task[0], "task_unit": task[1],
            "calendar": BusinessCalendar.objects.get(slug=calendar)})
        policies[code] = policy
    for spec in ITEMS:
        spec = dict(spec)
        fields = spec.pop("fields")
        provider = Organisation.objects.filter(short_code=spec.pop("provider", None)).first()
        if spec["fulfilment_group"] == "provider" and provider is None:
            spec["fulfilment_group"] = "desk"
        code, policy = spec.pop("code"), policies[spec.pop("policy")]
        item, _ = Item.objects.update_or_create(code=code, defaults={
            **spec, "sla_policy": policy, "fulfilment_provider": provider})
        for order, field in enumerate(fields, start=1):
            Field.objects.update_or_create(item=item, key=field["key"],
                                           defaults={**field, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [
        ("servicerequests", "0001_initial"),
        ("services", "0002_seed_calendars"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
