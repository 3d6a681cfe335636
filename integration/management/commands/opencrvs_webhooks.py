"""Subscribe to, list and remove OpenCRVS (<= 1.9) webhooks with the system client's
credentials from the OpenCRVS settings."""

from django.core.management.base import BaseCommand, CommandError

from integration.clients.http import RemoteError
from integration.clients.opencrvs import WebhooksClient
from integration.models import OpenCrvsSettings
from integration.services.intake import WEBHOOK_TOPICS


class Command(BaseCommand):
    help = "Manage this portal's OpenCRVS webhook subscriptions."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        subscribe = actions.add_parser("subscribe", help="subscribe to registration topics")
        subscribe.add_argument(
            "--topic",
            action="append",
            choices=sorted(WEBHOOK_TOPICS),
            help="default: BIRTH_REGISTERED and DEATH_REGISTERED",
        )
        actions.add_parser("list", help="list the subscriptions OpenCRVS has")
        unsubscribe = actions.add_parser("unsubscribe", help="remove a subscription")
        unsubscribe.add_argument("webhook_id")

    def handle(self, *args, action: str, **options):
        config = OpenCrvsSettings.load()
        missing = [
            label
            for label, value in [
                ("auth URL", config.auth_url),
                ("webhooks API URL", config.webhooks_url),
                ("system client id", config.client_id),
                ("system client secret", config.client_secret),
            ]
            if not value
        ]
        if action == "subscribe" and not (config.webhook_secret and config.webhook_callback_url):
            missing.append("webhook secret and callback URL")
        if missing:
            raise CommandError(f"Set these in the OpenCRVS settings first: {', '.join(missing)}")
        client = WebhooksClient(config)
        try:
            if action == "subscribe":
                for topic in options["topic"] or sorted(WEBHOOK_TOPICS):
                    client.subscribe(topic)
                    self.stdout.write(f"Subscribed {config.webhook_callback_url} to {topic}")
            elif action == "list":
                for hook in client.list():
                    self.stdout.write(
                        f"{hook.get('_id', hook.get('id', '?'))}  {hook.get('topic', '?')}  "
                        f"{hook.get('address', hook.get('callback', ''))}"
                    )
            else:
                client.unsubscribe(options["webhook_id"])
                self.stdout.write(f"Removed webhook {options['webhook_id']}")
        except RemoteError as exc:
            raise CommandError(exc.message) from exc
