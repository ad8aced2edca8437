"""What the console plugin makes of its settings."""

from __future__ import annotations

import logging
import ssl

import pytest

import labdeck_console
from labdeck import SettingsError
from labdeck_console import config
from labdeck_dashboard import Tab
from labdeck_testing import labdeck_login, make_deck


def settings_for(**environ):
    """A Deck with the console plugin and these environment variables."""
    return make_deck({"console": labdeck_console}, environ=environ, prefix="/user/alice/")


@pytest.fixture
def no_service_account(monkeypatch, tmp_path):
    """As on a laptop: no pod token, no cluster CA."""
    monkeypatch.setattr(config, "DEFAULT_TOKEN_FILE", tmp_path / "absent-token")
    monkeypatch.setattr(config, "DEFAULT_CA_FILES", (tmp_path / "absent-ca.crt",))


@pytest.fixture
def service_account(monkeypatch, tmp_path):
    """As in a pod: the service-account token and CA files exist."""
    token = tmp_path / "token"
    token.write_text("pod-token\n")
    ca = tmp_path / "ca.crt"
    ca.write_bytes(_any_ca_pem())
    monkeypatch.setattr(config, "DEFAULT_TOKEN_FILE", token)
    monkeypatch.setattr(config, "DEFAULT_CA_FILES", (ca, tmp_path / "absent-service-ca.crt"))
    return token


def _any_ca_pem() -> bytes:
    """One CA certificate of the system's trust store, standing in for a cluster CA."""
    context = ssl.create_default_context()
    der = next(iter(context.get_ca_certs(binary_form=True)), None)
    if der is None:
        pytest.skip("no system CA certificates to stand in for a cluster CA")
    return ssl.DER_cert_to_PEM_cert(der).encode()


@pytest.mark.parametrize(("given", "expected"), [
    ("https://console.apps.example.com", "https://console.apps.example.com/"),
    ("http://127.0.0.1:9090/api/v1/namespaces/kube-system/services/dashboard/proxy",
     "http://127.0.0.1:9090/api/v1/namespaces/kube-system/services/dashboard/proxy/"),
])
def test_console_url_gets_a_trailing_slash(given, expected):
    assert settings_for(CONSOLE_URL=given).settings.console.url == expected


@pytest.mark.parametrize("bad", ["console.example.com", "ftp://console.example.com/", "https:///nohost",
                                 "https://console.example.com/?x=1"])
def test_a_console_url_that_is_not_one_stops_the_start(bad):
    with pytest.raises(SettingsError, match="CONSOLE_URL"):
        settings_for(CONSOLE_URL=bad)


def test_credentials_in_the_console_url_stop_the_start_without_being_shown():
    settings = settings_for(CONSOLE_URL="https://admin:s3cret@console.example.com/")
    with pytest.raises(SettingsError, match="no user or password") as error:
        labdeck_console.register_proxies(settings)
    assert "s3cret" not in str(error.value)


def test_not_configured_adds_nothing_and_says_so_once(no_service_account, caplog):
    from labdeck_testing import make_app

    caplog.set_level(logging.INFO, logger="labdeck.console")
    app = make_app({"console": labdeck_console})
    settings = settings_for()
    assert labdeck_console.dashboard_tabs(settings) == []
    assert labdeck_console.workshop_variables(settings) == {}
    assert labdeck_console.supervisor_programs(settings) == []
    assert not any("console" in str(r.resource.canonical) for r in app.router.routes())
    assert [r.getMessage() for r in caplog.records if "not configured" in r.getMessage()] == [
        "console: not configured (no CONSOLE_URL or LABDECK_CONSOLE_COMMAND); no Console tab"]


def test_configured_gives_a_tab_and_a_variable(no_service_account):
    settings = settings_for(CONSOLE_URL="https://console.example.com/")
    assert labdeck_console.dashboard_tabs(settings) == [Tab(name="Console", url="console/", title="Web console")]
    assert labdeck_console.workshop_variables(settings) == {"console_url": "/user/alice/console"}


def test_no_token_on_a_laptop(no_service_account):
    [spec] = labdeck_console.register_proxies(settings_for(CONSOLE_URL="https://console.example.com/"))
    assert spec.headers == {}
    assert spec.ssl is None  # the system's trust store
    assert spec.allow_framing and spec.path == "console/"


