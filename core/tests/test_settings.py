from pathlib import Path

import pytest

from labdeck import Setting, SettingsError
from labdeck.cli import main
from labdeck.core_settings import CORE_SETTINGS, normalize_prefix
from labdeck.settings import check_unique, declare, load_settings

SPECS = check_unique(CORE_SETTINGS)


def test_flag_beats_env_beats_default():
    assert load_settings(SPECS, {}, {}).core.port is None  # 8080 or the next free one, when finalized
    assert load_settings(SPECS, {}, {"LABDECK_PORT": "9000"}).core.port == 9000
    assert load_settings(SPECS, {"core.port": "9001"}, {"LABDECK_PORT": "9000"}).core.port == 9001


def test_prefix_from_hub_then_uri_root_path():
    assert load_settings(SPECS, {}, {"URI_ROOT_PATH": "/workshop"}).core.prefix == "/workshop/"
    env = {"URI_ROOT_PATH": "/workshop", "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/"}
    assert load_settings(SPECS, {}, env).core.prefix == "/user/alice/"


@pytest.mark.parametrize("bad", ["/a/../b", "/a?x", "/a//b"])
def test_prefix_refuses_non_paths(bad):
    with pytest.raises(ValueError):
        normalize_prefix(bad)


def test_settings_are_frozen():
    settings = load_settings(SPECS, {}, {})
    with pytest.raises(AttributeError):
        settings.core.port = 1
    with pytest.raises(AttributeError):
        settings.core = None


def test_bad_value_names_the_setting():
    with pytest.raises(SettingsError, match=r"--port / LABDECK_PORT: 'abc'"):
        load_settings(SPECS, {}, {"LABDECK_PORT": "abc"})


def test_secret_values_never_shown():
    spec = Setting("pw", type=int, secret=True)
    with pytest.raises(SettingsError) as error:
        spec.parse("hunter2")
    assert "hunter2" not in str(error.value)
    settings = load_settings([Setting("pw", secret=True, group="x")], {"x.pw": "hunter2"}, {})
    assert "hunter2" not in repr(settings)
    assert settings.secrets() == {"LABDECK_X_PW": "hunter2"}


def test_a_plugin_setting_is_read_from_its_group():
    spec = declare("terminal", [Setting("sessions", type=int, default=16)])[0]
    assert (spec.flag_name, spec.env_names) == ("--terminal-sessions", ("LABDECK_TERMINAL_SESSIONS",))
    settings = load_settings([*SPECS, spec], {}, {"LABDECK_TERMINAL_SESSIONS": "3"})
    assert settings.terminal.sessions == 3
    with pytest.raises(AttributeError, match="no settings group 'editor'"):
        settings.editor  # noqa: B018 - a plugin that is not installed


def test_building_settings_makes_no_folders(tmp_path):
    from labdeck.core_settings import finalize_settings

    target = tmp_path / "rt"
    finalize_settings(load_settings(SPECS, {"core.runtime_dir": str(target)}, {}))
    assert not target.exists()


def test_two_owners_of_one_setting_refused():
    with pytest.raises(SettingsError, match="'a' and 'b'"):
        check_unique([*declare("a", [Setting("x", flag="--x")]), *declare("b", [Setting("y", flag="--x")])])


def test_cli_bad_port_exits_nonzero_naming_setting(capsys):
    assert main(["serve", "--port", "abc"], environ={}) == 2
    assert "--port / LABDECK_PORT" in capsys.readouterr().err


def test_cli_unknown_auth_mode(capsys, tmp_path):
    code = main(["serve", "--auth", "magic", "--runtime-dir", str(tmp_path / "rt")], environ={})
    assert code == 2
    assert "unknown auth mode 'magic'" in capsys.readouterr().err


def test_cli_empty_basic_password(capsys, tmp_path):
    env = {"AUTH_USERNAME": "alice", "LABDECK_RUNTIME_DIR": str(tmp_path / "rt")}
    assert main(["serve", "--auth", "basic"], environ=env) == 2
    assert "AUTH_PASSWORD" in capsys.readouterr().err


def test_cli_refuses_open_address_without_auth(capsys, tmp_path):
    assert main(["serve", "--host", "0.0.0.0", "--runtime-dir", str(tmp_path)], environ={}) == 2
    err = capsys.readouterr().err
    assert "0.0.0.0" in err and "AUTH_USERNAME" in err


def test_help_lists_every_setting_with_env(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"], environ={})
    out = capsys.readouterr().out
    for spec in CORE_SETTINGS:
        assert spec.flag_name in out
        assert spec.env_names[0] in out


def test_runtime_dir_is_private(tmp_path):
    from labdeck.core_settings import ensure_private_dir, finalize_settings

    target = tmp_path / "rt"
    settings = finalize_settings(load_settings(SPECS, {"core.runtime_dir": str(target)}, {}))
    assert settings.core.runtime_dir == Path(target)
    ensure_private_dir(settings.core.runtime_dir)
    assert target.stat().st_mode & 0o777 == 0o700


def test_service_url_sets_host_and_port(tmp_path):
    from labdeck.core_settings import finalize_settings

    env = {"JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:41234", "LABDECK_RUNTIME_DIR": str(tmp_path)}
    settings = finalize_settings(load_settings(SPECS, {}, env))
    assert (settings.core.host, settings.core.port) == ("127.0.0.1", 41234)
