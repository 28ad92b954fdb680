from django.core.management.base import BaseCommand, CommandError

from heatdesk.core.errors import DomainError
from heatdesk.open311.services import open311_client_create


class Command(BaseCommand):
    help = "Issue an Open311 API key for a client (printed once; revoke it in the admin)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client's name, e.g. the app or city system")

    def handle(self, *args, **options):
        try:
            _client, key = open311_client_create(name=options["name"])
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(key)
