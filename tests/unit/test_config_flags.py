"""Flags and ``TICKWIRE_*`` variables become a ``ServerConfig``: real booleans, the bare
``--workers``, and cluster settings that do not fit together are refused."""

from __future__ import annotations

import pytest

from server.config import ServerConfig


@pytest.mark.parametrize(("text", "value"), [("0", False), ("false", False), ("no", False),
                                             ("off", False), ("1", True), ("True", True),
                                             ("yes", True), (" on ", True)])
def test_boolean_variables_mean_what_they_say(text: str, value: bool) -> None:
    assert ServerConfig.from_sources([], {"TICKWIRE_REUSE_PORT": text}).reuse_port is value


def test_boolean_flags_override_the_environment_both_ways() -> None:
    assert ServerConfig.from_sources(["--reuse-port"], {}).reuse_port is True
    assert ServerConfig.from_sources(["--no-reuse-port"],
                                     {"TICKWIRE_REUSE_PORT": "1"}).reuse_port is False


def test_a_boolean_variable_that_is_no_boolean_is_refused(capsys) -> None:
    with pytest.raises(SystemExit):
        ServerConfig.from_sources([], {"TICKWIRE_REUSE_PORT": "maybe"})
    assert "TICKWIRE_REUSE_PORT" in capsys.readouterr().err


def test_workers_alone_means_one_per_core_and_only_with_redis() -> None:
    redis = ["--redis-url", "redis://127.0.0.1:6379/0"]
    assert ServerConfig.from_sources(["--workers", *redis], {}).workers == -1
    assert ServerConfig.from_sources(["--workers", *redis], {}).worker_count >= 1
    assert ServerConfig.from_sources(["--workers", "3", *redis], {}).worker_count == 3
    assert ServerConfig.from_sources(["--workers", "3"], {}).worker_count == 0
    assert ServerConfig.from_sources(redis, {}).worker_count == 0


def test_a_message_queue_needs_a_cluster_and_a_known_scheme(capsys) -> None:
    with pytest.raises(SystemExit):
        ServerConfig.from_sources(["--message-queue", "amqp://guest:guest@h:5672/"], {})
    with pytest.raises(SystemExit):
        ServerConfig.from_sources(["--redis-url", "redis://h/0", "--message-queue",
                                   "kafka://h:9092"], {})
    assert "amqp:// or redis://" in capsys.readouterr().err
