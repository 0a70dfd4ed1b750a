#!/usr/bin/env python3
"""A flame graph of each shape of the benchmarks, and where its processor time goes.

    cargo build --release -p mailflow
    python3 benchmarks/flamegraph.py [path/to/mailflow] [--out DIR] [--only WORD] [--sizes 300,3000]

For each shape of `lsp_latency.py` (edits, typing, requests on a server with the file open;
opening a file in a new server) and of `run.py` (`mailflow check` and `trace`), `perf record`
samples the server or the command at 1,999 Hz with its call stacks (unwound from DWARF: a
release build keeps no frame pointers) while the shape runs, and this writes into DIR
(default target/flamegraphs) `<shape>.folded` (one line per stack, root first, with its
sample count: the format every flame graph tool reads) and `<shape>.svg` (the flame graph:
a frame's width is its share of the samples; hover a frame for its name and share). It
prints, per shape, the share of the samples in each phase of a check (`PHASES`) and the
functions with the most samples of their own, and at the end a table of every shape's
phases. Samples are of processor time, on every
thread: a phase run on both cores counts both. `--only` keeps the shapes whose name holds
WORD. Needs `perf` (linux-tools) and permission to use it; a benchmark, not a test.
"""

from __future__ import annotations

import collections
import html
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402
import lsp_latency  # noqa: E402
import run as cli  # noqa: E402

FREQUENCY = 1999
# Operations per language-server shape: enough samples for a stable picture at 2 kHz.
OPERATIONS = 60

# The phases of a check, each named by what its functions' names hold. A sample is in the
# first phase (in this order) one of whose patterns a frame of its stack holds: tree-sitter's
# parse inside the reading is the parse, freeing inside anything is freeing.
PHASES = (
    ("freeing", ("drop_in_place", "mi_free", "_mi_page_free", "_mi_free_")),
    ("parse", ("ts_parser_parse",)),
    ("moved copies", ("yaml::Node::shifted", "TransportRule>::moved")),
    ("reading", ("syntax::yaml::", "syntax::dsl::")),
    ("lowering", ("model::lower_yaml", "model::lower_dsl")),
    ("simulation", ("analysis::simulate", "analysis::activity")),
    ("checks", ("rules::ModelChecks", "analysis::roles", "mailflow::suppression", "check::Read::checked")),
    ("requests", ("mailflow::ide::",)),
    (
        "messages",
        (
            "Convert::serialized_diagnostics",
            "Convert::diagnostics",
            "mailflow::lsp::",
            "tower_lsp_server",
            "cli::output",
            "cli::console",
        ),
    ),
)


def fold(script: str) -> collections.Counter:
    """`perf script` output (a header line per sample, then its frames leaf first, a blank
    line after) as folded stacks: the frames root first joined by `;`, and their sample
    counts. Addresses and offsets are dropped; a frame without a symbol is `[unknown]`."""
    stacks: collections.Counter = collections.Counter()
    frames: list[str] = []
    in_sample = False
    for line in script.splitlines() + [""]:
        if not line.strip():
            if in_sample:
                stacks[";".join(reversed(frames)) or "[unknown]"] += 1
            frames, in_sample = [], False
        elif line[0] in " \t":
            parts = line.split(None, 1)
            symbol = parts[1] if len(parts) > 1 else "[unknown]"
            # `sym+0x1f (dso)` with -F sym,ip: keep the name only.
            symbol = re.sub(r"\+0x[0-9a-f]+$", "", symbol.rsplit(" (", 1)[0].strip()) or "[unknown]"
            frames.append(symbol.replace(";", ":"))
        else:
            in_sample = True
    return stacks


def phases(stacks: collections.Counter) -> list[tuple[str, float]]:
    """The share of the samples in each phase, and in none ("other"), largest first."""
    counts: collections.Counter = collections.Counter()
    for stack, count in stacks.items():
        frames = stack.split(";")
        name = next(
            (name for name, patterns in PHASES if any(p in frame for frame in frames for p in patterns)),
            "other",
        )
        counts[name] += count
    total = sum(counts.values()) or 1
    return [(name, count / total) for name, count in counts.most_common()]


def own(stacks: collections.Counter, top: int) -> list[tuple[str, float]]:
    """The functions with the most samples of their own (the leaf of the stack)."""
    counts: collections.Counter = collections.Counter()
    for stack, count in stacks.items():
        counts[stack.rsplit(";", 1)[-1]] += count
    total = sum(counts.values()) or 1
    return [(name, count / total) for name, count in counts.most_common(top)]


