"""Point the portal's settings at the stand-in servers (the demo and the tests).

Uses the demo keys generated into var/demo-keys: never for production.
"""

from integration.models import MosipSettings, OpenCrvsSettings
from integration.models.settings import IdSchemaSource
from mocks.paths import certs_dir

DEMO_SECRET = "abcdeABCDE123456"  # the stand-in MOSIP's default client secret
DEMO_WEBSUB_SECRET = "mosip-websub-secret"
DEMO_KEYSTORE_PASSWORD = "mosip123"
DEMO_OFFICER = "opencrvs-registrar"  # a MOSIP user id; the stand-in takes any


def configure_for_stand_ins(mosip_url: str, opencrvs_url: str, portal_url: str) -> None:
    mosip_url, portal_url = mosip_url.rstrip("/"), portal_url.rstrip("/")
    mosip = MosipSettings.load()
    mosip.auth_url = f"{mosip_url}/v1/authmanager/authenticate/clientidsecretkey"
    mosip.packet_client_id = "mosip-regproc-client"
    mosip.packet_client_secret = DEMO_SECRET
    mosip.websub_client_id = "mosip-websub-client"
    mosip.websub_client_secret = DEMO_SECRET
    mosip.create_packet_url = f"{mosip_url}/commons/v1/packetmanager/createPacket"
    mosip.process_url = f"{mosip_url}/registrationprocessor/v1/workflowmanager/workflowinstance"
    mosip.websub_hub_url = f"{mosip_url}/websub/hub"
    mosip.websub_callback_url = f"{portal_url}/websub/callback"
    mosip.websub_secret = DEMO_WEBSUB_SECRET
    mosip.credential_keystore = (certs_dir() / "keystore.p12").read_bytes()
    mosip.credential_keystore_password = DEMO_KEYSTORE_PASSWORD
    mosip.verification_method_allowlist = [
        f"{mosip_url}/.well-known/public-key.json",
        f"{mosip_url}/.well-known/ed25519-key.json",
    ]
    mosip.context_url_allowlist = [f"{mosip_url}/.well-known/mosip-context.json"]
    mosip.verify_credential_proof = True
    mosip.id_schema_source = IdSchemaSource.MOSIP_API  # the schema mosip-api sends, shipped
    mosip.officer_id = DEMO_OFFICER  # MOSIP's CRVS_NEW route wants an officer in metaInfo
    mosip.save()

    opencrvs = OpenCrvsSettings.load()
    opencrvs.gateway_url = opencrvs_url.rstrip("/")
    opencrvs.public_key_url = f"{opencrvs_url.rstrip('/')}/.well-known"
    opencrvs.save()
