"""The OpenShift manifests in images/openshift/ fit together and fit what labdeck asks the cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

MANIFESTS = Path(__file__).resolve().parents[4] / "images" / "openshift"


def objects() -> dict[tuple[str, str], dict]:
    found = {}
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and "metadata" in doc:
                found[doc["kind"], doc["metadata"]["name"]] = doc
    return found


def test_service_account_route_and_role_binding_agree():
    found = objects()
    deployment = found["Deployment", "labdeck"]["spec"]["template"]["spec"]
    account = deployment["serviceAccountName"]
    env = {e["name"]: e.get("value") for e in deployment["containers"][0]["env"]}
    assert env["OAUTH_SERVICE_ACCOUNT"] == account
    annotations = found["ServiceAccount", account]["metadata"]["annotations"]
    reference = json.loads(annotations["serviceaccounts.openshift.io/oauth-redirectreference.labdeck"])
    assert reference["kind"] == "OAuthRedirectReference"
    assert ("Route", reference["reference"]["name"]) in found
    binding = found["RoleBinding", "labdeck-rolebinding-reader"]
    assert {"kind": "ServiceAccount", "name": account} in binding["subjects"]
    role = found[binding["roleRef"]["kind"], binding["roleRef"]["name"]]
    # what ProjectRoleCheck does: GET .../apis/rbac.authorization.k8s.io/v1/namespaces/<ns>/rolebindings
    assert any("rbac.authorization.k8s.io" in rule["apiGroups"] and "rolebindings" in rule["resources"]
               and "list" in rule["verbs"] for rule in role["rules"])