def svg(stacks: collections.Counter, title: str, width: int = 1200) -> str:
    """The flame graph of `stacks`: the root at the bottom, each frame as wide as its share of
    the samples, children in the order of their names. Frames narrower than a tenth of a
    pixel are left out."""
    root: dict = {"count": 0, "children": {}}
    for stack, count in stacks.items():
        node = root
        node["count"] += count
        for frame in stack.split(";"):
            node = node["children"].setdefault(frame, {"count": 0, "children": {}})
            node["count"] += count
    total = root["count"] or 1
    row, top_margin = 16, 40
    boxes = []

    def place(node: dict, x: float, depth: int) -> int:
        deepest = depth
        for name in sorted(node["children"]):
            child = node["children"][name]
            w = child["count"] / total * (width - 20)
            if w >= 0.1:
                boxes.append((name, x, depth, w, child["count"]))
                deepest = max(deepest, place(child, x, depth + 1))
            x += w
        return deepest

    depth = place(root, 10.0, 0) + 1
    height = top_margin + depth * row + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="11">',
        f'<text x="10" y="20" font-size="14">{html.escape(title)} ({total} samples)</text>',
    ]
    for name, x, level, w, count in boxes:
        y = height - 10 - (level + 1) * row
        # A warm colour fixed by the name, so that one function has one colour in every graph.
        hue = zlib.crc32(name.encode()) % 60
        label = html.escape(f"{name} ({count} samples, {100 * count / total:.2f}%)")
        out.append(f'<g><title>{label}</title><rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{row - 1}" '
                   f'fill="hsl({hue},85%,60%)"/>')
        characters = int(w / 7)
        if characters >= 3:
            text = name if len(name) <= characters else name[: characters - 2] + ".."
            out.append(f'<text x="{x + 2:.2f}" y="{y + row - 4}">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def record(data: pathlib.Path, target: list[str]) -> list[str]:
    """The `perf record` command sampling `target` (`-p PID`, or `-- COMMAND`) into `data`."""
    return ["perf", "record", "-F", str(FREQUENCY), "--call-graph", "dwarf,32768", "-q", "-o", str(data), *target]


def script(data: pathlib.Path) -> str:
    command = ["perf", "script", "-i", str(data), "--no-inline", "-F", "comm,tid,period,ip,sym"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def sampled_session(binary: str, shape: lsp_latency.Shape, folder: pathlib.Path) -> str:
    """The samples of `shape`'s operations on a server with its file open (not the opening)."""
    kind = lsp_latency.mailflow_kind(binary)
    session = lsp_latency.Session(kind, folder, shape.file, shape.text, shape.language_id)
    time.sleep(lsp_latency.SETTLE_S)
    data = folder / "perf.data"
    perf = subprocess.Popen(record(data, ["-p", str(session.server.process.pid)]), stderr=subprocess.DEVNULL)
    # perf needs a moment to attach before the first operation.
    time.sleep(1.0)
    try:
        shape.measure(session, shape.count or OPERATIONS)
    finally:
        perf.send_signal(signal.SIGINT)
        perf.wait()
        session.close()
    return script(data)


def sampled_servers(binary: str, shape: lsp_latency.Shape, folder: pathlib.Path) -> str:
    """The samples of new servers, each run under perf from its start, for the shapes that
    start servers of their own (opening)."""
    scripts = []
    for n in range(10):
        data = folder / f"perf-{n}.data"
        kind = lsp_latency.mailflow_kind(binary)
        kind.command = record(data, ["--", *kind.command])
        shape.measure(kind, shape, 1)
        scripts.append(script(data))
    return "\n".join(scripts)


def sampled_command(command: list[str], folder: pathlib.Path, runs: int) -> str:
    scripts = []
    for n in range(runs):
        data = folder / f"perf-{n}.data"
        subprocess.run(record(data, ["--", *command]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        scripts.append(script(data))
    return "\n".join(scripts)


def report(name: str, stacks: collections.Counter, out: pathlib.Path) -> None:
    """Writes the shape's folded stacks and flame graph, and prints its phases and hottest
    functions."""
    file = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    (out / f"{file}.folded").write_text("".join(f"{stack} {count}\n" for stack, count in sorted(stacks.items())))
    (out / f"{file}.svg").write_text(svg(stacks, name))
    print(f"\n{name}: {sum(stacks.values())} samples, {out / file}.svg")
    print("  " + ", ".join(f"{phase} {share:.0%}" for phase, share in phases(stacks) if share >= 0.005))
    for function, share in own(stacks, 6):
        print(f"  {share:6.1%}  {function[:110]}")


def table(shares: list[tuple[str, list[tuple[str, float]]]]) -> str:
    """Each shape's share of the samples in each phase, as a Markdown table: the phases that
    take 5% or more of some shape, in the order of `PHASES`, the rest as "other"."""
    shown = [name for name, _ in PHASES if any(dict(row).get(name, 0) >= 0.05 for _, row in shares)]
    lines = ["| shape | " + " | ".join(shown) + " | other |", "|---|" + "---:|" * (len(shown) + 1)]
    for shape, row in shares:
        phase_share = dict(row)
        rest = 1 - sum(phase_share.get(name, 0) for name in shown)
        cells = [f"{100 * phase_share.get(name, 0):.0f}" for name in shown] + [f"{100 * rest:.0f}"]
        lines.append(f"| {shape} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    args = list(argv)
    out = pathlib.Path(lsp_latency.option(args, "--out", "target/flamegraphs"))
    only = lsp_latency.option(args, "--only", "") or ""
    sizes = [int(s) for s in (lsp_latency.option(args, "--sizes", "300,3000") or "").split(",")]
    binary = generate.binary_argument(args, __doc__)
    out.mkdir(parents=True, exist_ok=True)
    shares = []
    for shape in lsp_latency.shapes(sizes, 0):
        if only not in shape.name:
            continue
        with tempfile.TemporaryDirectory() as folder:
            sample = sampled_servers if shape.fresh else sampled_session
            stacks = fold(sample(binary, shape, pathlib.Path(folder)))
        report(shape.name, stacks, out)
        shares.append((shape.name, phases(stacks)))
    for shape, size, command in cli.CASES:
        name = f"{command} {shape} {size}"
        if only not in name:
            continue
        with tempfile.TemporaryDirectory() as folder:
            case = cli.prepared(binary, shape, size, command, pathlib.Path(folder))
            stacks = fold(sampled_command(case, pathlib.Path(folder), 5))
        report(name, stacks, out)
        shares.append((name, phases(stacks)))
    print("\nPercent of the processor time in each phase:\n")
    print(table(shares))


if __name__ == "__main__":
    main(sys.argv[1:])
