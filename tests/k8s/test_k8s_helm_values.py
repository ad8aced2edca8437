"""images/hub/helm/values.yaml: what of it Kubernetes' schemas can check here, and that it asks
for the same pod as images/hub/jupyterhub_config.py.

The chart's own values schema (jupyterhub/values.schema.yaml of Zero to JupyterHub) is not
published on PyPI or npm, the only registries this project's machines reach, so the chart-level
keys (``hub.config``, ``singleuser.memory``, ``cull`` ...) are not validated here: docs/multi-user.md.
"""

import copy

import kubernetes_validate
import pytest
import yaml
from kube import HUB_DIR, render, unmounted_volumes, validate, values_pod

VALUES = HUB_DIR / "helm" / "values.yaml"


@pytest.fixture
def values():
    return yaml.safe_load(VALUES.read_text())


def test_the_pod_parts_of_the_values_are_valid_kubernetes(values):
    pod = values_pod(values)
    validate(pod)
    assert unmounted_volumes(pod) == []


def test_a_misspelt_key_in_an_init_container_fails(values):
    broken = copy.deepcopy(values)
    init = broken["singleuser"]["initContainers"][0]
    init["volumeMount"] = init.pop("volumeMounts")
    with pytest.raises(kubernetes_validate.ValidationError, match="volumeMount"):
        validate(values_pod(broken))


def test_a_mount_of_a_volume_the_chart_does_not_make_fails(values):
    broken = copy.deepcopy(values)
    broken["singleuser"]["initContainers"][0]["volumeMounts"][0]["name"] = "app-roots"
    assert unmounted_volumes(values_pod(broken)) == ["mount of 'app-roots', which is no volume"]


async def test_values_ask_for_the_pod_the_hub_config_asks_for(values, hub_config):
    pod, _ = await render(hub_config(VOLUME_SIZE="1Gi", WORKSHOP_MEMORY="512Mi"))
    [container] = pod["spec"]["containers"]
    singleuser, spawner = values["singleuser"], values["hub"]["config"]["KubeSpawner"]
    assert singleuser["cmd"] == container["args"] == ["/usr/libexec/s2i/run"]
    assert spawner["port"] == container["ports"][0]["containerPort"] == 10080
    assert spawner["pod_name_template"] == "labdeck-{user_server}"
    assert spawner["container_security_context"] == container["securityContext"]
    assert spawner["supplemental_gids"] == pod["spec"]["securityContext"]["supplementalGroups"]
    assert spawner["automount_service_account_token"] is pod["spec"]["automountServiceAccountToken"] is False
    assert singleuser["allowPrivilegeEscalation"] is False and singleuser["uid"] is None
    assert singleuser["cloudMetadata"]["blockWithIptables"] is False  # the chart's way needs a privileged container
    [values_init] = singleuser["initContainers"]
    [config_init] = pod["spec"]["initContainers"]
    for key in ("name", "command", "volumeMounts", "resources", "securityContext"):
        assert values_init[key] == config_init[key], key
    assert singleuser["storage"]["homeMountPath"] == "/opt/app-root"
