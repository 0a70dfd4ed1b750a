"""The editor configurations under editors/ other than Neovim's, as far as this machine can
run them: Helix's languages.toml parses and names `mailflow lsp`; Vim (when installed; the
test command does not install it) loads editors/vim/mailflow.vim, detects `*.mailflow` and
gives a project root, so an ALE server, only to mail-flow files; Emacs (when installed)
loads editors/emacs/mailflow.el and opens `*.mailflow` in mailflow-mode. With Debian's
vim-ale (scripts/test installs it when vim is there), Vim with ALE gets the findings of a DSL
example from `mailflow lsp`; with Emacs and eglot (Debian's emacs-nox and elpa-eglot, which
the test command does not install, for CI time) so does an Emacs buffer in mailflow-mode,
through Flymake."""

import json
import os
import pathlib
import shutil
import subprocess
import tomllib

import pytest

from conftest import EXAMPLES, ROOT, binary

EDITORS = ROOT / "editors"


def run_vim(script, cwd, out, tools=None):
    """Runs the Vim script in silent Ex mode with no vimrc; fails unless it wrote `out`."""
    path = os.environ.get("PATH", "")
    run = subprocess.run(
        ["vim", "-Nu", "NONE", "-i", "NONE", "-n", "-es", "-S", str(script)],
        cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{path}" if tools else path},
    )
    assert out.exists(), run.stdout + run.stderr


def test_helix_languages_toml_names_mailflow_lsp():
    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    assert config["language-server"]["mailflow"] == {"command": "mailflow", "args": ["lsp"]}
    languages = {language["name"]: language for language in config["language"]}
    assert languages["mailflow"]["file-types"] == ["mailflow"]
    assert languages["mailflow"]["language-servers"] == ["mailflow"]
    yaml = languages["mailflow-yaml"]
    assert yaml["grammar"] == "yaml"
    assert yaml["file-types"] == [{"glob": "*.mailflow.yaml"}, {"glob": "*.mailflow.yml"}]
    assert "mailflow" in yaml["language-servers"]
    # Plain YAML is not routed to mailflow.
    assert "yaml" not in languages


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed")
def test_vim_detects_the_dsl_and_roots_only_mail_flow_files(tmp_path):
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "tenant"
    folder.mkdir()
    dsl = folder / "a.mailflow"
    shutil.copyfile(EXAMPLES / "codetwo-mimecast.mailflow", dsl)
    tenant = folder / "tenant.yaml"
    tenant.write_text("# a tenant\nmailflow: 1\n")
    other = folder / "docker-compose.yaml"
    other.write_text("services: {}\n")
    out = tmp_path / "out.json"
    script = tmp_path / "test.vim"
    script.write_text(
        f"source {EDITORS / 'vim' / 'mailflow.vim'}\n"
        "filetype on\n"
        "let s:out = {}\n"
        f"for s:path in [{json.dumps(str(dsl))}, {json.dumps(str(tenant))}, {json.dumps(str(other))}]\n"
        "  execute 'edit ' . fnameescape(s:path)\n"
        "  let s:out[fnamemodify(s:path, ':t')] = [&filetype, MailflowProjectRoot(bufnr(''))]\n"
        "endfor\n"
        f"call writefile([json_encode(s:out)], {json.dumps(str(out))})\n"
        "qall!\n"
    )
    run_vim(script, tmp_path, out)
    assert json.loads(out.read_text()) == {
        "a.mailflow": ["mailflow", str(tmp_path)],
        "tenant.yaml": ["yaml", str(tmp_path)],
        "docker-compose.yaml": ["yaml", ""],
    }


