"""Kubernetes without a cluster: images/hub/jupyterhub_config.py read as the hub reads it, KubeSpawner's
pod and claim rendered (it needs no API server for that), and every manifest validated against the
OpenAPI schemas of one pinned Kubernetes release, bundled by kubernetes-validate (PyPI)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import kubernetes_validate

ROOT = Path(__file__).resolve().parents[2]
HUB_DIR = ROOT / "images" / "hub"
#: the Kubernetes release the manifests are checked against (kubernetes-validate==1.37.0 bundles it)
KUBERNETES_VERSION = "1.37.0"

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: none
contexts: [{name: none, context: {cluster: none, user: none, namespace: workshop}}]
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
"""

KUBERNETES = {"HUB_SPAWNER": "kubernetes", "TERMINAL_IMAGE": "quay.io/example/workshop:1",
              "AUTHENTICATOR": "openshift", "OAUTH_CLIENT_ID": "system:serviceaccount:workshop:hub",
              "OAUTH_CLIENT_SECRET": "secret"}
#: the variables the config reads that a test's environment must not leak into
CONFIG_VARIABLES = ("KUBERNETES_SERVICE_HOST", "IDLE_TIMEOUT", "MAX_SESSION_AGE", "WORKSHOP_MEMORY", "HUB_EXTRA_CONFIG",
                    "HUB_SUBDOMAIN_HOST", "VOLUME_SIZE", "WORKSHOP_SERVICE_ACCOUNT", "STORAGE_CLASS", "LABDECK_COMMAND")


async def render(config) -> tuple[dict, dict | None]:
    """The pod, and the claim when there is a volume, KubeSpawner would create for alice: plain JSON."""
    from kubernetes_asyncio.client import ApiClient
    from kubespawner import KubeSpawner

    user = SimpleNamespace(name="alice", id=7, url="/user/alice/", escaped_name="alice")
    spawner = KubeSpawner(config=config, user=user, _mock=True)
    async with ApiClient() as api:
        pod = api.sanitize_for_serialization(await spawner.get_pod_manifest())
        pvc = api.sanitize_for_serialization(spawner.get_pvc_manifest()) if spawner.storage_pvc_ensure else None
    return pod, pvc


def validate(manifest: dict) -> None:
    """Raise ``kubernetes_validate.ValidationError`` unless ``manifest`` is valid for KUBERNETES_VERSION
    (strict: a key the schema does not know, such as a misspelt one, is an error too)."""
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def unmounted_volumes(pod: dict) -> list[str]:
    """What the schemas cannot see: a volume no container mounts, or a mount of no volume."""
    spec = pod["spec"]
    declared = {volume["name"] for volume in spec.get("volumes") or ()}
    containers = [*(spec.get("initContainers") or ()), *spec["containers"]]
    mounted = {mount["name"] for c in containers for mount in c.get("volumeMounts") or ()}
    return sorted({f"volume {name!r} is not mounted" for name in declared - mounted}
                  | {f"mount of {name!r}, which is no volume" for name in mounted - declared})


def as_pod(spec: dict) -> dict:
    """A pod around a spec (a values.yaml piece that the chart puts into the pod), for the schemas."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "labdeck-alice"}, "spec": spec}


def values_pod(values: dict) -> dict:
    """The parts of a Zero to JupyterHub values file that become Kubernetes objects in alice's pod,
    put together as the chart does (storage: a claim mounted at ``homeMountPath``)."""
    singleuser, spawner = values["singleuser"], values["hub"]["config"]["KubeSpawner"]
    image = singleuser["image"]
    dynamic = singleuser["storage"]["dynamic"]
    volume = dynamic["volumeNameTemplate"]
    container = {"name": "notebook", "image": f"{image['name']}:{image['tag']}", "args": singleuser["cmd"],
                 "securityContext": spawner["container_security_context"],
                 "volumeMounts": [{"name": volume, "mountPath": singleuser["storage"]["homeMountPath"]}]}
    return as_pod({
        "initContainers": singleuser.get("initContainers", []), "containers": [container],
        "volumes": [{"name": volume, "persistentVolumeClaim": {"claimName": "labdeck-alice"}}],
        "securityContext": {"supplementalGroups": spawner["supplemental_gids"]},
        "automountServiceAccountToken": spawner["automount_service_account_token"],
    })
