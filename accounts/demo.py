"""Demo organisations and users (passwords are demo-only; see README.md)."""

from dataclasses import dataclass

import pyotp
from django.utils import timezone

from . import policy
from .models import Organisation, Role, TotpDevice, User

DEMO_PASSWORD = "switching-demo"

K = Organisation.Kind
M = Organisation.MarketRole

INTERNAL = [
    ("Switching Service Desk", "service-desk", K.SERVICE_DESK, "desk@switching-sm.example"),
    ("Switching Operations", "switching-operations", K.SWITCHING_OPERATIONS,
     "operations@switching-sm.example"),
]

# Real CDS providers of the GB switching arrangements.
PROVIDERS = [
    ("CSS Provider", "css-provider", "servicedesk@css-provider.example"),
    ("Xoserve", "xoserve", "servicedesk@xoserve.example"),
    ("Gemserv", "gemserv", "ecoes@gemserv.example"),
    ("DCC", "dcc", "servicedesk@dcc.example"),
    ("UK Power Networks", "ukpn", "mpas@ukpn.example"),
    ("Northern Powergrid", "npg", "mpas@northernpowergrid.example"),
    ("Electricity North West", "enwl", "mpas@enwl.example"),
    ("SP Energy Networks", "spen", "mpas@spenergynetworks.example"),
    ("National Grid Electricity Distribution", "nged", "mpas@nged.example"),
    ("Scottish and Southern Electricity Networks", "ssen", "mpas@ssen.example"),
]

# Fictitious Market Participants.
PARTICIPANTS = [
    ("Brightwater Energy", "brightwater", M.ENERGY_SUPPLIER),
    ("Kestrel Power", "kestrel", M.ENERGY_SUPPLIER),
    ("Heron Home Energy", "heron", M.ENERGY_SUPPLIER),
    ("Lumen Utilities", "lumen", M.ENERGY_SUPPLIER),
    ("Oakridge Energy", "oakridge", M.ENERGY_SUPPLIER),
    ("Pennine Power & Gas", "pennine", M.ENERGY_SUPPLIER),
    ("Solent Energy", "solent", M.ENERGY_SUPPLIER),
    ("Thistle Energy", "thistle", M.ENERGY_SUPPLIER),
    ("Verdant Supply", "verdant", M.ENERGY_SUPPLIER),
    ("Wren Energy", "wren", M.ENERGY_SUPPLIER),
    ("Cobalt Energy Supply", "cobalt", M.ENERGY_SUPPLIER),
    ("Meridian Home Power", "meridian", M.ENERGY_SUPPLIER),
    ("Northstar Gas & Power", "northstar", M.ENERGY_SUPPLIER),
    ("Ampere Retail", "ampere", M.ENERGY_SUPPLIER),
    ("Fenland Gas Shipping", "fenland-shipping", M.GAS_SHIPPER),
    ("Tidewater Shipping", "tidewater-shipping", M.GAS_SHIPPER),
    ("Metrix Data Services", "metrix", M.SUPPLIER_AGENT),
    ("Clearmeter Agency", "clearmeter", M.SUPPLIER_AGENT),
    ("SwitchWise Brokers", "switchwise", M.TPI),
    ("Energy Consumer Helpline", "consumer-helpline", M.CUSTOMER_ENQUIRY_SERVICE),
]

# username, organisation short code, role, first, last, org admin
USERS = [
    ("desk", "service-desk", Role.SERVICE_DESK, "Dana", "Desk", False),
    ("desk2", "service-desk", Role.SERVICE_DESK, "Sam", "Second-Line", False),
    ("ops", "switching-operations", Role.SWITCHING_OPERATIONS, "Olu", "Operations", True),
    ("auditor", "switching-operations", Role.AUDITOR, "Ada", "Auditor", False),
    ("css", "css-provider", Role.CDS_PROVIDER, "Chris", "CSS", True),
    ("xoserve", "xoserve", Role.CDS_PROVIDER, "Xavier", "Xoserve", True),
    ("gemserv", "gemserv", Role.CDS_PROVIDER, "Gemma", "Gemserv", True),
    ("dcc", "dcc", Role.CDS_PROVIDER, "Dev", "DCC", True),
    ("ukpn", "ukpn", Role.CDS_PROVIDER, "Uma", "UKPN", True),
    ("supplier", "brightwater", Role.MARKET_PARTICIPANT, "Bea", "Brightwater", True),
    ("supplier2", "kestrel", Role.MARKET_PARTICIPANT, "Ken", "Kestrel", True),
    ("shipper", "fenland-shipping", Role.MARKET_PARTICIPANT, "Fay", "Fenland", True),
]


def _organisation(name, code, kind, email, market_role=""):
    org, _ = Organisation.objects.update_or_create(
        short_code=code,
        defaults={"name": name, "kind": kind, "contact_email": email, "market_role": market_role},
    )
    return org


# Demo security contacts: they see their organisation's information security incidents.
SECURITY_CONTACTS = {"supplier", "css"}


def seed(stdout):
    for name, code, kind, email in INTERNAL:
        _organisation(name, code, kind, email)
    for name, code, email in PROVIDERS:
        _organisation(name, code, K.CDS_PROVIDER, email)
    for name, code, role in PARTICIPANTS:
        _organisation(name, code, K.MARKET_PARTICIPANT, f"switching@{code}.example", role)
    for username, org_code, role, first, last, org_admin in USERS:
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "organisation": Organisation.objects.get(short_code=org_code),
                "role": role, "first_name": first, "last_name": last,
                "email": f"{username}@{org_code}.example", "is_org_admin": org_admin,
                "is_security_contact": username in SECURITY_CONTACTS, "is_active": True,
            },
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if policy.must_use_two_factor(user):
            # Demo only: a ready authenticator, so `manage.py demo_totp_code <user>` can sign in.
            TotpDevice.objects.get_or_create(user=user, defaults={
                "secret": pyotp.random_base32(), "confirmed_at": timezone.now()})
    stdout.write(f"  {Organisation.objects.count()} organisations, {len(USERS)} demo users")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str
    second_factor: str  # what to type after the password, in words


def demo_login_rows(now=None):
    """Return the demo users that exist, with how each passes the second factor now.

    Staff and providers have a ready authenticator, so the current code is given (it is
    valid for about 30 seconds, one step either side); participants sign in with the
    password alone unless they turned two-factor on themselves.
    """
    users = {u.username: u for u in User.objects.filter(
        username__in=[row[0] for row in USERS]).select_related("organisation")}
    devices = {d.user_id: d for d in TotpDevice.objects.filter(
        user__in=users.values(), confirmed_at__isnull=False)}
    moment = (now or timezone.now()).timestamp()
    rows = []
    for username, *_ in USERS:
        user = users.get(username)
        if user is None:
            continue
        device = devices.get(user.pk)
        if device is not None:
            factor = (f"authenticator code {pyotp.TOTP(device.secret).at(moment)} now "
                      f"(`manage.py demo_totp_code {username}`)")
        elif policy.must_use_two_factor(user):
            factor = "set up an authenticator at first sign-in (a QR code is shown)"
        else:
            factor = "none: password only (can be turned on under Your account)"
        rows.append(DemoLogin(username, user.get_role_display(),
                              user.organisation.name if user.organisation else "-", factor))
    return rows
