#!/usr/bin/env python
"""rnnlti next to its peers (scipy, numba, torch, JAX, the memory-copy floor), as medians of
alternating processes: the same runner and flags as ``rnnlti bench``.

    python bench/compare.py [--quick] [--only linear] [--json results.json]
"""
import argparse
import glob
import os
import sys

# Run from a development tree (tools/dev_build.sh) without an install; else use the installed rnnlti.
_TREE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")
if glob.glob(os.path.join(_TREE, "rnnlti", "_core*")):
    sys.path.insert(0, _TREE)

from rnnlti.benchmarks import main  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats (seconds)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--only", metavar="GROUP", action="append", help="run only this group (repeatable)")
    args = parser.parse_args()
    sys.exit(main(quick=args.quick, json_path=args.json, only=args.only))
