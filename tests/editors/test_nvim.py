"""`mailflow lsp` in a real editor, Neovim: Debian's 0.7 runs test.lua beside this file, which
opens a tenant with an MF202 finding, hovers, applies the "Insert anti-loop rule" code action
and checks the finding goes away, and shows the CLI's findings of DSL examples. Both Neovim
configurations of editors/nvim, loaded by the README's snippets (0.7-0.10 in Debian's 0.7,
0.11+ in PyPI's 0.11), attach to mail-flow files only; the grammar's queries highlight the
DSL in both. scripts/test installs both Neovims."""

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import EXAMPLES, ROOT, binary
from editor_tools import EDITORS, neovim_0_11, neovim_0_7, readme_setup, require

HERE = ROOT / "tests" / "editors"


def rule_example(code: str) -> str:
    """The YAML of the Example on rule `code`'s page, which server/tests/rule_pages.rs holds
    to report that code: MF202's is a Mimecast smart host connector no rule redirects to."""
    page = (ROOT / "docs" / "rules" / f"{code}.md").read_text()
    return page.split("## Example\n```yaml\n", 1)[1].split("```", 1)[0]


SEVERITIES = {"error": 1, "warning": 2, "info": 3, "hint": 4}  # vim.diagnostic.severity


def run_neovim(nvim, tmp_path, script, init="NONE", path_first=None, **settings) -> str:
    """Runs `script` (a Lua file beside this one) in headless Neovim `nvim` with `init` as its
    init file, `path_first` before PATH and `settings` as MAILFLOW_NVIM_* variables; fails
    unless it exits with 0; returns what it wrote to MAILFLOW_NVIM_RESULTS."""
    results = tmp_path / "results.txt"
    path = os.environ.get("PATH", "")
    env = {
        **os.environ,
        "PATH": f"{path_first}{os.pathsep}{path}" if path_first else path,
        "MAILFLOW_BIN": str(binary()),
        "MAILFLOW_NVIM_RESULTS": str(results),
        **{f"MAILFLOW_NVIM_{key.upper()}": str(value) for key, value in settings.items()},
        # Keep Neovim's state, logs and swap files out of the home folder.
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    try:
        run = subprocess.run(
            [nvim, "--headless", "--clean", "-u", str(init), "-n", "-c", f"luafile {HERE / script}"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
        )
    except subprocess.TimeoutExpired as timeout:
        pytest.fail(f"nvim did not finish: {timeout}\n{results.read_text() if results.exists() else ''}")
    report = results.read_text() if results.exists() else "FAIL: no results file"
    assert run.returncode == 0 and not re.search("^FAIL", report, re.M), (
        f"nvim exited with {run.returncode}\n--- results\n{report}\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
    )
    return report


def test_neovim_applies_the_anti_loop_rule_fix(tmp_path):
    tenant = tmp_path / "tenant"
    tenant.mkdir()
    path = tenant / "mf202.mailflow.yaml"
    path.write_text(rule_example("MF202"))
    run_neovim(neovim_0_7(), tmp_path, "test.lua", file=path)

    # What Neovim made of the server's edit is what `mailflow check --fix --unsafe-fixes` writes.
    cli_copy = tmp_path / "cli.mailflow.yaml"
    cli_copy.write_text(rule_example("MF202"))
    fixed = subprocess.run(
        [str(binary()), "check", "--fix", "--unsafe-fixes", str(cli_copy)], capture_output=True, text=True, timeout=60
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (tmp_path / "results.txt.buffer").read_text() == cli_copy.read_text()


@pytest.mark.parametrize("example", ["broken-missing-anti-loop.mailflow", "hint-undeclared-service.mailflow"])
def test_neovim_shows_the_cli_findings_of_a_dsl_file(tmp_path, example):
    tenant = tmp_path / "tenant"
    tenant.mkdir()
    path = tenant / example
    shutil.copyfile(EXAMPLES / example, path)
    check = subprocess.run([str(binary()), "check", "--format", "json", str(path)], capture_output=True, text=True, timeout=60)
    assert check.returncode in (0, 1), check.stderr
    cli = json.loads(check.stdout)["diagnostics"]
    assert cli, f"{example} has no findings to compare"

    expect = " ".join(sorted(d["code"] for d in cli))
    run_neovim(neovim_0_7(), tmp_path, "test.lua", file=path, mode="diagnostics", expect=expect)

    shown = json.loads((tmp_path / "results.txt.diagnostics").read_text())
    # Same codes at the same places (the CLI counts from 1; the file is ASCII, so bytes are
    # characters), same severities, same messages (the server adds the rule's name).
    expected = sorted(
        (
            d["code"],
            d["range"]["start"]["line"] - 1,
            d["range"]["start"]["column"] - 1,
            d["range"]["end"]["line"] - 1,
            d["range"]["end"]["column"] - 1,
            SEVERITIES[d["severity"]],
            f"{d['message']} ({d['name']})",
        )
        for d in cli
    )
    got = sorted((d["code"], d["lnum"], d["col"], d["end_lnum"], d["end_col"], d["severity"], d["message"]) for d in shown)
    assert got == expected
    assert {d["source"] for d in shown} == {"mailflow"}


NEOVIMS = {"Neovim 0.7-0.10": neovim_0_7, "Neovim 0.11+": neovim_0_11}


def cli_codes(path):
    """The codes `mailflow check` finds in `path`, sorted and space-separated."""
    check = subprocess.run([str(binary()), "check", "--format", "json", str(path)], capture_output=True, text=True, timeout=60)
    assert check.returncode in (0, 1), check.stderr
    return " ".join(sorted(d["code"] for d in json.loads(check.stdout)["diagnostics"]))


@pytest.mark.parametrize("editor", NEOVIMS)
def test_the_neovim_configuration_attaches_to_mail_flow_files_only(tmp_path, editor):
    """The README's init.lua for `editor` (Neovim 0.7-0.10: legacy.lua, in Debian's Neovim 0.7;
    0.11+: lsp/mailflow.lua through vim.lsp.enable, in Neovim 0.11), with ftdetect: a DSL
    example is filetype mailflow and gets the CLI's findings, so does a `.yaml` file whose
    first key is `mailflow`; docker-compose.yaml gets no client."""
    nvim = NEOVIMS[editor]()
    tenant = tmp_path / "tenant"
    tenant.mkdir()
    dsl = tenant / "broken-missing-anti-loop.mailflow"
    shutil.copyfile(EXAMPLES / "broken-missing-anti-loop.mailflow", dsl)
    yaml = tenant / "tenant.yaml"
    yaml.write_text((EXAMPLES / "broken-rule-order.mailflow.yaml").read_text())
    other = tenant / "docker-compose.yaml"
    other.write_text("services:\n  web:\n    image: nginx\n")
    expect, expect_yaml = cli_codes(dsl), cli_codes(yaml)
    assert expect and expect_yaml

    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "mailflow").symlink_to(binary().resolve())
    init = tmp_path / "init.lua"
    init.write_text(readme_setup(editor))
    run_neovim(
        nvim, tmp_path, "attach_test.lua", init=init, path_first=tools,
        file=dsl, other=other, yaml=yaml, expect=expect, expect_yaml=expect_yaml,
    )


def test_the_neovim_queries_are_generated_from_the_grammar_queries():
    import importlib.util

    queries = EDITORS / "nvim" / "queries" / "mailflow"
    spec = importlib.util.spec_from_file_location("generate", queries / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for name, text in generate.expected().items():
        assert (queries / name).read_text() == text, (
            f"editors/nvim/queries/mailflow/{name} is stale: run python3 editors/nvim/queries/mailflow/generate.py"
        )


def build_parser(tmp_path, abi):
    """Compiles the DSL grammar as editors/nvim/README.md says, for tree-sitter ABI `abi`
    (15: the committed parser; 14: generated again by the tree-sitter CLI in a copy), into
    a folder for 'runtimepath'; returns that folder."""
    grammar = ROOT / "grammar"
    if abi != 15:
        cli = require(shutil.which("tree-sitter"), "the tree-sitter CLI (grammar/check-generated.sh installs it)")
        grammar = tmp_path / "grammar"
        shutil.copytree(ROOT / "grammar", grammar, ignore=shutil.ignore_patterns("target", "node_modules", "build"))
        generate = subprocess.run([cli, "generate", "--abi", str(abi)], cwd=grammar, capture_output=True, text=True, timeout=120)
        assert generate.returncode == 0, generate.stderr
    runtime = tmp_path / "runtime"
    (runtime / "parser").mkdir(parents=True)
    cc = require(shutil.which("cc"), "a C compiler (cc)")
    build = subprocess.run(
        [cc, "-shared", "-fPIC", "-O0", "-I", str(grammar / "src"), str(grammar / "src" / "parser.c"), "-o", str(runtime / "parser" / "mailflow.so")],
        capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr
    return runtime


@pytest.mark.parametrize("editor, abi", [("Neovim 0.7-0.10", 14), ("Neovim 0.11+", 15)])
def test_neovim_highlights_the_dsl_with_the_specific_captures(tmp_path, editor, abi):
    """Neovim with editors/nvim on 'runtimepath' (the README's line) and the grammar's parser
    built for its tree-sitter ABI: ftplugin/mailflow.lua starts highlighting a DSL file, and
    for each node the capture shown (the last match of queries/mailflow/highlights.scm) is the
    specific one grammar/queries puts first."""
    nvim = NEOVIMS[editor]()
    runtime = build_parser(tmp_path, abi)
    readme_line = readme_setup(editor).splitlines()[0]
    assert readme_line.startswith("vim.opt.runtimepath:append("), readme_line
    init = tmp_path / "init.lua"
    init.write_text(f"{readme_line}\nvim.opt.runtimepath:append({json.dumps(str(runtime))})\n")
    report = run_neovim(nvim, tmp_path, "highlight_test.lua", init=init, file=EXAMPLES / "codetwo-mimecast.mailflow")
    shown = {}
    for capture in json.loads(report):
        shown.setdefault(capture["capture"], set()).add(capture["text"])
    assert "connector" in shown["keyword"] and "rule" in shown["keyword"]
    assert all(text.startswith("#") for text in shown["comment"])
    # Names get their own capture, not the generic @string the query has after them.
    assert shown["type.definition"] and shown["function"] and shown["string.special"]
    assert not (shown["type.definition"] | shown["function"] | shown["string.special"]) & shown.get("string", set())
