"""The ``relsparse`` command line: one subcommand per main job.

Run ``relsparse --help`` or ``relsparse <command> --help``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from . import analyze, design_space, plot, sweep, train

COMMANDS = {
    "design-space": design_space,
    "train": train,
    "sweep": sweep,
    "analyze": analyze,
    "plot": plot,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relsparse",
        description="Relational-graph sparse neural networks: graph design space, layers, experiments.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        module.add_parser(sub, name)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, ImportError) as exc:
        print(f"relsparse {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
