"""`mailflow lsp` in a real editor: headless Neovim (0.7 or later, Debian's package) runs
test.lua beside this file, which opens a tenant with an MF202 finding, hovers, applies the
"Insert anti-loop rule" code action and checks the finding goes away. scripts/test installs
Neovim when it is missing."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import EXAMPLES, ROOT, binary

HERE = ROOT / "tests" / "nvim"

# MF202's own example: a Mimecast smart host connector that no rule redirects to.
MF202 = """# A smart host connector scoped to transport rules, with no rule using it.
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
"""


needs_nvim = pytest.mark.skipif(shutil.which("nvim") is None, reason="nvim is not installed (scripts/test installs Debian's neovim)")

SEVERITIES = {"error": 1, "warning": 2, "info": 3, "hint": 4}  # vim.diagnostic.severity


def run_neovim(tmp_path, path, **settings) -> str:
    """Runs test.lua in headless Neovim on `path` (settings: more MAILFLOW_NVIM_* variables);
    fails unless it passes; returns its report."""
    results = tmp_path / "results.txt"
    env = {
        **os.environ,
        "MAILFLOW_BIN": str(binary()),
        "MAILFLOW_NVIM_FILE": str(path),
        "MAILFLOW_NVIM_RESULTS": str(results),
        **{f"MAILFLOW_NVIM_{key.upper()}": value for key, value in settings.items()},
        # Keep Neovim's state, logs and swap files out of the home folder.
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    try:
        run = subprocess.run(
            ["nvim", "--headless", "--clean", "-u", "NONE", "-n", "-c", f"luafile {HERE / 'test.lua'}"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
        )
    except subprocess.TimeoutExpired as timeout:
        pytest.fail(f"nvim did not finish: {timeout}\n{results.read_text() if results.exists() else ''}")
    report = results.read_text() if results.exists() else "(no results file)"
    assert run.returncode == 0 and report.rstrip().endswith("PASS"), (
        f"nvim exited with {run.returncode}\n--- results\n{report}\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
    )
    return report


@needs_nvim
def test_neovim_applies_the_anti_loop_rule_fix(tmp_path):
    tenant = tmp_path / "tenant"
    tenant.mkdir()
    path = tenant / "mf202.mailflow.yaml"
    path.write_text(MF202)
    run_neovim(tmp_path, path)

    # What Neovim made of the server's edit is what `mailflow check --fix --unsafe-fixes` writes.
    cli_copy = tmp_path / "cli.mailflow.yaml"
    cli_copy.write_text(MF202)
    fixed = subprocess.run(
        [str(binary()), "check", "--fix", "--unsafe-fixes", str(cli_copy)], capture_output=True, text=True, timeout=60
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (tmp_path / "results.txt.buffer").read_text() == cli_copy.read_text()


@needs_nvim
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

    run_neovim(tmp_path, path, mode="diagnostics", expect=" ".join(sorted(d["code"] for d in cli)))

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


EDITORS = ROOT / "editors" / "nvim"


@needs_nvim
def test_the_legacy_neovim_configuration_attaches_to_mail_flow_files_only(tmp_path):
    """editors/nvim/legacy.lua and ftdetect/mailflow.lua, loaded as the README says, in
    Debian's Neovim (0.7): a DSL example and a `.yaml` file whose first key is `mailflow`
    get the CLI's findings; docker-compose.yaml gets no client."""
    tenant = tmp_path / "tenant"
    tenant.mkdir()
    dsl = tenant / "broken-missing-anti-loop.mailflow"
    shutil.copyfile(EXAMPLES / "broken-missing-anti-loop.mailflow", dsl)
    yaml = tenant / "tenant.yaml"
    yaml.write_text((EXAMPLES / "broken-rule-order.mailflow.yaml").read_text())
    other = tenant / "docker-compose.yaml"
    other.write_text("services:\n  web:\n    image: nginx\n")

    def cli_codes(path):
        check = subprocess.run([str(binary()), "check", "--format", "json", str(path)], capture_output=True, text=True, timeout=60)
        assert check.returncode in (0, 1), check.stderr
        return " ".join(sorted(d["code"] for d in json.loads(check.stdout)["diagnostics"]))

    expect, expect_yaml = cli_codes(dsl), cli_codes(yaml)
    assert expect and expect_yaml

    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "mailflow").symlink_to(binary().resolve())
    init = tmp_path / "init.lua"
    # What the README tells a Neovim 0.7-0.10 user to put in init.lua.
    init.write_text(
        f"vim.opt.runtimepath:append({json.dumps(str(EDITORS))})\n"
        f"dofile({json.dumps(str(EDITORS / 'legacy.lua'))})\n"
    )
    results = tmp_path / "results.txt"
    env = {
        **os.environ,
        "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}",
        "MAILFLOW_NVIM_FILE": str(dsl),
        "MAILFLOW_NVIM_OTHER": str(other),
        "MAILFLOW_NVIM_YAML": str(yaml),
        "MAILFLOW_NVIM_EXPECT": expect,
        "MAILFLOW_NVIM_EXPECT_YAML": expect_yaml,
        "MAILFLOW_NVIM_RESULTS": str(results),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    run = subprocess.run(
        ["nvim", "--headless", "--clean", "-u", str(init), "-n", "-c", f"luafile {HERE / 'legacy_test.lua'}"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    report = results.read_text() if results.exists() else "(no results file)"
    assert run.returncode == 0 and report.rstrip().endswith("PASS"), (
        f"nvim exited with {run.returncode}\n--- results\n{report}\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
    )


@needs_nvim
def test_the_neovim_0_11_configuration_loads_and_names_the_server(tmp_path):
    """editors/nvim/lsp/mailflow.lua is for vim.lsp.config (Neovim 0.11+, which Debian's 0.7
    lacks): here it is only loaded, and its command, filetypes and the root_dir filter for a
    non-mail-flow YAML buffer are checked."""
    out = tmp_path / "config.json"
    other = tmp_path / "docker-compose.yaml"
    other.write_text("services:\n  web:\n    image: nginx\n")
    script = (
        f"local c = dofile({json.dumps(str(EDITORS / 'lsp' / 'mailflow.lua'))}) "
        f"vim.cmd('edit ' .. vim.fn.fnameescape({json.dumps(str(other))})) "
        "local called = false "
        "c.root_dir(vim.api.nvim_get_current_buf(), function() called = true end) "
        f"vim.fn.writefile({{vim.fn.json_encode({{cmd = c.cmd, filetypes = c.filetypes, called = called}})}}, {json.dumps(str(out))}) "
        "vim.cmd('qall!')"
    )
    run = subprocess.run(
        ["nvim", "--headless", "--clean", "-u", "NONE", "-n", "-c", f"lua {script}"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert out.exists(), run.stdout + run.stderr
    config = json.loads(out.read_text())
    assert config == {"cmd": ["mailflow", "lsp"], "filetypes": ["mailflow", "yaml"], "called": False}


def test_the_neovim_queries_are_generated_from_the_grammar_queries():
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", EDITORS / "queries" / "mailflow" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for name, text in generate.expected().items():
        assert (EDITORS / "queries" / "mailflow" / name).read_text() == text, (
            f"editors/nvim/queries/mailflow/{name} is stale: run python3 editors/nvim/queries/mailflow/generate.py"
        )


@needs_nvim
@pytest.mark.skipif(shutil.which("tree-sitter") is None or shutil.which("cc") is None, reason="needs the tree-sitter CLI and cc")
def test_neovim_highlights_the_dsl_with_the_specific_captures(tmp_path):
    """Neovim 0.7 loads the grammar (generated for its tree-sitter ABI, 14, and compiled) and
    editors/nvim/queries/mailflow/highlights.scm; for each node the capture it shows (the
    last match) is the specific one grammar/queries puts first."""
    grammar = tmp_path / "grammar"
    shutil.copytree(ROOT / "grammar", grammar, ignore=shutil.ignore_patterns("target", "node_modules", "build"))
    generate = subprocess.run(["tree-sitter", "generate", "--abi", "14"], cwd=grammar, capture_output=True, text=True, timeout=120)
    assert generate.returncode == 0, generate.stderr
    runtime = tmp_path / "runtime"
    (runtime / "parser").mkdir(parents=True)
    sources = [str(grammar / "src" / "parser.c")] + [str(p) for p in (grammar / "src").glob("scanner.c")]
    build = subprocess.run(
        ["cc", "-shared", "-fPIC", "-O0", "-I", str(grammar / "src"), *sources, "-o", str(runtime / "parser" / "mailflow.so")],
        capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr
    results = tmp_path / "captures.json"
    run = subprocess.run(
        [
            "nvim", "--headless", "--clean", "-u", "NONE", "-n",
            "--cmd", f"set rtp^={EDITORS},{runtime}",
            "-c", f"luafile {HERE / 'highlight_test.lua'}",
        ],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env={
            **os.environ,
            "MAILFLOW_NVIM_FILE": str(EXAMPLES / "codetwo-mimecast.mailflow"),
            "MAILFLOW_NVIM_RESULTS": str(results),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
        },
    )
    report = results.read_text() if results.exists() else "(no results)"
    assert run.returncode == 0, f"{report}\n{run.stdout}\n{run.stderr}"
    shown = {}
    for capture in json.loads(report):
        shown.setdefault(capture["capture"], set()).add(capture["text"])
    assert "connector" in shown["keyword"] and "rule" in shown["keyword"]
    assert all(text.startswith("#") for text in shown["comment"])
    # Names get their own capture, not the generic @string the query has after them.
    assert shown["type.definition"] and shown["function"] and shown["string.special"]
    assert not (shown["type.definition"] | shown["function"] | shown["string.special"]) & shown.get("string", set())
