"""images/hub/jupyterhub_config.py read as the hub would, on Kubernetes and in the learning-portal mode.

This is a config test, not a cluster: KubeSpawner renders the pod and volume claim it would ask
Kubernetes for (with a kubeconfig pointing nowhere); nothing is created, no image is pulled.
"""

import sys
from types import SimpleNamespace

import pytest
from hub_harness import HUB_DIR

pytest.importorskip("kubespawner")

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: none
contexts: [{name: none, context: {cluster: none, user: none, namespace: workshop}}]
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
"""

KUBERNETES = {
    "HUB_SPAWNER": "kubernetes", "TERMINAL_IMAGE": "quay.io/example/workshop:1", "VOLUME_SIZE": "1Gi",
    "AUTHENTICATOR": "openshift", "OAUTH_CLIENT_ID": "system:serviceaccount:workshop:hub",
    "OAUTH_CLIENT_SECRET": "secret", "ADMIN_USERS": "instructor", "SERVER_LIMIT": "50",
    "INSTRUCTOR_BOARD": "false",  # on by default when labdeck-instructor is installed: see its own test
}


def load(monkeypatch, tmp_path, env):
    from traitlets.config import PyFileConfigLoader

    for name in ("KUBERNETES_SERVICE_HOST", "IDLE_TIMEOUT", "MAX_SESSION_AGE", "WORKSHOP_MEMORY", "HUB_EXTRA_CONFIG",
                 "HUB_SUBDOMAIN_HOST"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    import kubernetes_asyncio.config.kube_config as kube_config

    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "kubeconfig"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(HUB_DIR)).load_config()


async def render(config):
    """The pod and claim KubeSpawner would create for alice, as plain Kubernetes JSON."""
    from kubernetes_asyncio.client import ApiClient
    from kubespawner import KubeSpawner

    user = SimpleNamespace(name="alice", id=7, url="/user/alice/", escaped_name="alice")
    spawner = KubeSpawner(config=config, user=user, _mock=True)
    plain = ApiClient().sanitize_for_serialization
    return spawner, plain(await spawner.get_pod_manifest()), plain(spawner.get_pvc_manifest())


async def test_kubernetes_pod_has_the_image_port_memory_and_volume(monkeypatch, tmp_path):
    config = load(monkeypatch, tmp_path, KUBERNETES)
    spawner, pod, pvc = await render(config)
    [container] = pod["spec"]["containers"]
    assert container["image"] == "quay.io/example/workshop:1"
    assert container["args"] == ["/usr/libexec/s2i/run"]  # the image's run script, then labdeck run
    assert [p["containerPort"] for p in container["ports"]] == [10080]
    memory = container["resources"]
    assert memory["limits"]["memory"] == memory["requests"]["memory"] == 512 * 1024**2
    assert {"name": "app-root", "mountPath": "/opt/app-root"} in container["volumeMounts"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["app-root"]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"] == spawner.pvc_name
    assert pvc["spec"]["resources"]["requests"]["storage"] == "1Gi"
    [init] = pod["spec"]["initContainers"]
    assert init["image"] == container["image"]
    assert init["command"] == ["labdeck", "copy-once", "/opt/app-root", "/mnt/app-root"]
    assert init["volumeMounts"] == [{"name": "app-root", "mountPath": "/mnt/app-root"}]
    assert config.JupyterHub.active_server_limit == 50
    assert config.Authenticator.admin_users == {"instructor"}
    assert config.JupyterHub.authenticator_class.endswith("OpenShiftOAuthenticator")


async def test_culler_service_runs_with_only_the_scopes_it_needs(monkeypatch, tmp_path):
    config = load(monkeypatch, tmp_path, {**KUBERNETES, "MAX_SESSION_AGE": "14400"})
    [service] = config.JupyterHub.services
    assert service["command"][:3] == [sys.executable, "-m", "jupyterhub_idle_culler"]
    assert "--timeout=7200" in service["command"]
    assert "--max-age=14400" in service["command"]
    [role] = config.JupyterHub.load_roles
    assert role["services"] == ["idle-culler"]
    assert sorted(role["scopes"]) == ["delete:servers", "list:users", "read:servers", "read:users:activity"]


async def test_learning_portal_mode_makes_temporary_users_and_deletes_them(monkeypatch, tmp_path):
    config = load(monkeypatch, tmp_path, {**KUBERNETES, "AUTHENTICATOR": "anonymous", "IDLE_TIMEOUT": "900"})
    assert config.JupyterHub.authenticator_class == "tmpauthenticator.TmpAuthenticator"
    [service] = config.JupyterHub.services
    assert "--cull-users=True" in service["command"] and "--timeout=900" in service["command"]
    assert "admin:users" in config.JupyterHub.load_roles[0]["scopes"]
    assert config.KubeSpawner.delete_pvc is True


async def test_instructor_board_runs_with_named_scopes_and_opens_to_the_instructors_group(monkeypatch, tmp_path):
    config = load(monkeypatch, tmp_path, {**KUBERNETES, "INSTRUCTOR_BOARD": "true", "INSTRUCTORS_GROUP": "teachers",
                                          "INSTRUCTOR_USERS": "dana, eve"})
    board = next(service for service in config.JupyterHub.services if service["name"] == "instructor")
    assert board["command"][-1] == "serve" and board["oauth_no_confirm"] is True
    assert board["environment"]["LABDECK_INSTRUCTOR_BOARD"] == "true"
    assert board["environment"]["LABDECK_INSTRUCTOR_PROXY_URL"] == "http://proxy-public"
    roles = {role["name"]: role for role in config.JupyterHub.load_roles}
    assert roles["instructor-service"]["services"] == ["instructor"]
    assert sorted(roles["instructor-service"]["scopes"]) == [
        "access:servers", "list:users", "read:servers", "read:users:activity"]
    assert roles["instructors"] == {"name": "instructors", "groups": ["teachers"],
                                    "scopes": ["access:services!service=instructor"]}
    assert config.JupyterHub.load_groups == {"teachers": {"users": ["dana", "eve"]}}


def test_kubernetes_without_an_image_refuses_to_start(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="TERMINAL_IMAGE"):
        load(monkeypatch, tmp_path, {**KUBERNETES, "TERMINAL_IMAGE": ""})


def test_subdomain_host_puts_each_attendee_on_a_host_of_their_own(monkeypatch, tmp_path):
    config = load(monkeypatch, tmp_path, {**KUBERNETES, "HUB_SUBDOMAIN_HOST": "https://hub.example.com"})
    assert config.JupyterHub.subdomain_host == "https://hub.example.com"
    assert "subdomain_host" not in load(monkeypatch, tmp_path, {**KUBERNETES, "HUB_SUBDOMAIN_HOST": ""}).JupyterHub
