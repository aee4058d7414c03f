"""schemathesis (examples, coverage, fuzzing and stateful phases, a few examples per operation)
against a live server's /api/openapi.json: every admin answer matches the description, invalid
requests are refused, valid ones are not, and nothing answers 5xx."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import pytest

from tests.helpers import ADMIN_TOKEN, free_port, start_server

pytestmark = pytest.mark.timeout(180)


async def test_schemathesis_finds_nothing_against_the_live_admin_api(tmp_path: Path):
    port = free_port()
    server = await start_server("--port", str(port), "--admin-token", ADMIN_TOKEN)
    try:
        fuzz = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "schemathesis.cli", "run",
            f"http://127.0.0.1:{port}/api/openapi.json",
            "--header", f"Authorization: Bearer {ADMIN_TOKEN}",
            "--max-examples", "3", "--max-time", "40", "--seed", "7", "--workers", "1",
            # under the admin API's 20 requests/s per address; wrong tokens (ignored_auth)
            # would spend the address's failure allowance: tests/integration/test_admin_api.py
            "--rate-limit", "18/s", "--exclude-checks", "ignored_auth",
            "--report-dir", str(tmp_path), cwd=tmp_path,  # its cache goes there too
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(fuzz.communicate(), 120)
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 20)
    text = output.decode(errors="replace")
    assert fuzz.returncode == 0, text[-6000:]
    tested = re.search(r"Tested: (\d+)", text)
    assert tested is not None and int(tested.group(1)) >= 12, text[-3000:]
    assert re.search(r"\d+ generated, \d+ passed", text) and "failure" not in text, text[-3000:]
