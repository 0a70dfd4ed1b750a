"""Shared fixtures for the end-to-end suites: they drive the built `mailflow` binary."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("MAILFLOW_BIN", ROOT / "target" / "debug" / "mailflow"))
    if not path.exists():
        pytest.exit(f"no mailflow binary at {path}: build it with `cargo build` or set MAILFLOW_BIN", returncode=2)
    return path


@pytest.fixture
def mailflow():
    """Runs `mailflow ARGS...`; returns the CompletedProcess (text mode)."""

    def run(*args, cwd=None, stdin=None):
        return subprocess.run(
            [str(binary()), *map(str, args)],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "NO_COLOR": "1"},
        )

    return run
