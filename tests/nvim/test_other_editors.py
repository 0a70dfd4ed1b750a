"""The editor configurations under editors/ other than Neovim's, as far as this machine can
run them: Helix's languages.toml parses and names `mailflow lsp`; Vim (when installed; the
test command does not install it) loads editors/vim/mailflow.vim, detects `*.mailflow` and
gives a project root, so an ALE server, only to mail-flow files; Emacs (when installed)
loads editors/emacs/mailflow.el and opens `*.mailflow` in mailflow-mode. Neither ALE nor
eglot is driven here: those two configurations are untested against a running server."""

import json
import shutil
import subprocess
import tomllib

import pytest

from conftest import EXAMPLES, ROOT

EDITORS = ROOT / "editors"


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
    run = subprocess.run(
        ["vim", "-Nu", "NONE", "-i", "NONE", "-n", "-es", "-S", str(script)],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert out.exists(), run.stdout + run.stderr
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
