"""images/hub/helm/values.yaml: what of it Kubernetes' schemas can check here, and that it asks
for the same pod as images/hub/jupyterhub_config.py.

The chart-level keys (``hub.config``, ``singleuser.memory``, ``cull`` ...) are validated against
the Zero to JupyterHub chart's values schema, kept as the fixture z2jh-values-schema.json (the
schema is on GitHub only, not on PyPI or npm; make_z2jh_schema.py made the fixture and says how).
"""

import copy

import kubernetes_validate
import pytest
import yaml
from kube import HUB_DIR, ROOT, render, unmounted_volumes, validate, values_pod

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


def chart_errors(values: dict) -> list[str]:
    """What the Zero to JupyterHub chart's values schema (4.4.0, the fixture's $comment) says of ``values``."""
    import json

    from jsonschema import Draft7Validator

    schema = json.loads((ROOT / "tests" / "k8s" / "z2jh-values-schema.json").read_text())
    return sorted(f"{'.'.join(map(str, error.path)) or '(top)'}: {error.message}"
                  for error in Draft7Validator(schema).iter_errors(values))


def test_the_values_are_valid_for_the_zero_to_jupyterhub_chart(values):
    assert chart_errors(values) == []


def test_a_misspelt_chart_key_fails_the_charts_schema(values):
    broken = copy.deepcopy(values)
    broken["singleuser"]["memry"] = broken["singleuser"].pop("memory", {"limit": "1G"})
    broken["cull"]["timout"] = 3600
    errors = chart_errors(broken)
    assert any(e.startswith("singleuser:") and "'memry'" in e for e in errors), errors
    assert any(e.startswith("cull:") and "'timout'" in e for e in errors), errors
