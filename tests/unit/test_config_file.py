"""Settings from a TOML file: defaults < TOML < TICKWIRE_* variables < flags, and a bad file
is refused with an error naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import ServerConfig
from tests.helpers import ROOT


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "tickwire.toml"
    path.write_text(text)
    return str(path)


def test_the_file_overrides_defaults_and_is_overridden_by_variables_then_flags(tmp_path):
    path = write(tmp_path, 'port = 9001\ntick_rate = 30\nadmin_token = "from-file"\n'
                           "reuse_port = true\nping_timeout = 7\n")
    from_file = ServerConfig.from_sources(["--config", path], {})
    assert (from_file.port, from_file.tick_rate, from_file.admin_token) == (9001, 30, "from-file")
    assert from_file.reuse_port is True and from_file.ping_timeout == 7.0
    assert from_file.max_rooms == ServerConfig().max_rooms
    env = {"TICKWIRE_PORT": "9002", "TICKWIRE_REUSE_PORT": "0"}
    from_env = ServerConfig.from_sources(["--config", path], env)
    assert (from_env.port, from_env.reuse_port, from_env.tick_rate) == (9002, False, 30)
    from_flags = ServerConfig.from_sources(["--config", path, "--port", "9003"], env)
    assert (from_flags.port, from_flags.tick_rate) == (9003, 30)


def test_the_file_may_be_named_by_a_variable(tmp_path):
    path = write(tmp_path, "max_rooms = 12\n")
    assert ServerConfig.from_sources([], {"TICKWIRE_CONFIG": path}).max_rooms == 12


@pytest.mark.parametrize(("text", "complaint"), [
    ("max_room = 5\n", "unknown key 'max_room' (did you mean 'max_rooms'?)"),
    ("colour = 'blue'\n", "unknown key 'colour'"),
    ("port = '8000'\n", "port must be an integer, not str '8000'"),
    ("reuse_port = 1\n", "reuse_port must be a boolean, not int 1"),
    ("max_rooms = true\n", "max_rooms must be an integer, not bool True"),
    ("ping_timeout = 'soon'\n", "ping_timeout must be a number"),
    ("port = \n", "not valid TOML"),
    ("log_format = 'xml'\n", "log_format must be one of text, json"),
])
def test_a_bad_file_is_refused_naming_the_key(tmp_path, capsys, text, complaint):
    path = write(tmp_path, text)
    with pytest.raises(SystemExit):
        ServerConfig.from_sources(["--config", path], {})
    assert complaint in capsys.readouterr().err


def test_a_missing_file_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        ServerConfig.from_sources(["--config", str(tmp_path / "nope.toml")], {})
    assert "nope.toml" in capsys.readouterr().err


def test_the_example_file_in_deploy_loads():
    config = ServerConfig.from_sources(["--config", str(ROOT / "deploy" / "tickwire.toml")], {})
    assert (config.host, config.log_format, config.trusted_proxies, config.data_dir) == (
        "0.0.0.0", "json", "127.0.0.1/32", "/var/lib/tickwire")


def test_event_sinks_come_as_a_list_of_urls(tmp_path):
    path = tmp_path / "tickwire.toml"
    path.write_text('events = ["http://127.0.0.1:9000/hook", "nats://127.0.0.1:4222/tw"]\n')
    assert ServerConfig.from_sources(["--config", str(path)], {}).events == (
        "http://127.0.0.1:9000/hook", "nats://127.0.0.1:4222/tw")
    flags = ["--config", str(path), "--events", "redis://127.0.0.1:6379/0?stream=s"]
    assert ServerConfig.from_sources(flags, {}).events == ("redis://127.0.0.1:6379/0?stream=s",)