def test_in_a_pod_the_service_account_token_and_cluster_ca_are_used(service_account):
    [spec] = labdeck_console.register_proxies(settings_for(CONSOLE_URL="https://console.example.com/"))
    assert spec.headers(None) == {"Authorization": "Bearer pod-token"}
    assert isinstance(spec.ssl, ssl.SSLContext)
    assert spec.ssl.verify_mode == ssl.CERT_REQUIRED and spec.ssl.check_hostname


def test_the_token_env_var_beats_the_file_and_none_turns_it_off(service_account):
    [spec] = labdeck_console.register_proxies(settings_for(CONSOLE_URL="https://c.example/",
                                                           LABDECK_CONSOLE_TOKEN="given"))
    assert spec.headers(None) == {"Authorization": "Bearer given"}
    [spec] = labdeck_console.register_proxies(settings_for(CONSOLE_URL="https://c.example/",
                                                           LABDECK_CONSOLE_TOKEN_FILE="none"))
    assert spec.headers == {}


def test_verification_is_off_only_when_asked(service_account, caplog):
    [spec] = labdeck_console.register_proxies(settings_for(CONSOLE_URL="https://c.example/",
                                                           LABDECK_CONSOLE_VERIFY_TLS="false"))
    assert spec.ssl is False
    assert any("TLS verification of https://c.example/ is OFF" in r.getMessage() for r in caplog.records)


def test_an_unreadable_ca_file_stops_the_start(no_service_account, tmp_path):
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(SettingsError, match="LABDECK_CONSOLE_CA_FILE"):
        labdeck_console.register_proxies(settings_for(CONSOLE_URL="https://c.example/",
                                                      LABDECK_CONSOLE_CA_FILE=str(tmp_path / "junk.pem")))


def test_a_token_over_plain_http_to_another_host_is_warned_about(no_service_account, caplog):
    labdeck_console.register_proxies(settings_for(CONSOLE_URL="http://console.example.com/",
                                                  LABDECK_CONSOLE_TOKEN="t"))
    assert any("over plain http" in r.getMessage() for r in caplog.records)


def test_the_console_command_becomes_a_program_on_loopback(no_service_account):
    settings = settings_for(LABDECK_CONSOLE_COMMAND="bridge --listen=http://127.0.0.1:{port} --base-path={base_path}",
                            LABDECK_CONSOLE_PORT="10099", LABDECK_CONSOLE_KEEP_PATH="true")
    [program] = labdeck_console.supervisor_programs(settings)
    assert program.name == "console"
    assert program.command == ["bridge", "--listen=http://127.0.0.1:10099", "--base-path=/user/alice/console/"]
    assert program.environment == {"CONSOLE_PORT": "10099", "CONSOLE_BASE_PATH": "/user/alice/console/"}
    [spec] = labdeck_console.register_proxies(settings)
    assert spec.upstream == "http://127.0.0.1:10099/" and spec.keep_path
    assert labdeck_console.dashboard_tabs(settings)[0].url == "console/"



async def test_an_https_console_is_trusted_through_the_ca_file(labdeck_client, aiohttp_server, tmp_path,
                                                                 no_service_account, fake_console_app):
    from labdeck_testing import make_certificates

    ca, cert, key = make_certificates(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await aiohttp_server(fake_console_app("/ui/"), ssl=context)
    url = f"https://127.0.0.1:{server.port}/ui"
    untrusted = await labdeck_client({"console": labdeck_console}, environ={"CONSOLE_URL": url})
    trusted = await labdeck_client({"console": labdeck_console},
                                   environ={"CONSOLE_URL": url, "LABDECK_CONSOLE_CA_FILE": str(ca)})
    for client in untrusted, trusted:
        await labdeck_login(client)
    refused = await untrusted.get("/console/")
    assert refused.status == 502
    assert "certificate could not be verified" in await refused.text()
    page = await trusted.get("/console/")
    assert page.status == 200
    assert "Fake console" in await page.text()



def test_a_token_file_with_several_lines_sends_nothing(tmp_path, caplog):
    token_file = tmp_path / "token"
    token_file.write_text("abc\nX-Injected: yes\n")
    token = config.BearerToken(path=token_file)
    assert token.headers() == {}
    assert any("more than one line" in r.getMessage() for r in caplog.records)
    token_file.write_text("fixed\n")
    assert token.headers() == {"Authorization": "Bearer fixed"}
