#!/usr/bin/env python3
"""Every command-line figure of issue 15, each with its shape: `mailflow check` of files of
300 to 10,000 rules (in YAML, and in the DSL: `rules-block-dsl` is `rules-block` converted),
of the simulator's adversarial shapes, of long domain and connector
lists and of a 1,000-file repository, and the size of `trace --format json` where the
simulation branches.

    cargo build --release -p mailflow
    python3 benchmarks/run.py [path/to/mailflow] [--runs R] [--only WORD]

The binary defaults to $MAILFLOW_BIN or target/release/mailflow; R to 3. `--only` keeps the
rows whose shape holds WORD. Each command runs R times; printed are the median wall time,
the median processor time (user and system: a busy machine disturbs it less than the wall
clock), the largest peak resident memory of the runs, and for `trace` the bytes written.
The files come from benchmarks/generate.py. This is a benchmark, not a test: it asserts only
that each command exits 0 or 1. server/tests/scaling.rs holds the work linear without timing.
"""

from __future__ import annotations

import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402

# (shape, size, command): `check` of the file, `trace` of it in JSON, or `check` of the
# folder `repository` writes.
CASES = (
    ("rules-block", 300, "check"),
    ("rules-block", 3000, "check"),
    ("rules-block", 10000, "check"),
    ("rules-json-line", 300, "check"),
    ("rules-json-line", 3000, "check"),
    ("rules-in-brackets", 3000, "check"),
    ("rules-block-dsl", 300, "check"),
    ("rules-block-dsl", 10000, "check"),
    ("stress", 300, "check"),
    ("stress", 300, "trace"),
    ("unknown-headers", 299, "check"),
    ("unknown-headers", 299, "trace"),
    ("header-exceptions", 299, "check"),
    ("header-exceptions", 299, "trace"),
    ("suppressions", 3000, "check"),
    ("same-names", 3000, "check"),
    ("domain-exceptions", 30, "check"),
    ("domain-exceptions", 100, "check"),
    ("accepted-domains", 10000, "check"),
    ("connectors", 5000, "check"),
    ("repository", 1000, "check"),
)


def run(command: list[str]) -> tuple[float, float, int, int]:
    """Wall seconds, processor seconds, peak resident KiB and bytes written of one run. The
    peak comes from /usr/bin/time: a child's own ru_maxrss counts this script's memory, which
    it had before it became mailflow."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as peak:
        start = time.perf_counter()
        child = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", peak.name, *command], stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(command)} exited {code}")
        return wall, usage.ru_utime + usage.ru_stime, int(peak.read().split()[-1]), out.seek(0, os.SEEK_END)


def prepared(binary: str, shape: str, size: int, command: str, folder: pathlib.Path) -> list[str]:
    """The command line of one case, its file (or, for `repository`, its folder) written into
    `folder` unless it is there already."""
    path = folder / f"{shape}-{size}"
    if shape == "repository":
        if not path.exists():
            generate.repository(size, path)
    elif shape.endswith("-dsl"):
        # The YAML shape written in the DSL by the binary benchmarked.
        path = path.with_suffix(".mailflow")
        path.write_text(generate.to_dsl(generate.generate(shape.removesuffix("-dsl"), size), binary))
    else:
        path = path.with_suffix(".mailflow.yaml")
        path.write_text(generate.generate(shape, size))
    return [binary, "check", str(path)] if command == "check" else [binary, "trace", str(path), "--format", "json"]


def main(argv: list[str]) -> None:
    args = list(argv)
    runs, only = 3, ""
    if "--runs" in args:
        at = args.index("--runs")
        runs = int(args[at + 1])
        del args[at : at + 2]
    if "--only" in args:
        at = args.index("--only")
        only = args[at + 1]
        del args[at : at + 2]
    binary = generate.binary_argument(args, __doc__)
    print(f"{'command':<7} {'shape':<18} {'N':>6} {'wall ms':>9} {'cpu ms':>9} {'peak MB':>8} {'output KB':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for shape, size, command in CASES:
            if only not in shape:
                continue
            argv = prepared(binary, shape, size, command, pathlib.Path(folder))
            measured = [run(argv) for _ in range(runs)]
            wall = statistics.median(m[0] for m in measured)
            cpu = statistics.median(m[1] for m in measured)
            peak = max(m[2] for m in measured) / 1024
            output = f"{measured[0][3] / 1024:>10.1f}" if command == "trace" else f"{'':>10}"
            line = f"{command:<7} {shape:<18} {size:>6} {wall * 1e3:>9.1f} {cpu * 1e3:>9.1f} {peak:>8.1f} {output}"
            print(line.rstrip(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