@pytest.mark.skipif(shutil.which("emacs") is None, reason="emacs is not installed")
def test_emacs_opens_the_dsl_in_mailflow_mode(tmp_path):
    dsl = tmp_path / "a.mailflow"
    shutil.copyfile(EXAMPLES / "codetwo-mimecast.mailflow", dsl)
    run = subprocess.run(
        [
            "emacs", "--batch", "-Q", "-L", str(EDITORS / "emacs"), "--eval",
            f'(progn (require (quote mailflow)) (find-file {json.dumps(str(dsl))})'
            ' (princ (format "%s" major-mode)))',
        ],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "mailflow-mode"


ALE = next((p for p in map(pathlib.Path, ["/usr/share/vim-ale", os.path.expanduser("~/.vim/pack/git-plugins/start/ale")])
            if (p / "autoload" / "ale.vim").exists()), None)


@pytest.mark.skipif(shutil.which("vim") is None or ALE is None, reason="needs vim and ALE (Debian's vim-ale)")
def test_vim_with_ale_shows_the_cli_findings_of_a_dsl_file(tmp_path):
    dsl = tmp_path / "broken-missing-anti-loop.mailflow"
    shutil.copyfile(EXAMPLES / "broken-missing-anti-loop.mailflow", dsl)
    other = tmp_path / "docker-compose.yaml"
    other.write_text("services:\n  web:\n    image: nginx\n")
    check = subprocess.run([str(binary()), "check", "--format", "json", str(dsl)], capture_output=True, text=True, timeout=60)
    expected = sorted((d["code"], d["range"]["start"]["line"]) for d in json.loads(check.stdout)["diagnostics"])
    assert expected

    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "mailflow").symlink_to(binary().resolve())
    out = tmp_path / "out.json"
    script = tmp_path / "test.vim"
    # As a vimrc would: ALE on 'runtimepath', editors/vim/mailflow.vim sourced, ALE's plugin.
    script.write_text(
        f"set rtp^={ALE}\n"
        f"source {EDITORS / 'vim' / 'mailflow.vim'}\n"
        "runtime plugin/ale.vim\n"
        "filetype plugin on\n"
        "let g:ale_linters = {'mailflow': ['mailflow'], 'yaml': ['mailflow']}\n"
        "let s:out = {}\n"
        f"for s:path in [{json.dumps(str(dsl))}, {json.dumps(str(other))}]\n"
        "  execute 'edit ' . fnameescape(s:path)\n"
        "  let s:n = 0\n"
        "  while s:n < (&filetype is# 'mailflow' ? 150 : 10) && empty(ale#engine#GetLoclist(bufnr('')))\n"
        "    sleep 100m\n"
        "    let s:n += 1\n"
        "  endwhile\n"
        "  let s:out[fnamemodify(s:path, ':t')] = map(copy(ale#engine#GetLoclist(bufnr(''))), {_, v -> [get(v, 'code', ''), v.lnum]})\n"
        "endfor\n"
        f"call writefile([json_encode(s:out)], {json.dumps(str(out))})\n"
        "qall!\n"
    )
    run_vim(script, tmp_path, out, tools)
    shown = json.loads(out.read_text())
    assert sorted(map(tuple, shown["broken-missing-anti-loop.mailflow"])) == expected
    assert shown["docker-compose.yaml"] == []


def emacs_has_eglot():
    if shutil.which("emacs") is None:
        return False
    probe = subprocess.run(
        ["emacs", "--batch", "-q", "--eval", "(progn (package-initialize) (princ (if (require 'eglot nil t) 'yes 'no)))"],
        capture_output=True, text=True, timeout=60,
    )
    return probe.stdout.strip().endswith("yes")


@pytest.mark.skipif(not emacs_has_eglot(), reason="needs emacs and eglot (Debian's emacs-nox and elpa-eglot)")
def test_emacs_with_eglot_shows_the_cli_findings_of_a_dsl_file(tmp_path):
    dsl = tmp_path / "broken-missing-anti-loop.mailflow"
    shutil.copyfile(EXAMPLES / "broken-missing-anti-loop.mailflow", dsl)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    check = subprocess.run([str(binary()), "check", "--format", "json", str(dsl)], capture_output=True, text=True, timeout=60)
    expected = sorted(d["range"]["start"]["line"] for d in json.loads(check.stdout)["diagnostics"])
    assert expected
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "mailflow").symlink_to(binary().resolve())
    out = tmp_path / "out.txt"
    # As init.el would (README): mailflow.el on load-path, eglot started in the buffer.
    program = f"""
(progn
  (package-initialize)
  (add-to-list 'load-path {json.dumps(str(EDITORS / 'emacs'))})
  (require 'mailflow)
  (require 'eglot)
  (find-file {json.dumps(str(dsl))})
  (unless (eq major-mode 'mailflow-mode) (error "not mailflow-mode: %s" major-mode))
  (apply #'eglot (eglot--guess-contact))
  (let ((n 0))
    ;; Flymake asks eglot for what the server published; batch mode has no idle time to
    ;; start it, so it is started here.
    (while (and (< n 150) (null (flymake-diagnostics)))
      (accept-process-output nil 0.1)
      (when (= 0 (% n 5)) (flymake-start))
      (setq n (1+ n))))
  (let ((lines (mapconcat (lambda (d) (number-to-string (line-number-at-pos (flymake-diagnostic-beg d))))
                          (flymake-diagnostics) " ")))
    (with-temp-file {json.dumps(str(out))} (insert lines)))
  (eglot-shutdown (eglot-current-server)))
"""
    run = subprocess.run(
        ["emacs", "--batch", "-q", "--eval", program],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(tmp_path)},
    )
    assert out.exists(), run.stdout + run.stderr
    assert sorted(int(n) for n in out.read_text().split()) == expected, run.stderr
