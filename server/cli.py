"""The ``tickwire`` command (installed with the package): ``tickwire serve [flags]`` runs a
server like ``python -m server``; ``tickwire --version`` prints the version."""

from __future__ import annotations

import sys
from importlib import metadata

USAGE = """usage: tickwire serve [--config tickwire.toml] [flags...]

Commands:
  serve      run a Tickwire game server (`tickwire serve --help` lists every flag)

Options:
  --version  print the installed version"""


def main(argv: list[str] | None = None) -> None:
    """Run the ``tickwire`` command with ``argv`` (default: ``sys.argv[1:]``)."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        from server.__main__ import main as serve

        serve(args[1:], prog="tickwire serve")
    elif args[:1] == ["--version"]:
        print(f"tickwire {metadata.version('tickwire')}")
    else:
        print(USAGE, file=sys.stderr if args[:1] not in (["-h"], ["--help"]) else sys.stdout)
        sys.exit(0 if args[:1] in (["-h"], ["--help"]) else 2)


if __name__ == "__main__":
    main()
