"""The terminal image on its own: its metadata, and Butterfly as the terminal backend, run as user 1001."""

from __future__ import annotations

import json


def test_the_image_follows_the_openshift_and_s2i_conventions(buildah, terminal_image):
    config = json.loads(buildah("inspect", "--type", "image", terminal_image))["OCIv1"]["config"]
    assert config["User"] == "1001"
    assert config["WorkingDir"] == "/opt/app-root/src"
    assert "10080/tcp" in config["ExposedPorts"]
    assert config["Cmd"] == ["/usr/libexec/s2i/run"]
    assert "HOME=/opt/app-root/src" in config["Env"]
    assert config["Labels"]["io.openshift.s2i.scripts-url"] == "image:///usr/libexec/s2i"
    assert config["Labels"]["io.openshift.expose-services"] == "10080:http"


def test_butterfly_serves_the_terminals_when_chosen(terminal_image, container_of, get):
    container = container_of(terminal_image)
    container.start({"AUTH_USERNAME": "u", "AUTH_PASSWORD": "p", "TERMINAL_BACKEND": "butterfly"}, user="1001:0")
    status, body = get(container.url + "terminal/session/1", auth=("u", "p"))
    assert status == 200
    assert "butterfly" in body.lower()
