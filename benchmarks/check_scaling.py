#!/usr/bin/env python3
"""How `mailflow check` scales with the number of domains and connectors in a file (issues 14
and 15): for each shape of benchmarks/generate.py, the time of one check at N and at 4N,
and their ratio. A ratio near 4 is linear; near 16, quadratic.

    cargo build --release -p mailflow
    python3 benchmarks/check_scaling.py [path/to/mailflow] [--n N] [--runs R] [--dsl]

The binary defaults to $MAILFLOW_BIN or target/release/mailflow; N to 2500 (so 10,000 at
4N), R to 3. Each check runs R times; the median wall time and the median processor time
(user and system, which a busy machine disturbs less) are printed. This is a benchmark, not
a test: it asserts only that each check exits 0 or 1. The test that holds the simulation
linear, without timing it, is server/tests/scaling.rs.
"""

from __future__ import annotations

import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402


def option(args: list[str], name: str, default: int) -> int:
    if name in args:
        at = args.index(name)
        value = int(args[at + 1])
        del args[at : at + 2]
        return value
    return default


def time_check(binary: str, path: pathlib.Path, runs: int) -> tuple[float, float]:
    """The median wall time and processor time of `mailflow check path`, in seconds."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([binary, "check", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode not in (0, 1):
            raise SystemExit(f"mailflow check {path} exited {done.returncode}")
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str]) -> None:
    args = list(argv)
    n = option(args, "--n", 2500)
    runs = option(args, "--runs", 3)
    dsl = "--dsl" in args
    args = [a for a in args if a != "--dsl"]
    binary = generate.binary_argument(args, __doc__)
    os.environ["MAILFLOW_BIN"] = binary
    print(f"{'shape':<18} {'N':>6} {'wall s':>8} {'cpu s':>8}   {'4N':>6} {'wall s':>8} {'cpu s':>8}   ratio (cpu)")
    with tempfile.TemporaryDirectory() as folder:
        for shape in generate.SHAPES:
            measured = []
            for size in (n, 4 * n):
                text = generate.generate(shape, size)
                path = pathlib.Path(folder) / f"{shape}-{size}.mailflow"
                if dsl:
                    text = generate.to_dsl(text)
                else:
                    path = path.with_suffix(".mailflow.yaml")
                path.write_text(text)
                measured.append(time_check(binary, path, runs))
            (wall, cpu), (wall4, cpu4) = measured
            print(
                f"{shape:<18} {n:>6} {wall:>8.3f} {cpu:>8.3f}   {4 * n:>6} {wall4:>8.3f} {cpu4:>8.3f}   {cpu4 / max(cpu, 1e-3):.1f}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
