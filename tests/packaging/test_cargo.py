"""The crates, as `cargo install` and crates.io get them.

`cargo install --locked --path server` must install a working `mailflow` (here with
`--debug` and the repository's target/, so it reuses what `cargo build` left there).

`cargo package --workspace` must package the three crates together: the server depends on
the DSL grammar and on the patched tree-sitter-yaml by name and version, so the published
server builds with the patched scanner (a `[patch]` section would not travel with it).
cargo verifies each package by building it from the package alone, in the repository's
target/: the dependencies are reused, only the three crates are compiled again (about a
minute on two cores)."""

import os
import tarfile
import tomllib

import pytest

from conftest import ROOT
from installed import assert_same_as_cargo_built, build

ENV = {**os.environ, "CARGO_TARGET_DIR": str(ROOT / "target")}
LICENSE = (ROOT / "LICENSE").read_bytes()
VENDORED = ROOT / "vendor" / "tree-sitter-yaml"
# Each crate's folder, and what its package may hold besides the files cargo writes
# (Cargo.toml, Cargo.toml.orig, Cargo.lock, .cargo_vcs_info.json): the paths that build it.
CRATES = {
    "server": ("LICENSE", "README.md", "src/"),
    "grammar": ("LICENSE", "README.md", "bindings/rust/", "examples/", "grammar.js", "queries/", "src/", "tree-sitter.json"),
    "vendor/tree-sitter-yaml": ("LICENSE", "README.md", "bindings/rust/", "grammar.js", "queries/", "src/", "tree-sitter.json"),
}
WRITTEN_BY_CARGO = {"Cargo.toml", "Cargo.toml.orig", "Cargo.lock", ".cargo_vcs_info.json"}


def package_of(folder):
    return tomllib.loads((ROOT / folder / "Cargo.toml").read_text())["package"]


def test_cargo_install_gives_a_working_mailflow(tmp_path):
    build("cargo", "install", "--locked", "--debug", "--path", "server", "--root", tmp_path, env=ENV)
    assert_same_as_cargo_built(tmp_path / "bin" / ("mailflow.exe" if os.name == "nt" else "mailflow"))


@pytest.fixture(scope="module")
def packages():
    """{crate folder: {path inside the package: bytes}} of `cargo package --workspace`."""
    # --allow-dirty: what is checked is the working tree's packaging, committed or not.
    build("cargo", "package", "--workspace", "--locked", "--allow-dirty", env=ENV)
    found = {}
    for folder in CRATES:
        package = package_of(folder)
        prefix = f"{package['name']}-{package['version']}/"
        with tarfile.open(ROOT / "target" / "package" / f"{prefix[:-1]}.crate") as crate:
            found[folder] = {
                member.name.removeprefix(prefix): crate.extractfile(member).read() for member in crate if member.isfile()
            }
    return found


@pytest.mark.parametrize("folder", CRATES)
def test_a_package_holds_what_builds_its_crate_and_the_licence(packages, folder):
    files = packages[folder]
    extra = sorted(
        path for path in files.keys() - WRITTEN_BY_CARGO if not any(path.startswith(kept) for kept in CRATES[folder])
    )
    assert extra == [], f"{folder}'s package holds files it does not need"
    licence = (VENDORED / "LICENSE").read_bytes() if folder == "vendor/tree-sitter-yaml" else LICENSE
    assert files["LICENSE"] == licence


def test_the_published_server_builds_with_the_patched_tree_sitter_yaml(packages):
    manifest = tomllib.loads(packages["server"]["Cargo.toml"].decode())
    vendored = package_of("vendor/tree-sitter-yaml")
    assert "tree-sitter-yaml" not in manifest["dependencies"]
    assert manifest["dependencies"][vendored["name"]]["version"] == vendored["version"]
    assert manifest["dependencies"]["tree-sitter-mailflow"]["version"] == package_of("grammar")["version"]
    # The vendored package holds the patched scanner, under the library name the server uses.
    assert packages["vendor/tree-sitter-yaml"]["src/scanner.c"] == (VENDORED / "src" / "scanner.c").read_bytes()
    assert tomllib.loads(packages["vendor/tree-sitter-yaml"]["Cargo.toml"].decode())["lib"]["name"] == "tree_sitter_yaml"
