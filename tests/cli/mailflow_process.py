"""Running the built binary where the `mailflow` fixture (text mode, captured output) will not
do: output read as bytes, so that no control character is translated away, or standard
output sent somewhere else (a full device, a closed pipe)."""

import os
import subprocess

from conftest import binary


def run(*args, stdin=None, cwd=None, stdout=subprocess.PIPE, text=False):
    return subprocess.run(
        [str(binary()), *map(str, args)],
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=cwd,
        text=text,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
