"""The MOSIP and OpenCRVS stand-ins as the fault suite runs them: each in its own
process, keeping its state in an append-only journal so that a killed and restarted
stand-in remembers its packets, subscriptions, pending credential deliveries, events,
keys and confirmations (as MOSIP keeps them in Kafka and OpenCRVS in its database).

The hub delivers credentials as MOSIP's WebSub hub does (mosip/websub, hub/start_hub.bal
and hub/modules/config/configurations.bal): a non-2xx answer or no answer within 10 s is
retried 3 times, waiting 3 s then doubling, at most 20 s; after that the hub moves on and
the message is not delivered again. The workflow manager's workflow-completed events
(REJECTED when a packet is rejected, PROCESSED once its credential is issued, as
mocks/mosip.py publishes them) go through the same hub, journalled and retried alike.

    python -m bench.faults.standins mosip --port 20340 --state DIR [--latency 2 ...]
    python -m bench.faults.standins opencrvs --port 20350 --state DIR
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from mocks import mosip_issuer as issuer
from mocks import trpc
from mocks.base import Controls, json_response
from mocks.mosip import WORKFLOW_TOPIC, MosipStandIn
from mocks.opencrvs import ACCEPT, EventRecord, OpenCrvsStandIn
from mocks.paths import certs_dir
from mocks.websub import Subscription, hub_signature

# MOSIP's hub (configurations.bal / start_hub.bal).
HUB_RETRY_INTERVAL, HUB_RETRIES, HUB_BACKOFF, HUB_MAX_WAIT, HUB_TIMEOUT = 3.0, 3, 2.0, 20.0, 10.0


class Journal:
    """Append-only JSON lines; replayed at start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        found = []
        for line in self.path.read_text().splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                pass  # the last line of a process killed mid-write
        return found

    def write(self, **entry) -> None:
        with self._lock, self.path.open("a") as out:
            out.write(json.dumps(entry, separators=(",", ":")) + "\n")


