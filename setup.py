"""Build hook: every wheel carries the built browser client.

``pip install .`` (or ``pip wheel .``) runs ``npm ci`` (when ``client/web/node_modules`` is
missing or older than the lock) and ``node build.mjs`` in ``client/web``, then puts
``client/web/dist`` into the wheel as ``server/web/``, where ``tickwire serve`` finds it
(``--web-root auto``, the default). Installing the wheel needs no Node.js; building it does.
Editable installs (``make setup``) skip this: they serve ``client/web/dist`` from the checkout.
Everything else about the package is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

WEB = Path(__file__).parent / "client" / "web"


class BuildWithWebClient(build_py):
    """``build_py`` that also bundles the browser client into ``server/web``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        modules, lock = WEB / "node_modules" / ".installed", WEB / "package-lock.json"
        if not modules.exists() or modules.stat().st_mtime < lock.stat().st_mtime:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
            modules.touch()
        subprocess.run(["node", "build.mjs"], cwd=WEB, check=True)
        target = Path(self.build_lib) / "server" / "web"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(WEB / "dist", target, ignore=shutil.ignore_patterns("*.map"))


setup(cmdclass={"build_py": BuildWithWebClient})
