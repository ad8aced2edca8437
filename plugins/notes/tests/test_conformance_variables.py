"""Conformance: the variables of each homeroom-era corpus workshop are the ones the original
renderer had (the `oracle` fixture: ../shared/oracle/homeroom/*.json or LABDECK_ORACLE),
rendered with the environment below."""

from __future__ import annotations

import json

import pytest

import labdeck_notes
from labdeck_notes.variables import BUILTIN_NAMES
from labdeck_notes.workshop import load_workshop

ENVIRONMENT = {
    "PROJECT_NAMESPACE": "ns-alice", "CLUSTER_SUBDOMAIN": "apps.example.com",
    "OPENSHIFT_IMAGE_REGISTRY": "registry.example.com:5000", "JUPYTERHUB_USER": "alice",
    "JUPYTERHUB_NAMESPACE": "hub-ns", "JUPYTERHUB_APPLICATION": "hub-app",
    "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443", "URI_ROOT_PATH": "/workshop",
}
#: paths: labdeck's own under its prefix (the original's were relative to its renderer)
PATHS = {"console_url", "slides_url", "terminal_url", "base_url"}
WORKSHOPS = ("lab-workshop-content", "lab-k8s-fundamentals", "lab-couchbase-operator",
             "lab-developing-with-odo", "lab-kafka-operator")


@pytest.mark.parametrize("name", WORKSHOPS)
def test_every_variable_of_the_original_has_its_value(name, corpus, oracle):
    oracle = json.loads((oracle / f"{name}.json").read_text())
    workshop = load_workshop(corpus / name, environ=ENVIRONMENT)
    settings = {s.name: s for s in labdeck_notes.register_settings()}
    from_settings = {name: ENVIRONMENT.get(settings[name].env, "") for name in settings
                     if name in BUILTIN_NAMES and settings[name].env}
    ours = {**from_settings, "username": ENVIRONMENT["JUPYTERHUB_USER"], **workshop.config_vars}
    for variable in oracle["variables"]:
        if variable["name"] in PATHS:
            assert variable["name"] in BUILTIN_NAMES
        else:
            assert ours.get(variable["name"]) == variable["content"], variable["name"]
    assert workshop.template_engine == oracle["template_engine"]
    assert workshop.title == oracle["site_title"]
