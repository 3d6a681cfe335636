"""The deployment files for OpenCRVS's own platforms (deploy/swarm, deploy/kubernetes)
say what the portal understands: every variable they set is one the portal reads, every
key and password comes from a secret file through its *_FILE variable (which the settings
read), migrate runs once, beat once, and the names and ports line up with what OpenCRVS's
country config and proxy use. `docker stack config` and the Kubernetes schemas check the
files' syntax in CI (.ci/container)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

from integration.app_settings import declared

ROOT = Path(__file__).resolve().parents[2]
STACK = yaml.safe_load((ROOT / "deploy/swarm/portal-stack.yml").read_text())
KUBERNETES = {
    path.name: list(yaml.safe_load_all(path.read_text()))
    for path in sorted((ROOT / "deploy/kubernetes").glob("*.yaml"))
}
# Settings named for what they hold, and URLs that may carry a password.
SECRET_NAME = re.compile(r"(SECRET|KEYS?|PASSWORD|TOKEN|DSN)$")
SECRET_URLS = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}


def variables_read() -> tuple[set[str], set[str]]:
    """(every variable the portal reads, those it also reads from a NAME_FILE)."""
    secrets = {setting.name for setting in declared() if setting.secret}
    plain = {setting.name for setting in declared()}
    for module in ("portal/gunicorn_conf.py", "portal/healthcheck.py"):
        plain |= set(
            re.findall(r"os\.environ\.get\(\s*\"([A-Z0-9_]+)\"", (ROOT / module).read_text())
        )
    plain |= set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", (ROOT / "bin/portal").read_text()))
    plain.add("DJANGO_SETTINGS_MODULE")
    return plain | secrets | {f"{name}_FILE" for name in secrets}, secrets


READ, READ_AS_SECRET = variables_read()


def portal_services() -> dict[str, dict]:
    image = STACK["x-portal"]["image"]
    return {name: spec for name, spec in STACK["services"].items() if spec.get("image") == image}


def kubernetes_containers() -> list[tuple[str, dict]]:
    found = []
    for name, documents in KUBERNETES.items():
        for document in documents:
            if document["kind"] in {"Deployment", "Job"}:
                pod = document["spec"]["template"]["spec"]
                for container in pod.get("initContainers", []) + pod["containers"]:
                    found.append((f"{name}:{container['name']}", container))
    return found


def kubernetes_environment() -> dict[str, str]:
    (configmap,) = KUBERNETES["configmap.yaml"]
    environment = dict(configmap["data"])
    for _, container in kubernetes_containers():
        environment.update(
            {item["name"]: item.get("value", "") for item in container.get("env", [])}
        )
    return environment


def test_settings_read_every_key_and_password_through_a_secret_file():
    # POSTGRES_PASSWORD is compose.yaml's, which PostgreSQL's image reads.
    read_plainly = {s.name for s in declared() if not s.secret} - {"POSTGRES_PASSWORD"}
    assert not {name for name in read_plainly if SECRET_NAME.search(name)}
    assert not read_plainly & SECRET_URLS
    expected = {"DJANGO_SECRET_KEY", "PORTAL_FIELD_ENCRYPTION_KEYS", "DATABASE_PASSWORD",
                "PORTAL_METRICS_TOKEN", "SENTRY_DSN", "OIDC_RP_CLIENT_SECRET"}  # fmt: skip
    assert expected | SECRET_URLS <= READ_AS_SECRET


@pytest.mark.parametrize("platform", ["swarm", "kubernetes"])
def test_every_variable_the_deployment_sets_is_one_the_portal_reads(platform):
    if platform == "swarm":
        environment = {}
        for spec in portal_services().values():
            environment.update(spec["environment"])
    else:
        environment = kubernetes_environment()
    assert environment
    assert set(environment) <= READ, f"set but never read: {sorted(set(environment) - READ)}"
    for name, value in environment.items():
        # No key or password in the clear: each comes from a file.
        assert not SECRET_NAME.search(name), f"{name} is set in the clear; set {name}_FILE"
        if name in SECRET_URLS:  # only the portal's own, on its private network
            assert re.fullmatch(r"(postgres|redis)://(portal)?@?[a-z]+:\d+/\w+", value), name
        if name.endswith("_FILE"):
            assert name.removesuffix("_FILE") in READ_AS_SECRET, name


def test_swarm_secret_files_are_the_secrets_each_service_mounts():
    declared = STACK["secrets"]
    assert all(spec == {"external": True} for spec in declared.values())
    for name, spec in portal_services().items():
        mounted = set(spec["secrets"])
        for variable, path in spec["environment"].items():
            if variable.endswith("_FILE"):
                assert path.startswith("/run/secrets/"), (name, variable)
                assert path.removeprefix("/run/secrets/") in mounted, (name, variable)
    database = STACK["services"]["db"]
    assert database["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/portal_db_password"
    assert "DATABASE_PASSWORD_FILE" in STACK["x-portal"]["environment"]
    assert "@db:5432/" in STACK["x-portal"]["environment"]["DATABASE_URL"]
    assert ":" not in STACK["x-portal"]["environment"]["DATABASE_URL"].split("@")[0][11:]


def test_swarm_runs_migrate_once_beat_once_and_joins_opencrvs_behind_its_traefik():
    services = STACK["services"]
    assert services["migrate"]["deploy"]["restart_policy"] == {"condition": "none"}
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["healthcheck"] == {"disable": True}  # never killed midway
    beat = services["beat"]["deploy"]
    assert beat["replicas"] == 1 and beat["update_config"]["order"] == "stop-first"
    for name in ("web", "worker", "beat"):
        assert "migrate --check" in services[name]["entrypoint"][2]  # waits for migrate

    network = STACK["networks"]["opencrvs"]
    assert network == {"name": "opencrvs_overlay_net", "external": True}
    web = services["web"]
    assert web["networks"]["opencrvs"]["aliases"] == ["${PORTAL_ALIAS:-mosip-api}"]
    port = web["environment"]["PORTAL_BIND"].rsplit(":", 1)[1]
    assert port == "2024"  # the country config's http://mosip-api:2024
    labels = dict(label.split("=", 1) for label in web["deploy"]["labels"])
    assert labels["traefik.enable"] == "true"
    assert labels["traefik.docker.network"] == "opencrvs_overlay_net"
    assert labels["traefik.http.services.portal.loadbalancer.server.port"] == port
    assert labels["traefik.http.routers.portal.tls.certresolver"] == "certResolver"
    assert labels["traefik.http.routers.portal.entrypoints"] == "web,websecure"
    assert labels["traefik.http.routers.portal.rule"] == "Host(`${PORTAL_HOST}`)"
    # Traefik exposes every service of the swarm unless told not to.
    for name, spec in services.items():
        if name != "web":
            assert "traefik.enable=false" in spec["deploy"]["labels"], name


def test_kubernetes_secret_files_are_keys_of_the_mounted_secret():
    (secret,) = KUBERNETES["secret.yaml"]
    keys = set(secret["stringData"])
    for variable, path in kubernetes_environment().items():
        if variable.endswith("_FILE"):
            assert path.startswith("/run/secrets/portal/"), variable
            assert path.removeprefix("/run/secrets/portal/") in keys, variable
    for where, container in kubernetes_containers():
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert mounts.get("/run/secrets/portal") == "secrets", where
        assert "resources" in container and "limits" in container["resources"], where
    # The Secret is created by hand with real values, never applied from the example.
    (kustomization,) = KUBERNETES["kustomization.yaml"]
    assert "secret.yaml" not in kustomization["resources"]
    assert set(kustomization["resources"]) == set(KUBERNETES) - {
        "secret.yaml",
        "kustomization.yaml",
    }


def test_kubernetes_runs_migrate_as_a_job_beat_once_and_serves_as_mosip_api():
    (job,) = KUBERNETES["migrate-job.yaml"]
    assert job["kind"] == "Job"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    deployments = {d["metadata"]["labels"]["app.kubernetes.io/component"]: d
                   for name in ("web.yaml", "worker.yaml", "beat.yaml")
                   for d in KUBERNETES[name]}  # fmt: skip
    beat = deployments["beat"]["spec"]
    assert beat["replicas"] == 1 and beat["strategy"] == {"type": "Recreate"}
    for deployment in deployments.values():
        (wait,) = deployment["spec"]["template"]["spec"]["initContainers"]
        assert "migrate --check" in wait["command"][2]

    web = deployments["web"]["spec"]["template"]
    (container,) = web["spec"]["containers"]
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    (service,) = KUBERNETES["service.yaml"]
    assert service["metadata"]["name"] == "mosip-api"  # as OpenCRVS's chart names it
    assert service["spec"]["ports"][0]["port"] == 2024
    assert service["spec"]["selector"].items() <= web["metadata"]["labels"].items()
    named_port = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert named_port[service["spec"]["ports"][0]["targetPort"]] == 2024
    assert kubernetes_environment()["PORTAL_BIND"].endswith(":2024")
    (route,) = KUBERNETES["ingressroute.yaml"]
    assert route["spec"]["routes"][0]["services"] == [{"name": "mosip-api", "port": 2024}]
    host = re.search(r"Host\(`([^`]+)`\)", route["spec"]["routes"][0]["match"])[1]
    assert host in kubernetes_environment()["DJANGO_ALLOWED_HOSTS"].split(",")


def read_settings(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    """Production settings loaded in a process of their own, with these variables."""
    script = (
        "from django.conf import settings as s; import json; print(json.dumps({"
        "'secret_key': s.SECRET_KEY, 'keys': s.FIELD_ENCRYPTION_KEYS,"
        "'db_password': s.DATABASES['default'].get('PASSWORD'),"
        "'db_host': s.DATABASES['default'].get('HOST'), 'broker': s.CELERY_BROKER_URL,"
        "'metrics': s.PORTAL_METRICS_TOKEN, 'oidc': s.OIDC_RP_CLIENT_SECRET}))"
    )
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PORTAL_VAR_DIR": str(tmp_path),
            "PORTAL_DEMO": "false", "DJANGO_SETTINGS_MODULE": "portal.settings"}  # fmt: skip
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env={**base, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_portal_reads_its_secrets_from_files_as_docker_and_kubernetes_mount_them(tmp_path):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    files = {
        "DJANGO_SECRET_KEY": "a-long-django-secret-from-a-docker-secret\n",
        "PORTAL_FIELD_ENCRYPTION_KEYS": f"{new_key}\n{old_key}\n",  # one per line
        "DATABASE_PASSWORD": "pg-pass-from-file\n",
        "CELERY_BROKER_URL": "redis://:broker-pass@redis:6379/0",
        "PORTAL_METRICS_TOKEN": "metrics-token-from-file\n",
        "OIDC_RP_CLIENT_SECRET": "oidc-secret-from-file",
    }
    environment = {"DATABASE_URL": "postgres://portal@db:5432/portal"}
    for name, content in files.items():
        (tmp_path / name).write_text(content)
        environment[f"{name}_FILE"] = str(tmp_path / name)
    # A variable set beside its file loses: the file is what the deployment mounts.
    environment["PORTAL_METRICS_TOKEN"] = "from-the-environment"

    result = read_settings(tmp_path, **environment)
    assert result.returncode == 0, result.stderr
    loaded = yaml.safe_load(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "secret_key": "a-long-django-secret-from-a-docker-secret",
        "keys": [new_key, old_key],
        "db_password": "pg-pass-from-file",
        "db_host": "db",
        "broker": "redis://:broker-pass@redis:6379/0",
        "metrics": "metrics-token-from-file",
        "oidc": "oidc-secret-from-file",
    }


def test_a_missing_secret_file_stops_the_portal_naming_the_variable(tmp_path):
    (tmp_path / "keys").write_text(Fernet.generate_key().decode())
    result = read_settings(
        tmp_path,
        DJANGO_SECRET_KEY_FILE=str(tmp_path / "not-mounted"),
        PORTAL_FIELD_ENCRYPTION_KEYS_FILE=str(tmp_path / "keys"),
    )
    assert result.returncode != 0
    assert f"DJANGO_SECRET_KEY_FILE: cannot read {tmp_path / 'not-mounted'}" in result.stderr
