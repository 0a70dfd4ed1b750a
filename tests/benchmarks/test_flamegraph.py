"""The flame graph tool's reading of `perf script` output, its phases and its SVG
(benchmarks/flamegraph.py; the recording itself needs perf and is not run here)."""

import pathlib
import sys
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
import flamegraph  # noqa: E402

# Three samples as `perf script -F comm,tid,period,ip,sym --no-inline` prints them: a
# header line, the frames leaf first (address, symbol, sometimes an offset), a blank line.
SCRIPT = """\
mailflow  9489     500000 
\t          86ae98 ts_subtree_clone
\t          86f78c ts_parser_parse+0x1c
\t          4ca607 mailflow::syntax::yaml::read_whole
\t          2da236 mailflow::check::read_reusing
\t          2b4a30 _start

mailflow  9489     500000 
\t          95d069 mi_free
\t          4ca607 core::ptr::drop_in_place<mailflow::syntax::yaml::Entry>
\t          4ca608 mailflow::syntax::yaml::read_whole
\t          2da236 mailflow::check::read_reusing
\t          2b4a30 _start

mailflow  9490     500000 
\t          86ae98 ts_subtree_clone
\t          86f78c ts_parser_parse
\t          4ca607 mailflow::syntax::yaml::read_whole
\t          2da236 mailflow::check::read_reusing
\t          2b4a30 _start

mailflow  9490     500000 
\t          12345 [unknown] ([unknown])
\t          2b4a30 _start
"""

PARSE = "_start;mailflow::check::read_reusing;mailflow::syntax::yaml::read_whole;ts_parser_parse;ts_subtree_clone"
FREE = (
    "_start;mailflow::check::read_reusing;mailflow::syntax::yaml::read_whole;"
    "core::ptr::drop_in_place<mailflow::syntax::yaml::Entry>;mi_free"
)


def test_samples_fold_root_first_with_offsets_dropped():
    assert flamegraph.fold(SCRIPT) == {PARSE: 2, FREE: 1, "_start;[unknown]": 1}


def test_a_sample_is_in_the_first_phase_a_frame_names():
    # The parse inside the reading is the parse; the freeing inside the reading is freeing.
    assert flamegraph.phases(flamegraph.fold(SCRIPT)) == [("parse", 0.5), ("freeing", 0.25), ("other", 0.25)]


def test_own_samples_are_counted_at_the_leaf():
    assert flamegraph.own(flamegraph.fold(SCRIPT), 2) == [("ts_subtree_clone", 0.5), ("mi_free", 0.25)]


def test_the_flame_graph_gives_each_frame_its_share_of_the_width():
    stacks = flamegraph.fold(SCRIPT)
    root = ElementTree.fromstring(flamegraph.svg(stacks, "a shape", width=420))
    namespace = "{http://www.w3.org/2000/svg}"
    frames = {}
    for group in root.iter(namespace + "g"):
        name = group.find(namespace + "title").text.split(" (")[0]
        rect = group.find(namespace + "rect")
        frames.setdefault(name, []).append((float(rect.get("x")), float(rect.get("y")), float(rect.get("width"))))
    # 400 pixels for four samples: the root holds them all, the parse two, the freeing one,
    # and each frame sits one row above its parent.
    assert frames["_start"] == [(10.0, frames["_start"][0][1], 400.0)]
    (x, y, width), = frames["ts_parser_parse"]
    assert width == 200.0
    (_, free_y, free_width), = frames["core::ptr::drop_in_place<mailflow::syntax::yaml::Entry>"]
    assert (free_y, free_width) == (y, 100.0)
    (_, read_y, _), = frames["mailflow::syntax::yaml::read_whole"]
    assert read_y == y + 16
    assert root.find(namespace + "text").text == "a shape (4 samples)"


def test_the_table_shows_the_phases_that_take_a_twentieth_of_some_shape():
    shares = [
        ("edit", [("parse", 0.5), ("freeing", 0.25), ("other", 0.25)]),
        ("open", [("parse", 0.9), ("lowering", 0.06), ("simulation", 0.04)]),
    ]
    assert flamegraph.table(shares).splitlines() == [
        "| shape | freeing | parse | lowering | other |",
        "|---|---:|---:|---:|---:|",
        "| edit | 25 | 50 | 0 | 25 |",
        "| open | 0 | 90 | 6 | 4 |",
    ]
