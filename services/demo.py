"""The switching service catalogue and its dependency graph."""

from decimal import Decimal

from accounts.models import Organisation

from .models import BusinessCalendar, Service, ServiceDependency

F = Service.Fuel

MPAS_OPERATORS = ["ukpn", "npg", "enwl", "spen", "nged", "ssen"]

# code, name, provider, fuel, target, description
SERVICES = [
    ("css-registration", "CSS Registration Service", "css-provider", F.BOTH, "99.900",
     "Central Switching Service: receives switch requests, validates and secures them, "
     "and notifies the registration services."),
    ("css-address", "CSS Address Service", "css-provider", F.BOTH, "99.500",
     "Retail Energy Location (REL) address data used to validate switch requests."),
    ("uk-link", "UK Link", "xoserve", F.GAS, "99.500",
     "Gas registration and settlement system (Xoserve)."),
    ("des", "Data Enquiry Service (DES)", "xoserve", F.GAS, "99.000",
     "Gas supply point data enquiry for suppliers and agents (Xoserve)."),
    ("ecoes", "ECOES", "gemserv", F.ELECTRICITY, "99.000",
     "Electricity Central Online Enquiry Service (Gemserv)."),
    ("dcc-dsp", "DCC Data Service Provider (DSP)", "dcc", F.BOTH, "99.500",
     "Smart meter communications: receives secured switch notifications."),
    ("switching-portal", "Switching Portal", "switching-operations", F.BOTH, "99.500",
     "This service management portal: incidents, requests, status and reports."),
]

# service needs depends_on
DEPENDENCIES = [
    ("css-registration", "css-address", "Switch requests are validated against REL addresses"),
    ("uk-link", "css-registration", "Gas registrations are synchronised from CSS"),
    ("des", "uk-link", "DES reads gas supply point data from UK Link"),
    ("dcc-dsp", "css-registration", "Secured switch notifications come from CSS"),
]


# Which market roles use each service (who is told when it is affected); not listed: all.
ES, GS, SA, TPI = "energy_supplier", "gas_shipper", "supplier_agent", "tpi"
USED_BY = {
    "uk-link": [ES, GS, SA], "des": [ES, GS, SA, TPI], "ecoes": [ES, SA, TPI],
    "dcc-dsp": [ES, SA],
}


def seed(stdout):
    twenty_four_seven = BusinessCalendar.twenty_four_seven()
    rows = list(SERVICES)
    for code in MPAS_OPERATORS:
        name = Organisation.objects.get(short_code=code).name
        rows.append((f"mpas-{code}", f"MPAS registration – {name}", code, F.ELECTRICITY, "99.500",
                     f"Electricity Meter Point Administration Service operated by {name}."))
    for code, name, provider_code, fuel, target, description in rows:
        provider = Organisation.objects.get(short_code=provider_code)
        Service.objects.update_or_create(
            code=code,
            defaults={"name": name, "provider": provider, "resolver_group": provider, "fuel": fuel,
                      "availability_target": Decimal(target), "description": description,
                      "service_hours": twenty_four_seven,
                      "used_by_market_roles": USED_BY.get(
                          code, [ES, SA] if code.startswith("mpas-") else [])},
        )
    dependencies = list(DEPENDENCIES)
    for code in MPAS_OPERATORS:
        dependencies.append((f"mpas-{code}", "css-registration",
                             "Electricity registrations are synchronised from CSS"))
        dependencies.append(("ecoes", f"mpas-{code}", "ECOES is fed by MPAS registration data"))
    for service_code, needs_code, description in dependencies:
        ServiceDependency.objects.update_or_create(
            service=Service.objects.get(code=service_code),
            depends_on=Service.objects.get(code=needs_code),
            defaults={"description": description},
        )
    stdout.write(f"  {Service.objects.count()} services, {ServiceDependency.objects.count()} dependencies")
