"""Subscribe (or unsubscribe) this portal to MOSIP's credential topic."""

from django.core.management.base import BaseCommand, CommandError

from integration.clients.http import RemoteError
from integration.models import MosipSettings
from integration.services import websub


class Command(BaseCommand):
    help = "Subscribe to the MOSIP WebSub hub for issued credentials (periodic re-subscription "
    help += "runs in Celery beat)."

    def add_arguments(self, parser):
        parser.add_argument("--unsubscribe", action="store_true")

    def handle(self, *args, unsubscribe: bool = False, **options):
        config = MosipSettings.load()
        if not (config.websub_hub_url and config.websub_callback_url):
            raise CommandError("Set the WebSub hub URL and callback URL in the MOSIP settings.")
        mode = "unsubscribe" if unsubscribe else "subscribe"
        try:
            websub.subscribe(mode)
        except RemoteError as exc:
            raise CommandError(f"The hub refused: {exc.message}") from exc
        self.stdout.write(
            f"Asked {config.websub_hub_url} to {mode} {config.websub_callback_url} "
            f"to {config.websub_topic}; the hub now verifies the callback."
        )
