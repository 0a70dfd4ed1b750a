"""`mailflow fmt` and `mailflow fmt --check` as a user runs them on DSL files."""

import os
import pathlib

from conftest import ROOT

# Every statement on its own line or several on one, odd spacing and blank lines, comments
# of every kind, an escape that has a plainer spelling.
MESSY = """# Contoso's mail flow
mailflow   1
organization "Contoso" { domains "contoso.com"
      "contoso.onmicrosoft.com" }
connector "Mimecast"
{
type partner   # not on-premises
      use transport-rule


  smart-hosts "eu-smtp-o365-outbound-1.mimecast.com"
  service smart-host mimecast { returns-to-exchange false }

}
# Route everything through Mimecast.
rule "Mimecast smart host" priority 1 { if sender is inside
  # the anti-loop header
  except header "X-AntiLoop-Smarthost"   contains "\\u{74}rue"
redirect to "Mimecast" defer on error
}   # end
"""

CANONICAL = """# Contoso's mail flow
mailflow 1

organization "Contoso" {
  domains "contoso.com" "contoso.onmicrosoft.com"
}

connector "Mimecast" {
  type partner # not on-premises
  use transport-rule

  smart-hosts "eu-smtp-o365-outbound-1.mimecast.com"
  service smart-host mimecast {
    returns-to-exchange false
  }
}

# Route everything through Mimecast.
rule "Mimecast smart host" priority 1 {
  if sender is inside
  # the anti-loop header
  except header "X-AntiLoop-Smarthost" contains "true"
  redirect to "Mimecast"
  defer on error
} # end
"""

BROKEN = 'rule "A" priority 0 {\n  if sender is\n  redirect to   "X"\n}\n'

LONG_AGO = 1_000_000_000


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    os.utime(path, (LONG_AGO, LONG_AGO))
    return path


def untouched(path: pathlib.Path, text: str) -> bool:
    return path.read_bytes() == text.encode() and path.stat().st_mtime_ns == LONG_AGO * 10**9


def test_fmt_rewrites_a_messy_file_keeping_its_comments(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow", MESSY)
    result = mailflow("fmt", path)
    assert result.returncode == 0, result.stderr
    assert path.read_text() == CANONICAL
    assert result.stdout == f"{path}\n"
    assert "Reformatted 1 file (0 files unchanged)." in result.stderr
    comments = [line.split("#", 1)[1] for line in MESSY.splitlines() if "#" in line]
    assert comments == [line.split("#", 1)[1] for line in CANONICAL.splitlines() if "#" in line]


def test_a_second_run_changes_nothing(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow", CANONICAL)
    result = mailflow("fmt", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert untouched(path, CANONICAL)


def test_check_lists_what_would_change_and_writes_nothing(mailflow, tmp_path):
    messy = write(tmp_path / "a" / "messy.mailflow", MESSY)
    tidy = write(tmp_path / "b" / "tidy.mailflow", CANONICAL)
    result = mailflow("fmt", "--check", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout == "a/messy.mailflow\n"
    assert "1 file would be reformatted (1 file already formatted)." in result.stderr
    assert untouched(messy, MESSY) and untouched(tidy, CANONICAL)
    assert mailflow("fmt", "--check", tidy).returncode == 0


def test_folders_are_searched_for_dsl_files_only(mailflow, tmp_path):
    yaml = "mailflow: 1\ntransportRules:   []\n"
    write(tmp_path / "flow.mailflow.yaml", yaml)
    write(tmp_path / "ignored" / "flow.mailflow", MESSY)
    write(tmp_path / ".gitignore", "ignored/\n")
    dsl = write(tmp_path / "flow.mailflow", MESSY)
    result = mailflow("fmt", tmp_path)
    assert result.returncode == 0, result.stderr
    assert dsl.read_text() == CANONICAL
    assert untouched(tmp_path / "flow.mailflow.yaml", yaml)
    assert untouched(tmp_path / "ignored" / "flow.mailflow", MESSY)
    # A YAML file named on the command line is an error: fmt formats only the DSL.
    result = mailflow("fmt", tmp_path / "flow.mailflow.yaml")
    assert result.returncode == 2
    assert "is not a DSL file" in result.stderr


def test_broken_files_are_reported_and_left_untouched(mailflow, tmp_path):
    broken = write(tmp_path / "broken.mailflow", BROKEN)
    messy = write(tmp_path / "messy.mailflow", MESSY)
    result = mailflow("fmt", tmp_path)
    assert result.returncode == 2
    assert f"{broken}:2:" in result.stderr and "the file is left as it is" in result.stderr
    assert untouched(broken, BROKEN)
    # The other files are formatted all the same.
    assert messy.read_text() == CANONICAL
    result = mailflow("fmt", "--check", broken)
    assert result.returncode == 2 and untouched(broken, BROKEN)


def test_standard_input_is_formatted_to_standard_output(mailflow):
    # What an editor's format command does: the buffer in, the formatted text out.
    result = mailflow("fmt", "-", stdin=MESSY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == CANONICAL and result.stderr == ""
    assert mailflow("fmt", "--check", "-", stdin=MESSY).returncode == 1
    assert mailflow("fmt", "--check", "-", stdin=CANONICAL).returncode == 0
    # A broken buffer: nothing on stdout (the editor keeps its text), the place on stderr.
    result = mailflow("fmt", "-", stdin=BROKEN)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("mailflow: error: -:2:") and "nothing is written" in result.stderr
    # `-` beside files is refused before anything is read or written.
    result = mailflow("fmt", "-", "other.mailflow", stdin=MESSY)
    assert result.returncode == 2 and result.stdout == "" and "give it alone" in result.stderr


def test_line_breaks_and_permissions_are_kept(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow", MESSY.replace("\n", "\r\n"))
    path.chmod(0o640)
    assert mailflow("fmt", path).returncode == 0
    assert path.read_bytes() == CANONICAL.replace("\n", "\r\n").encode()
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flow.mailflow"]


def test_the_grammar_example_is_formatted_without_losing_a_comment(mailflow, tmp_path):
    original = (ROOT / "grammar" / "examples" / "codetwo-mimecast.mailflow").read_text()
    path = write(tmp_path / "example.mailflow", original)
    assert mailflow("fmt", path).returncode == 0
    formatted = path.read_text()
    assert [line.strip() for line in original.splitlines() if line.lstrip().startswith("#")] == [
        line.strip() for line in formatted.splitlines() if line.lstrip().startswith("#")
    ]
    assert mailflow("fmt", "--check", path).returncode == 0
