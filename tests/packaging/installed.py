"""What the packaging suites share: running a build step, and comparing a `mailflow`
installed from a package with the binary under test (MAILFLOW_BIN, the one `cargo build`
made)."""

import os
import subprocess

from conftest import ROOT, binary

# Building is slow on a busy machine (two cores shared by every job); the rest is quick.
BUILD_TIMEOUT = 1800


def build(*command, env=None):
    """Runs a build step at the root of the repository; fails the test with its output when
    it fails."""
    run = subprocess.run(
        [*map(str, command)], cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=env
    )
    assert run.returncode == 0, f"{' '.join(map(str, command))} exited with {run.returncode}:\n{run.stdout}\n{run.stderr}"
    return run


def report(executable, *args):
    """(exit code, stdout, stderr) of `executable ARGS...` run at the root of the repository."""
    run = subprocess.run(
        [str(executable), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return run.returncode, run.stdout, run.stderr


def assert_same_as_cargo_built(executable):
    """The installed `mailflow` reports the bundled examples exactly as the binary under test
    does (exit 1: some are broken on purpose), and gives the same version."""
    checked = report(executable, "check", "examples/")
    assert checked[0] == 1, checked
    assert "MF" in checked[1], checked
    assert checked == report(binary(), "check", "examples/")
    version = report(executable, "--version")
    assert version[0] == 0 and version[1].startswith("mailflow "), version
    assert version == report(binary(), "--version")
