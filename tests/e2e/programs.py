"""Finding the outside programs the browser-side tests need (Node.js, Chromium).

Outside CI a missing program skips its tests with a loud message saying how to install it;
under ``CI=true`` it fails them, so a green CI run always ran them.
"""

from __future__ import annotations

import os
import shutil
import warnings

import pytest


def require_program(name: str, install: str) -> str:
    """The path of program ``name``; skip (or fail under CI) with ``install`` advice if absent."""
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} not found: install it with `{install}`"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    warnings.warn(f"SKIPPED browser-side tests: {message}", stacklevel=2)  # in every summary
    pytest.skip(f"\n{'!' * 72}\n  SKIPPED: {message}\n{'!' * 72}")
