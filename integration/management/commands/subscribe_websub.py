"""Subscribe (or unsubscribe) this portal to MOSIP's credential topic, and wait until the
hub has verified the callback: the hub's 202 to the request is not a subscription."""

from django.core.management.base import BaseCommand, CommandError

from integration.clients.http import RemoteError
from integration.models import MosipSettings
from integration.models.websub import VERIFICATION_GRACE, WebSubState
from integration.services import websub


class Command(BaseCommand):
    help = "Subscribe to the MOSIP WebSub hub for issued credentials and wait for the hub "
    help += "to verify the callback (periodic re-subscription runs in Celery beat)."

    def add_arguments(self, parser):
        parser.add_argument("--unsubscribe", action="store_true")
        parser.add_argument(
            "--timeout",
            type=float,
            default=VERIFICATION_GRACE.total_seconds(),
            help="Seconds to wait for the hub's intent verification (0: do not wait).",
        )

    def handle(self, *args, unsubscribe: bool = False, timeout: float = 60.0, **options):
        config = MosipSettings.load()
        if not (config.websub_hub_url and config.websub_callback_url):
            raise CommandError("Set the WebSub hub URL and callback URL in the MOSIP settings.")
        mode = "unsubscribe" if unsubscribe else "subscribe"
        try:
            workflow = websub.subscribe(mode)
        except RemoteError as exc:
            raise CommandError(f"The hub refused: {exc.message}") from exc
        self.stdout.write(
            f"Asked {config.websub_hub_url} to {mode} {config.websub_callback_url} "
            f"to {config.websub_topic}."
        )
        if workflow is not None:
            why = " (rejections at once)" if workflow.mode == "subscribe" else ""
            if workflow.mode != mode:  # the old topic, no longer wanted
                why = " (PORTAL_MOSIP_WORKFLOW_TOPIC is empty)"
            self.stdout.write(
                f"Asked it too to {workflow.mode} {workflow.callback_url} to {workflow.topic}{why}."
            )
            if workflow.request_error:
                self.stdout.write(f"The hub refused that: {workflow.request_error}")
        if timeout <= 0:
            self.stdout.write("Not waiting for the hub to verify the callback.")
            return
        if options["verbosity"] >= 1:
            self.stdout.write(f"Waiting up to {timeout:.0f} s for the hub to verify the callback.")
        found = websub.wait_for_verification(timeout)
        if found.state in {WebSubState.VERIFIED, WebSubState.UNSUBSCRIBED}:
            verb = "subscribed" if mode == "subscribe" else "unsubscribed"
            if options["verbosity"] >= 1:
                self.stdout.write(self.style.SUCCESS(f"The hub verified the callback: {verb}."))
            return
        if found.state == WebSubState.UNVERIFIED:
            raise CommandError(
                f"The hub did not verify the callback within {timeout:.0f} s: no "
                f"GET {config.websub_callback_url}?hub.mode={mode}&hub.challenge=... reached "
                "this portal, so it is NOT subscribed and no credential will be delivered. "
                "Likely causes: MOSIP's hub cannot reach that URL (name, network, proxy "
                "route); the portal refused the request for its host name (add it to "
                "DJANGO_ALLOWED_HOSTS or PORTAL_INTERNAL_HOSTS; the web log says 'refused a "
                "request for host'); or the web process is not running. Fix it and run "
                "this command again."
            )
        raise CommandError(found.problem())
