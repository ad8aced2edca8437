"""The pod and claim images/hub/jupyterhub_config.py makes KubeSpawner ask for, checked as the API
server's schemas and a reviewer would check them. No cluster: docs/multi-user.md says what that leaves."""

import kubernetes_validate
import pytest
from kube import KUBERNETES_VERSION, render, unmounted_volumes, validate

#: the hub's modes that change the pod: without and with a volume, and the learning portal
MODES = {
    "no-volume": {},
    "volume": {"VOLUME_SIZE": "1Gi", "STORAGE_CLASS": "standard"},
    "learning-portal": {"VOLUME_SIZE": "1Gi", "AUTHENTICATOR": "anonymous", "IDLE_TIMEOUT": "900"},
}


@pytest.mark.parametrize("mode", MODES)
async def test_pod_and_claim_are_valid_kubernetes(hub_config, mode):
    pod, pvc = await render(hub_config(**MODES[mode]))
    validate(pod)  # raises with the path of what is wrong
    if "VOLUME_SIZE" in MODES[mode]:
        validate(pvc)
        assert pvc["spec"]["resources"]["requests"]["storage"] == "1Gi"
    else:
        assert pvc is None and "initContainers" not in pod["spec"]
    assert unmounted_volumes(pod) == []


@pytest.mark.parametrize("mode", MODES)
async def test_pod_runs_as_any_non_root_uid_in_group_0_without_escalation(hub_config, mode):
    pod, _ = await render(hub_config(**MODES[mode]))
    spec = pod["spec"]
    assert 0 in spec["securityContext"]["supplementalGroups"]
    assert "runAsUser" not in spec["securityContext"]  # the image's user, or OpenShift's pick from the range
    for container in [*spec.get("initContainers", ()), *spec["containers"]]:
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True and context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"] and "privileged" not in context
        assert "runAsUser" not in context
        resources = container["resources"]
        assert resources["requests"]["memory"] and resources["limits"]["memory"], container["name"]


async def test_image_command_is_the_s2i_run_script(hub_config):
    pod, _ = await render(hub_config())
    [container] = pod["spec"]["containers"]
    assert "command" not in container and container["args"] == ["/usr/libexec/s2i/run"]
    assert [port["containerPort"] for port in container["ports"]] == [10080]


async def test_copy_once_mounts_the_claim_and_runs_labdeck_copy_once(hub_config):
    pod, pvc = await render(hub_config(VOLUME_SIZE="1Gi"))
    [init] = pod["spec"]["initContainers"]
    assert init["command"] == ["labdeck", "copy-once", "/opt/app-root", "/mnt/app-root"]
    [mount] = init["volumeMounts"]
    volumes = {volume["name"]: volume for volume in pod["spec"]["volumes"]}
    assert volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    [container] = pod["spec"]["containers"]
    assert {"name": mount["name"], "mountPath": "/opt/app-root"} in container["volumeMounts"]


async def test_no_service_account_token_unless_a_console_needs_one(hub_config):
    pod, _ = await render(hub_config())
    assert pod["spec"]["automountServiceAccountToken"] is False
    pod, _ = await render(hub_config(WORKSHOP_SERVICE_ACCOUNT="workshop-console"))
    assert pod["spec"]["automountServiceAccountToken"] is True
    assert pod["spec"]["serviceAccountName"] == "workshop-console"


async def test_a_misspelt_key_fails_validation(hub_config, tmp_path):
    """A deliberately broken setting, of the kind KubeSpawner passes on as it is (a nested dict)."""
    extra = tmp_path / "extra.py"
    extra.write_text('c.KubeSpawner.container_security_context = {"runAsNonRoot": True, '
                     '"allowPrivilegeEscalaton": False}\n')
    pod, _ = await render(hub_config(HUB_EXTRA_CONFIG=str(extra)))
    with pytest.raises(kubernetes_validate.ValidationError, match="allowPrivilegeEscalaton"):
        validate(pod)


async def test_a_volume_without_a_mount_fails_the_check(hub_config, tmp_path):
    extra = tmp_path / "extra.py"
    extra.write_text('c.KubeSpawner.volumes.append({"name": "scratch", "emptyDir": {}})\n')
    pod, _ = await render(hub_config(VOLUME_SIZE="1Gi", HUB_EXTRA_CONFIG=str(extra)))
    validate(pod)  # valid Kubernetes: only the reviewer's check sees it
    assert unmounted_volumes(pod) == ["volume 'scratch' is not mounted"]


def test_the_schemas_are_those_of_a_pinned_release():
    assert KUBERNETES_VERSION in kubernetes_validate.utils.all_versions()
