"""The ``rnnlti`` command line: ``rnnlti demo``, ``rnnlti bench``, ``rnnlti --version``."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rnnlti", description=__doc__)
    parser.add_argument("--version", action="version", version=f"rnnlti {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    from . import demo

    demo.add_arguments(sub.add_parser("demo", help="run the lecture end to end on a built-in task", description=demo.__doc__))
    bench = sub.add_parser("bench", help="time rnnlti next to scipy / torch / JAX")
    bench.add_argument("--quick", action="store_true", help="small sizes and few repeats (seconds)")
    bench.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    bench.add_argument("--only", metavar="GROUP", action="append", help="run only this group (repeatable)")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from . import demo

        return demo.run(args)
    if args.command == "bench":
        from .benchmarks import main as bench_main

        return bench_main(quick=args.quick, json_path=args.json, only=args.only)
    return 2


if __name__ == "__main__":
    sys.exit(main())
