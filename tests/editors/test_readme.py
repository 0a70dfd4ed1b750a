"""README.md's "In the editor" section against editors/: each editor's bullet links the file
it is about, and its setup snippet is, line for line, the one in that file's opening comment
(the editor suites load the snippet itself as the init file). Helix's bullet has no snippet:
it says to copy the file."""

import re

import pytest

from conftest import ROOT
from editor_tools import readme_editors

# Each editor's bullet and the file whose opening comment holds its snippet (None: no snippet).
FILES = {
    "Neovim 0.11+": "editors/nvim/lsp/mailflow.lua",
    "Neovim 0.7-0.10": "editors/nvim/legacy.lua",
    "Helix": None,
    "Emacs": "editors/emacs/mailflow.el",
    "Vim": "editors/vim/mailflow.vim",
}


def comment_lines(path):
    """The text of each comment line of `path` (Lua, Emacs Lisp, Vim script), stripped."""
    return [m.group(1).strip() for m in re.finditer(r'^\s*(?:--|;+|"|#)(.*)$', path.read_text(), re.M)]


def test_the_readme_has_a_bullet_for_each_editor():
    assert list(readme_editors()) == list(FILES)


@pytest.mark.parametrize("editor", FILES)
def test_each_bullet_links_existing_files_and_its_snippet_is_the_files(editor):
    links, block = readme_editors()[editor]
    assert links, f"README.md's {editor} bullet links no file under editors/"
    for link in links:
        assert (ROOT / link).exists(), f"README.md links {link}, which does not exist"
    source = FILES[editor]
    if source is None:
        assert block is None, f"README.md's {editor} bullet repeats a file: point to it instead"
        return
    assert source in links, f"README.md's {editor} bullet does not link {source}"
    assert block is not None, f"README.md's {editor} bullet has no setup snippet"
    snippet = [line.strip() for line in block.strip().splitlines()]
    comments = comment_lines(ROOT / source)
    assert any(comments[i : i + len(snippet)] == snippet for i in range(len(comments))), (
        f"README.md's {editor} snippet is not in {source}'s comments:\n" + "\n".join(snippet)
    )
