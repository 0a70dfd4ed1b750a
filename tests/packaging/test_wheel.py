"""The Python wheel of the binary (pyproject.toml at the root: maturin, `bindings = "bin"`):
built here for Linux with the dev profile, which is `cargo build`'s: maturin finds the binary
in target/ up to date and only packs it (a few seconds), then the wheel is installed into a
fresh virtualenv, where it must give a `mailflow` command that behaves as the cargo-built
binary does."""

import pathlib
import sys
import tomllib
import zipfile

import pytest

from conftest import ROOT
from installed import assert_same_as_cargo_built, build

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CRATE = tomllib.loads((ROOT / "server" / "Cargo.toml").read_text())["package"]
SCRIPTS = "Scripts" if sys.platform == "win32" else "bin"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("wheel")
    build(sys.executable, "-m", "maturin", "build", "--profile", "dev", "--locked", "--out", out)
    [built] = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> pathlib.Path:
    """A fresh virtualenv with the wheel installed, and nothing else (no index)."""
    path = tmp_path_factory.mktemp("venv")
    build(sys.executable, "-m", "venv", path)
    build(path / SCRIPTS / "python", "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", wheel)
    return path


def test_the_wheel_is_the_binary_under_the_projects_name(wheel):
    name = PYPROJECT["project"]["name"].replace("-", "_")
    version = CRATE["version"]
    assert wheel.name.startswith(f"{name}-{version}-py3-none-"), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        files = set(archive.namelist())
        metadata = archive.read(f"{name}-{version}.dist-info/METADATA").decode()
    assert f"{name}-{version}.data/scripts/mailflow" in files, sorted(files)
    assert f"{name}-{version}.dist-info/licenses/LICENSE" in files, sorted(files)
    assert f"Name: {PYPROJECT['project']['name']}\n" in metadata
    assert "License-Expression: MIT\n" in metadata


def test_the_installed_command_is_the_checker(venv):
    assert_same_as_cargo_built(venv / SCRIPTS / "mailflow")