class DurableMosip(MosipStandIn):
    name = "mosip"
    exempt_endpoints = frozenset({"control", "stats"})

    def __init__(self, state: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.journal = Journal(state / "mosip.jsonl")
        self.callback_statuses: Counter[str] = Counter()  # what the portal answered the hub
        self.gave_up: list[str] = []  # deliveries the hub dropped after its retries
        self.delivered: Counter[str] = Counter()  # registration id → 2xx deliveries
        # The workflow manager's events: registration id → results published, delivered
        # (2xx) and given up on; what the portal answered them.
        self.workflow_published: dict[str, list[str]] = defaultdict(list)
        self.workflow_delivered: Counter[str] = Counter()
        self.workflow_gave_up: list[str] = []
        self.workflow_statuses: Counter[str] = Counter()
        self._pending: dict[tuple[str, int], bytes] = {}
        self._pending_topics: dict[tuple[str, int], str] = {}  # the credential topic if absent
        self._signing = threading.Lock()
        for entry in self.journal.entries():
            self._replay(entry)

    def _replay(self, entry: dict) -> None:
        kind = entry["kind"]
        if kind == "packet":  # each written over the one before, as MOSIP writes them
            self.packets[entry["id"]] = entry["packet"]
            self.create_packet_calls[entry["id"]] += 1
        elif kind == "subscription":
            self.hub.subscriptions[(entry["topic"], entry["callback"])] = Subscription(
                "subscribe", entry["topic"], entry["callback"], entry["secret"], verified=True
            )
        elif kind == "unsubscription":
            self.hub.subscriptions.pop((entry["topic"], entry["callback"]), None)
        elif kind == "workflow":
            self.workflows.setdefault(entry["id"], []).append(entry["instance"])
        elif kind == "issued":
            self.issued[entry["id"]] = entry["vid"]
            for copy in entry["copies"]:
                self._pending[(entry["id"], copy)] = entry["body"].encode()
        elif kind in ("delivered", "dropped"):
            self._pending.pop((entry["id"], entry["copy"]), None)
            if kind == "delivered":
                self.delivered[entry["id"]] += 1
            else:
                self.gave_up.append(entry["id"])
        elif kind == "callback_status":
            self.callback_statuses[entry["status"]] += 1
        elif kind == "workflow_event":
            self.workflow_published[entry["id"]].append(entry["result"])
            self._pending[(entry["id"], entry["copy"])] = entry["body"].encode()
            self._pending_topics[(entry["id"], entry["copy"])] = WORKFLOW_TOPIC
        elif kind in ("workflow_delivered", "workflow_dropped"):
            self._pending.pop((entry["id"], entry["copy"]), None)
            if kind == "workflow_delivered":
                self.workflow_delivered[entry["id"]] += 1
            else:
                self.workflow_gave_up.append(entry["id"])
        elif kind == "workflow_status":
            self.workflow_statuses[entry["status"]] += 1

    def rules(self) -> list[Rule]:
        return [*super().rules(), Rule("/_stats", endpoint="stats", methods=["GET"])]

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        url = super().start(host, port)
        for (registration_id, copy), body in list(self._pending.items()):
            topic = self._pending_topics.get((registration_id, copy), issuer.TOPIC)
            self.in_background(self._deliver, registration_id, copy, body, topic)  # as Kafka
        for registration_id in set(self.workflows) - set(self.issued):
            # A workflow MOSIP started before it stopped still ends in a credential.
            self.in_background(self._issue_quietly, registration_id,
                               delay=self.credential_delay_seconds)  # fmt: skip
        return url

    # -- journalled changes ----------------------------------------------------------------

    def on_create_packet(self, request: Request) -> Response:
        reply = super().on_create_packet(request)
        if json.loads(reply.get_data()).get("response"):  # packet infos: written (and counted)
            packet = json.loads(request.get_data())["request"]
            self.journal.write(kind="packet", id=packet["id"], packet=packet)
        return reply

    def on_workflow(self, request: Request) -> Response:
        reply = super().on_workflow(request)
        answer = json.loads(reply.get_data())
        if not answer.get("errors") and answer.get("response"):
            registration_id = json.loads(request.get_data())["request"]["registrationId"]
            instance = answer["response"]["workflowInstanceId"]
            self.journal.write(kind="workflow", id=registration_id, instance=instance)
        return reply

    def on_hub(self, request: Request) -> Response:
        reply = super().on_hub(request)
        if reply.status_code == 200 and request.form.get("hub.mode") == "subscribe":
            # Verified in the background; journal it once verified.
            topic, callback = request.form["hub.topic"], request.form["hub.callback"]
            secret = request.form.get("hub.secret") or None

            def remember() -> None:
                if self.hub.wait_for_subscription(callback, topic, timeout=10):
                    self.journal.write(
                        kind="subscription", topic=topic, callback=callback, secret=secret
                    )

            self.in_background(remember)
        elif reply.status_code == 200 and request.form.get("hub.mode") == "unsubscribe":
            # Journalled once verified too, so a restarted hub does not deliver again.
            asked = ("unsubscribe", request.form["hub.topic"], request.form["hub.callback"])
            attempt = next((a for a in reversed(self.hub.attempts)
                            if (a.mode, a.topic, a.callback) == asked), None)  # fmt: skip

            def forget() -> None:
                if attempt and attempt.done.wait(10) and attempt.verified:
                    self.journal.write(kind="unsubscription", topic=attempt.topic,
                                       callback=attempt.callback)  # fmt: skip

            self.in_background(forget)
        return reply

    def issue_credential(self, registration_id: str, **kwargs):  # noqa: ANN201
        """Build the credential once; deliver each copy through the retrying hub. The VID
        and the deliveries owed are journalled in one line, so a kill never loses one
        without the other."""
        with self._lock:
            packet = self.packets.get(registration_id, {})
            process = packet.get("process", issuer.BIRTH)
            vid = None
            if process == issuer.BIRTH:
                vid = self.issued.get(registration_id) or issuer.new_vid()
            self.issued[registration_id] = vid
        for attempt in range(5):  # as MOSIP's credential service retries its own failures
            try:
                with self._signing:  # the JSON-LD signing library is not thread-safe
                    credential = self.build_credential(
                        registration_id, process, packet.get("fields", {}), vid
                    )
                    encrypted = self.encrypt_credential(credential)
                break
            except Exception as exc:  # noqa: BLE001 - recorded, then tried again
                self.background_errors.append(f"{registration_id} (try {attempt + 1}): {exc!r}")
                time.sleep(1)
        else:
            return
        event = issuer.callback_body(registration_id, encrypted)
        body = json.dumps(event, separators=(",", ":")).encode()
        copies = 2 if self.controls.duplicate_callbacks else 1
        with self._lock:
            if self._chance(self.controls.credential_drop_rate):
                # The hub's retries all failed (credential_drop_rate over /_control): it
                # gives up and nobody hears of it; only the portal's recovery asks again.
                self.gave_up.append(registration_id)
                self.journal.write(kind="dropped", id=registration_id, copy=-1)
                return
        keys = [int(time.time() * 1000) * 10 + copy for copy in range(copies)]
        self.journal.write(kind="issued", id=registration_id, vid=vid, copies=keys,
                           body=body.decode())  # fmt: skip
        for copy in keys:
            self._pending[(registration_id, copy)] = body
            self.in_background(self._deliver, registration_id, copy, body)

    def publish_workflow_completed(self, registration_id: str, result_code: str, *args,
                                   **kwargs) -> list:  # fmt: skip
        """The workflow manager's event in mocks/mosip.py's shape, delivered by this
        retrying hub (journalled first, so a restart still delivers it); the deliveries
        happen in the background, so none is returned."""
        if not self.publish_workflow_events:
            return []
        with self._lock:
            process = self.packets.get(registration_id, {}).get("process", issuer.BIRTH)
        event = {
            "instanceId": registration_id,
            "resultCode": result_code,
            "workflowType": process,
            "errorCode": {"REJECTED": "PACKET_REJECTED", "FAILED": "PACKET_FAILED"}.get(
                result_code
            ),
            "notificationAttributes": None,
        }
        body = json.dumps(event, separators=(",", ":")).encode()
        copy = int(time.time() * 1000) * 10 + 9  # apart from the credential copies (0, 1)
        self.journal.write(kind="workflow_event", id=registration_id, copy=copy,
                           result=result_code, body=body.decode())  # fmt: skip
        with self._lock:
            self.workflow_published[registration_id].append(result_code)
            self._pending[(registration_id, copy)] = body
            self._pending_topics[(registration_id, copy)] = WORKFLOW_TOPIC
        self.in_background(self._deliver, registration_id, copy, body, WORKFLOW_TOPIC)
        return []

    def _deliver(self, registration_id: str, copy: int, body: bytes,
                 topic: str = issuer.TOPIC) -> None:  # fmt: skip
        credential = topic == issuer.TOPIC
        wait = HUB_RETRY_INTERVAL
        for attempt in range(HUB_RETRIES + 1):
            if self._stopping.is_set():
                return
            if self._post_once(body, topic):
                self._pending.pop((registration_id, copy), None)
                if credential:
                    self.delivered[registration_id] += 1
                else:
                    self.workflow_delivered[registration_id] += 1
                kind = "delivered" if credential else "workflow_delivered"
                self.journal.write(kind=kind, id=registration_id, copy=copy)
                return
            if attempt < HUB_RETRIES and self._stopping.wait(wait):
                return
            wait = min(wait * HUB_BACKOFF, HUB_MAX_WAIT)
        self._pending.pop((registration_id, copy), None)
        (self.gave_up if credential else self.workflow_gave_up).append(registration_id)
        kind = "dropped" if credential else "workflow_dropped"
        self.journal.write(kind=kind, id=registration_id, copy=copy)

    def _post_once(self, body: bytes, topic: str = issuer.TOPIC) -> bool:
        subscribers = self.hub.active(topic)
        if not subscribers:
            return False
        statuses = self.callback_statuses if topic == issuer.TOPIC else self.workflow_statuses
        journalled = "callback_status" if topic == issuer.TOPIC else "workflow_status"
        ok = True
        for sub in subscribers:
            headers = {"Content-Type": "application/json"}
            if sub.secret:
                headers["X-Hub-Signature"] = hub_signature(sub.secret, body)
            try:
                reply = requests.post(sub.callback, data=body, headers=headers,
                                      timeout=HUB_TIMEOUT)  # fmt: skip
                status = str(reply.status_code)
                if reply.status_code >= 500 and "json" not in reply.headers.get("Content-Type", ""):
                    status += " html"
                ok = ok and reply.ok
            except requests.RequestException as exc:
                status, ok = type(exc).__name__, False
            statuses[status] += 1
            self.journal.write(kind=journalled, status=status)
        return ok

    def on_stats(self, request: Request) -> Response:
        if request.args.get("summary"):  # cheap enough to poll under load
            with self._lock:
                numbers = Counter(
                    str(p.get("fields", {}).get("birthCertificateNumber")
                        or p.get("fields", {}).get("deathCertificateNumber"))
                    for p in self.packets.values()
                )  # fmt: skip
            return json_response({
                "packets": sum(numbers.values()),
                "numbers_with_more_than_one_packet": sum(1 for n in numbers.values() if n > 1),
                "hub_gave_up": len(self.gave_up),
                "pending_deliveries": len(self._pending),
            })  # fmt: skip
        per_number: dict[str, list[str]] = defaultdict(list)
        for registration_id, packet in list(self.packets.items()):
            fields = packet.get("fields", {})
            number = fields.get("birthCertificateNumber") or fields.get("deathCertificateNumber")
            per_number[str(number)].append(registration_id)
        return json_response({
            "packets": per_number,
            "subscribed": len(self.hub.subscriptions),
            "workflows_started": len(self.issued),
            "callback_statuses": dict(self.callback_statuses),
            "hub_gave_up": self.gave_up,
            "pending_deliveries": len(self._pending),
            "errors": self.background_errors,
            # Per registration id, for the boundaries run: every createPacket MOSIP wrote
            # and every workflow start it answered, the rejections and what it delivered.
            "create_packet_calls": dict(self.create_packet_calls),
            "workflow_starts": {rid: len(ids) for rid, ids in self.workflows.items()},
            "rejected": {rid: [list(e) for e in r.errors] for rid, r in self.rejections.items()},
            "delivered": dict(self.delivered),
            # The workflow manager's events, and the registration ids the portal asked
            # the status of: a rejection it never asked about reached it by the event.
            "workflow_events": {
                "published": dict(self.workflow_published),
                "delivered": dict(self.workflow_delivered),
                "hub_gave_up": self.workflow_gave_up,
                "answers": dict(self.workflow_statuses),
            },
            "status_searched": sorted({rid for ids in self.status_searches for rid in ids}),
        })  # fmt: skip


class DurableOpenCrvs(OpenCrvsStandIn):
    name = "opencrvs"
    exempt_endpoints = frozenset({"control", "test_token", "test_tokens", "stats"})

    def __init__(self, state: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.journal = Journal(state / "opencrvs.jsonl")
        key_file = state / "opencrvs-key.pem"
        if key_file.exists():
            self._key = serialization.load_pem_private_key(key_file.read_bytes(), None)
        else:
            key_file.write_bytes(
                self._key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        self.confirmations: Counter[str] = Counter()  # event id → successful accept calls
        self.registered: Counter[str] = Counter()  # event id → pending → accepted changes
        for entry in self.journal.entries():
            if entry["kind"] == "event":
                self.events[entry["id"]] = EventRecord(entry["id"], "birth", entry["action"])
            elif entry["kind"] == "accepted":
                self.confirmations[entry["id"]] += 1
                self.registered[entry["id"]] += entry.get("changed", 1)
                record = self.events.get(entry["id"])
                if record is not None and record.status == "pending":
                    # Settled as OpenCRVS records it: an accepted action for the token's one.
                    record.actions.append({"id": entry.get("tx", ""), "type": "REGISTER",
                                           "status": "Accepted", "createdAt": "",
                                           "originalActionId": record.action_id})  # fmt: skip

    def rules(self) -> list[Rule]:
        return [
            *super().rules(),
            Rule("/_stats", endpoint="stats", methods=["GET"]),
            Rule("/_test/tokens", endpoint="test_tokens", methods=["POST"]),
        ]

    def on_test_tokens(self, request: Request) -> Response:
        """Many single-record tokens at once (the throughput benchmark's registrations)."""
        count = min(int(request.args.get("count", "1")), 20_000)
        return json_response({"tokens": [self.mint_token() for _ in range(count)]})

    def mint_token(self, event_id=None, action_id=None, *args, **kwargs) -> str:  # noqa: ANN001
        token = super().mint_token(event_id, action_id, *args, **kwargs)
        claims = json.loads(
            __import__("base64").urlsafe_b64decode(token.split(".")[1] + "==").decode()
        )
        self.journal.write(kind="event", id=claims["eventId"], action=claims["actionId"])
        return token

    def on_trpc(self, request: Request, procedure: str) -> Response:
        with self._lock:  # one call at a time, so "was it pending" is this call's answer
            before = self._status_of_called_event(request)
            reply = super().on_trpc(request, procedure)
            if procedure != ACCEPT or reply.status_code != 200:
                return reply
            call = self.accepted[-1]
            event_id = call.input["eventId"]
            changed = int(before == "pending")
            self.confirmations[event_id] += 1
            self.registered[event_id] += changed
        self.journal.write(kind="accepted", id=event_id, tx=call.input["transactionId"],
                           changed=changed)  # fmt: skip
        return reply

    def _status_of_called_event(self, request: Request) -> str | None:
        # Only the called event's status: every event's (thousands of minted tokens) cost
        # the stand-in more CPU per confirmation than the portal spent on the record.
        try:
            body = json.loads(request.get_data())
            event_id = trpc.call_input(body, request.args.get("batch") == "1")["eventId"]
            record = self.events.get(event_id)
        except (ValueError, TypeError, KeyError, trpc.TrpcError):
            return None
        return record.status if record is not None else None

    def on_stats(self, request: Request) -> Response:
        if request.args.get("summary"):  # cheap enough to poll under load
            with self._lock:
                counts = list(self.confirmations.values())
            return json_response({"confirmed": len(counts),
                                  "doubled": sum(1 for n in counts if n > 1)})  # fmt: skip
        return json_response(
            {"confirmations": dict(self.confirmations), "registered": dict(self.registered)}
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.faults.standins")
    parser.add_argument("which", choices=["mosip", "opencrvs"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--duplicate-callbacks", action="store_true")
    parser.add_argument("--credential-delay", type=float, default=1.0)
    args = parser.parse_args()
    controls = Controls(latency_seconds=args.latency, error_rate=args.error_rate,
                        duplicate_callbacks=args.duplicate_callbacks)  # fmt: skip
    if args.which == "mosip":
        certs = certs_dir()
        server = DurableMosip(
            args.state, controls=controls, credential_delay_seconds=args.credential_delay,
            signing_key_pem_path=certs / "mock-only-private-key.pem",
            partner_cert_path=certs / "ida-partner.crt",
        )  # fmt: skip
    else:
        server = DurableOpenCrvs(args.state, controls=controls)
    print(f"{args.which} at {server.start('127.0.0.1', args.port)}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
