"""Runs the JavaScript unit tests (``tests/js/*.test.mjs``, Node's built-in runner), so the
README's one test command covers them."""

from __future__ import annotations

import subprocess
from pathlib import Path

HERE = Path(__file__).parent


def test_javascript_unit_tests_pass(node):
    files = sorted(str(path) for path in HERE.glob("*.test.mjs"))
    assert files, "no JavaScript tests found"
    done = subprocess.run([node, "--test", *files], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, f"node --test failed:\n{done.stdout}\n{done.stderr}"
