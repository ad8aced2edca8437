"""The OpenShift template in images/openshift/ fits together and fits what labdeck asks the cluster."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

TEMPLATE = Path(__file__).resolve().parents[3] / "images" / "openshift" / "labdeck-oauth.yaml"


def processed(**parameters: str) -> dict[tuple[str, str], dict]:
    """What ``oc process`` would produce: ${NAME} replaced by parameter values."""
    template = yaml.safe_load(TEMPLATE.read_text())
    values = {p["name"]: p.get("value") for p in template["parameters"]} | parameters
    assert all(values.values()), "every required parameter given"
    text = re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], yaml.safe_dump(template["objects"]))
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load(text)}


def test_service_account_route_and_role_binding_agree():
    found = processed(PROJECT="alice-workshop", IMAGE="labdeck:test", NAME="desk", ROUTE_HOST="desk.apps.example")
    deployment = found["Deployment", "desk"]["spec"]["template"]["spec"]
    account = deployment["serviceAccountName"]
    env = {e["name"]: e.get("value") for e in deployment["containers"][0]["env"]}
    assert env["OAUTH_SERVICE_ACCOUNT"] == account == "desk"
    assert env["LABDECK_OAUTH_PROJECT_ROLE"] == "admin"
    annotations = found["ServiceAccount", account]["metadata"]["annotations"]
    reference = json.loads(annotations["serviceaccounts.openshift.io/oauth-redirectreference.labdeck"])
    assert reference["kind"] == "OAuthRedirectReference"
    assert ("Route", reference["reference"]["name"]) in found
    binding = found["RoleBinding", "desk-rolebinding-reader"]
    assert {"kind": "ServiceAccount", "name": account, "namespace": "alice-workshop"} in binding["subjects"]
    role = found[binding["roleRef"]["kind"], binding["roleRef"]["name"]]
    # what ProjectRoleCheck does: GET .../apis/rbac.authorization.k8s.io/v1/namespaces/<ns>/rolebindings
    assert any("rbac.authorization.k8s.io" in rule["apiGroups"] and "rolebindings" in rule["resources"]
               and "list" in rule["verbs"] for rule in role["rules"])


def test_the_callback_is_configured_on_the_routes_own_host():
    """labdeck never builds its OAuth callback from a request's Host: the template names it."""
    found = processed(PROJECT="alice-workshop", IMAGE="labdeck:test", NAME="desk", ROUTE_HOST="desk.apps.example")
    [container] = found["Deployment", "desk"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert found["Route", "desk"]["spec"]["host"] == "desk.apps.example"
    assert env["LABDECK_OAUTH_REDIRECT_URL"] == "https://desk.apps.example/oauth_callback"


def test_the_route_host_is_required():
    template = yaml.safe_load(TEMPLATE.read_text())
    assert {"name": "ROUTE_HOST", "required": True}.items() <= next(
        p for p in template["parameters"] if p["name"] == "ROUTE_HOST").items()
