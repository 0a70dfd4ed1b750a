"""The editor configurations under editors/ other than Neovim's, in the editors themselves,
each set up by the README's snippet: Vim with ALE (Debian's vim and vim-ale) and Emacs with
eglot (Debian's emacs-nox and elpa-eglot) show the findings of a DSL example and of a YAML
mail-flow file from `mailflow lsp`, none for docker-compose.yaml, and give `*.mailflow` its
own filetype (major mode). scripts/test installs both. Helix is not in Debian 12: its
languages.toml is checked against the keys Helix documents."""

import glob
import json
import os
import shutil
import subprocess
import tomllib

import pytest

from conftest import EXAMPLES, binary
from editor_tools import EDITORS, readme_setup, require

DOCKER_COMPOSE = "services:\n  web:\n    image: nginx\n"


def cli_findings(path):
    """(code, line) of each finding `mailflow check` reports in `path`, sorted."""
    check = subprocess.run([str(binary()), "check", "--format", "json", str(path)], capture_output=True, text=True, timeout=60)
    assert check.returncode in (0, 1), check.stderr
    found = sorted((d["code"], d["range"]["start"]["line"]) for d in json.loads(check.stdout)["diagnostics"])
    assert found, f"{path.name} has no findings to compare"
    return found


def project(tmp_path, yaml_name):
    """A git checkout with a DSL example, a YAML mail-flow file named `yaml_name`,
    docker-compose.yaml and a bin/ folder holding the binary under test as `mailflow`;
    returns (dsl, yaml, other, bin)."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    dsl = tmp_path / "broken-missing-anti-loop.mailflow"
    shutil.copyfile(EXAMPLES / "broken-missing-anti-loop.mailflow", dsl)
    yaml = tmp_path / yaml_name
    shutil.copyfile(EXAMPLES / "broken-rule-order.mailflow.yaml", yaml)
    other = tmp_path / "docker-compose.yaml"
    other.write_text(DOCKER_COMPOSE)
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "mailflow").symlink_to(binary().resolve())
    return dsl, yaml, other, tools


# The README's `packadd! ale` finds Debian's vim-ale here.
ALE = glob.glob("/usr/share/vim/vimfiles/pack/*/opt/ale/autoload/ale.vim")


def run_vim(tmp_path, vimrc, script, out, tools=None):
    """Runs the Vim script in silent Ex mode with `vimrc`; returns what it wrote to `out`."""
    path = os.environ.get("PATH", "")
    run = subprocess.run(
        ["vim", "-Nu", str(vimrc), "-i", "NONE", "-n", "-es", "-S", str(script)],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{path}" if tools else path, "HOME": str(tmp_path)},
    )
    assert out.exists(), run.stdout + run.stderr
    return json.loads(out.read_text())


def test_vim_detects_the_dsl_and_roots_only_mail_flow_files(tmp_path):
    require(shutil.which("vim"), "vim")
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "tenant"
    folder.mkdir()
    dsl = folder / "a.mailflow"
    shutil.copyfile(EXAMPLES / "codetwo-mimecast.mailflow", dsl)
    tenant = folder / "tenant.yaml"
    tenant.write_text("# a tenant\nmailflow: 1\n")
    other = folder / "docker-compose.yaml"
    other.write_text("services: {}\n")
    vimrc = tmp_path / "vimrc"
    vimrc.write_text(f"filetype plugin on\nsource {EDITORS / 'vim' / 'mailflow.vim'}\n")
    out = tmp_path / "out.json"
    script = tmp_path / "test.vim"
    script.write_text(
        "let s:out = {}\n"
        f"for s:path in [{json.dumps(str(dsl))}, {json.dumps(str(tenant))}, {json.dumps(str(other))}]\n"
        "  execute 'edit ' . fnameescape(s:path)\n"
        "  let s:out[fnamemodify(s:path, ':t')] = [&filetype, MailflowProjectRoot(bufnr(''))]\n"
        "endfor\n"
        f"call writefile([json_encode(s:out)], {json.dumps(str(out))})\n"
        "qall!\n"
    )
    assert run_vim(tmp_path, vimrc, script, out) == {
        "a.mailflow": ["mailflow", str(tmp_path)],
        "tenant.yaml": ["yaml", str(tmp_path)],
        "docker-compose.yaml": ["yaml", ""],
    }


def test_vim_with_ale_shows_the_cli_findings_of_mail_flow_files_only(tmp_path):
    """The README's vimrc (Debian's vim-ale, editors/vim/mailflow.vim): the DSL example is
    filetype mailflow and ALE shows its findings, and those of a `.yaml` file whose first key
    is `mailflow`; docker-compose.yaml gets none."""
    require(shutil.which("vim"), "vim")
    require(ALE or None, "ALE as Debian's vim-ale installs it")
    dsl, yaml, other, tools = project(tmp_path, "tenant.yaml")
    vimrc = tmp_path / "vimrc"
    vimrc.write_text(readme_setup("Vim"))
    out = tmp_path / "out.json"
    script = tmp_path / "test.vim"
    # Waits for each mail-flow file's findings (15 s at most); docker-compose.yaml gets 2 s.
    script.write_text(
        "let s:out = {}\n"
        f"for s:path in [{json.dumps(str(dsl))}, {json.dumps(str(other))}, {json.dumps(str(yaml))}]\n"
        "  execute 'edit ' . fnameescape(s:path)\n"
        "  let s:n = 0\n"
        "  while s:n < (fnamemodify(s:path, ':t') is# 'docker-compose.yaml' ? 20 : 150) && empty(ale#engine#GetLoclist(bufnr('')))\n"
        "    sleep 100m\n"
        "    let s:n += 1\n"
        "  endwhile\n"
        "  let s:out[fnamemodify(s:path, ':t')] = [&filetype, map(copy(ale#engine#GetLoclist(bufnr(''))), {_, v -> [get(v, 'code', ''), v.lnum]})]\n"
        "endfor\n"
        f"call writefile([json_encode(s:out)], {json.dumps(str(out))})\n"
        "qall!\n"
    )
    shown = run_vim(tmp_path, vimrc, script, out, tools)
    shown = {name: (filetype, sorted(map(tuple, found))) for name, (filetype, found) in shown.items()}
    assert shown == {
        dsl.name: ("mailflow", cli_findings(dsl)),
        other.name: ("yaml", []),
        yaml.name: ("yaml", cli_findings(yaml)),
    }


def emacs_has_eglot():
    if shutil.which("emacs") is None:
        return None
    probe = subprocess.run(
        ["emacs", "--batch", "-q", "--eval", "(progn (package-initialize) (princ (if (require 'eglot nil t) 'yes 'no)))"],
        capture_output=True, text=True, timeout=60,
    )
    return True if probe.stdout.strip().endswith("yes") else None


def test_emacs_with_eglot_shows_the_cli_findings_of_mail_flow_files_only(tmp_path):
    """The README's init.el (editors/emacs/mailflow.el, eglot-ensure in its modes' hooks) in
    Emacs with eglot: the DSL example opens in mailflow-mode and `*.mailflow.yaml` in
    mailflow-yaml-mode, eglot starts `mailflow lsp` for them and Flymake shows the CLI's
    findings; docker-compose.yaml gets no server."""
    require(emacs_has_eglot(), "emacs with eglot (Debian's emacs-nox and elpa-eglot)")
    dsl, yaml, other, tools = project(tmp_path, "tenant.mailflow.yaml")
    init = tmp_path / "init.el"
    init.write_text(readme_setup("Emacs"))
    out = tmp_path / "out.json"
    # Emacs at startup activates the installed packages (Debian's elpa-eglot) and loads
    # init.el; eglot-ensure connects from post-command-hook, and Flymake asks eglot for the
    # diagnostics on an idle timer: batch mode has neither a command loop nor idle time, so
    # both are run here.
    program = f"""
