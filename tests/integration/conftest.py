"""Fixtures of the integration tests that run the benchmark's load generator."""

from __future__ import annotations

import pytest

from bench.measure import ROOT
from tests.e2e.programs import require_program


@pytest.fixture
def bench_node_modules() -> None:
    """The load generator's packages (``make bench`` installs them; so does ``make test``)."""
    require_program("node", "apt-get install nodejs npm")
    if not (ROOT / "bench" / "node_modules" / "socket.io-client").is_dir():
        pytest.fail("bench/node_modules is missing: run `make bench/node_modules/.installed`",
                    pytrace=False)
