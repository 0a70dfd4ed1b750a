"""The benchmarks' command lines: each says how it is used when asked, and refuses an option
it does not know rather than taking it for the binary's path (a typo once ran `--onyl` as the
server)."""

import pathlib
import subprocess
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPTS = ["run.py", "lsp_latency.py", "flamegraph.py", "check_scaling.py"]


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_prints_the_usage_and_runs_nothing(script):
    done = run(script, "--help")
    assert done.returncode == 0, done.stderr
    assert f"benchmarks/{script}" in done.stdout
    # Nothing measured: no table's header.
    assert "ms" not in done.stdout.splitlines()[-1]


@pytest.mark.parametrize("script", SCRIPTS)
def test_an_unknown_option_is_refused_with_the_usage(script):
    done = run(script, "--onyl", "edit")
    assert done.returncode != 0
    assert "unexpected --onyl" in done.stderr
    assert f"benchmarks/{script}" in done.stderr


def test_a_second_path_is_refused():
    done = run("run.py", "target/release/mailflow", "extra")
    assert done.returncode != 0
    assert "unexpected extra" in done.stderr