(progn
  (package-initialize)
  (load {json.dumps(str(init))} nil t)
  (require 'json)
  (let (shown)
    (dolist (file (list (cons {json.dumps(str(dsl))} {len(cli_findings(dsl))}) (cons {json.dumps(str(other))} 0)
                        (cons {json.dumps(str(yaml))} {len(cli_findings(yaml))})))
      (with-current-buffer (find-file-noselect (car file))
        (run-hooks 'post-command-hook)
        ;; Until as many findings as the CLI's are shown (15 s at most; 2 s for none).
        (let ((n 0) (wait (if (= 0 (cdr file)) 20 150)))
          (while (and (< n wait) (< (length (and (bound-and-true-p flymake-mode) (flymake-diagnostics))) (max 1 (cdr file))))
            (accept-process-output nil 0.1)
            (when (and (bound-and-true-p flymake-mode) (= 0 (% n 5))) (flymake-start))
            (setq n (1+ n))))
        (push (vector (file-name-nondirectory (car file))
                    (symbol-name major-mode)
                    (if (eglot-current-server) t :json-false)
                    (vconcat (mapcar (lambda (d) (line-number-at-pos (flymake-diagnostic-beg d)))
                                     (and (bound-and-true-p flymake-mode) (flymake-diagnostics)))))
              shown)))
    (with-temp-file {json.dumps(str(out))} (insert (json-encode (vconcat shown)))))
  (dolist (server (hash-table-values eglot--servers-by-project))
    (mapc #'eglot-shutdown server)))
"""
    path = os.environ.get("PATH", "")
    run = subprocess.run(
        ["emacs", "--batch", "-q", "--eval", program],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{path}", "HOME": str(tmp_path)},
    )
    assert out.exists(), run.stdout + run.stderr
    shown = {name: (mode, server, sorted(lines)) for name, mode, server, lines in json.loads(out.read_text())}
    assert shown == {
        dsl.name: ("mailflow-mode", True, sorted(line for _, line in cli_findings(dsl))),
        other.name: (shown[other.name][0], False, []),
        yaml.name: ("mailflow-yaml-mode", True, sorted(line for _, line in cli_findings(yaml))),
    }, run.stderr
    assert shown[other.name][0] != "mailflow-yaml-mode"


# The keys Helix's documentation (the book's "Languages" chapter) lists for a [[language]]
# table and a [language-server.NAME] table, with the type of each value this file may use.
HELIX_LANGUAGE_KEYS = {
    "name": str, "language-id": str, "scope": str, "injection-regex": str, "file-types": list,
    "shebangs": list, "roots": list, "auto-format": bool, "diagnostic-severity": str,
    "comment-token": str, "comment-tokens": (str, list), "block-comment-tokens": (dict, list),
    "indent": dict, "language-servers": list, "grammar": str, "formatter": dict, "soft-wrap": dict,
    "text-width": int, "rulers": list, "path-completion": bool, "word-completion": dict,
    "workspace-lsp-roots": list, "persistent-diagnostic-sources": list,
}
HELIX_SERVER_KEYS = {
    "command": str, "args": list, "config": dict, "timeout": int, "environment": dict,
    "required-root-patterns": list,
}
# Servers Helix defines itself (its own languages.toml) that this file names.
HELIX_BUILT_IN_SERVERS = {"yaml-language-server"}


def test_helix_languages_toml_has_the_documented_shape_and_names_mailflow_lsp():
    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    assert set(config) == {"language-server", "language"}
    servers = config["language-server"]
    for name, server in servers.items():
        for key, value in server.items():
            assert isinstance(value, HELIX_SERVER_KEYS[key]), f"[language-server.{name}] {key}"
    assert servers["mailflow"] == {"command": "mailflow", "args": ["lsp"]}

    for language in config["language"]:
        for key, value in language.items():
            assert key in HELIX_LANGUAGE_KEYS, f"[[language]] {language['name']}: {key} is not a Helix key"
            assert isinstance(value, HELIX_LANGUAGE_KEYS[key]), f"[[language]] {language['name']}: {key}"
        assert set(language["indent"]) == {"tab-width", "unit"}
        for file_type in language["file-types"]:
            assert isinstance(file_type, str) or (set(file_type) == {"glob"} and isinstance(file_type["glob"], str))
        for server in language["language-servers"]:
            name = server["name"] if isinstance(server, dict) else server
            assert name in servers or name in HELIX_BUILT_IN_SERVERS, f"{name} is not defined"

    languages = {language["name"]: language for language in config["language"]}
    assert languages["mailflow"]["file-types"] == ["mailflow"]
    assert languages["mailflow"]["language-servers"] == ["mailflow"]
    yaml = languages["mailflow-yaml"]
    assert yaml["grammar"] == "yaml"
    assert yaml["language-id"] == "yaml"
    assert yaml["file-types"] == [{"glob": "*.mailflow.yaml"}, {"glob": "*.mailflow.yml"}]
    assert "mailflow" in yaml["language-servers"]
    # Plain YAML is not routed to mailflow.
    assert "yaml" not in languages
