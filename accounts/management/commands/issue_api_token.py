"""Issue an API token for an organisation from the command line and print its key once.

The console's "API tokens -> Add" is the usual way; this is for provisioning a provider's
system from a deployment script (and for the API fuzzing run in CI).
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken, Organisation


class Command(BaseCommand):
    help = "Issue an API token for an organisation (by short code) and print the raw key once."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="The organisation's short code, e.g. xoserve.")
        parser.add_argument("--name", default="Issued from the command line",
                            help="What system uses the token.")

    def handle(self, *args, organisation, name, **options):
        org = Organisation.objects.filter(short_code=organisation).first()
        if org is None:
            raise CommandError(f"No organisation has the short code {organisation!r}.")
        if not org.is_active:
            raise CommandError(f"{org} is deactivated; its tokens would be refused.")
        _, raw_key = ApiToken.issue(organisation=org, name=name)
        self.stdout.write(raw_key)
