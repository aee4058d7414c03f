"""Fixtures for the JavaScript tests: the Node.js binary and a way to run a script with it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.programs import require_program

HERE = Path(__file__).parent
RunScript = Callable[[str, Any], Any]


@pytest.fixture(scope="session")
def node() -> str:
    """Path of the ``node`` binary."""
    return require_program("node", "apt-get install nodejs npm")


@pytest.fixture
def run_script(node: str) -> RunScript:
    """``run_script("name.mjs", data)``: run a script of tests/js with ``data`` as JSON on
    standard input; return what it prints, parsed as JSON."""

    def run(script: str, data: Any) -> Any:
        done = subprocess.run(
            [node, str(HERE / script)], input=json.dumps(data), capture_output=True,
            text=True, timeout=60, check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run
