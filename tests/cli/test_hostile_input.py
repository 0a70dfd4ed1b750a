"""`mailflow check` given what is not an ordinary file (standard input, a FIFO, a socket, a
device), and files crafted to attack the terminal or the CI log that shows the report."""

import json
import os
import pathlib
import re
import socket

import pytest

from conftest import EXAMPLES
from mailflow_process import run

CORRECT = EXAMPLES / "codetwo-mimecast.mailflow.yaml"
FINDING = b"mailflow: 1\ntransportRules:\n  - name: A\n    priorty: 0\n"
DSL = (EXAMPLES / "codetwo-mimecast.mailflow").read_text()


# --- standard input ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_standard_input_is_checked(name):
    done = run("check", "--format", "concise", name, stdin=FINDING)
    assert done.returncode == 1, done.stderr
    assert f"\n{name}:4:5: error MF002 [unknown-key]" in done.stdout.decode()
    assert "in 1 file." in done.stdout.decode()


def test_stdin_filename_names_the_text_and_chooses_its_syntax():
    done = run("check", "--format", "json", "-", "--stdin-filename", "tenant/flow.mailflow", stdin=DSL.encode())
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["summary"]["files"] == 1 and document["diagnostics"] == []
    # The same text read as YAML is not valid.
    as_yaml = run("check", "--format", "json", "-", "--stdin-filename", "flow.mailflow.yaml", stdin=DSL.encode())
    assert as_yaml.returncode == 1
    assert {d["file"] for d in json.loads(as_yaml.stdout)["diagnostics"]} == {"flow.mailflow.yaml"}
    # Without paths, `--stdin-filename` reads standard input, as ruff does.
    alone = run("check", "--format", "concise", "--stdin-filename", "x.mailflow.yaml", stdin=FINDING)
    assert alone.returncode == 1 and "\nx.mailflow.yaml:4:5: error MF002" in alone.stdout.decode()


def test_standard_input_beside_files():
    done = run("check", "--format", "json", "-", CORRECT, stdin=FINDING)
    assert done.returncode == 1
    assert json.loads(done.stdout)["summary"]["files"] == 2


def test_standard_input_cannot_be_fixed_but_can_be_diffed():
    fixing = run("check", "--fix", "-", stdin=FINDING)
    assert fixing.returncode == 2 and "--fix" in fixing.stderr.decode() and fixing.stdout == b""
    diff = run("check", "--diff", "--unsafe-fixes", "-", "--stdin-filename", "flow.mailflow.yaml", stdin=FINDING)
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.decode().startswith("--- flow.mailflow.yaml\n+++ flow.mailflow.yaml\n")
    assert "+    priority: 0" in diff.stdout.decode()


def test_stdin_filename_without_standard_input_is_refused():
    done = run("check", "--stdin-filename", "x.mailflow", CORRECT)
    assert done.returncode == 2 and "--stdin-filename" in done.stderr.decode()


# --- special files -------------------------------------------------------------------------


@pytest.fixture(params=["fifo", "socket", "device"])
def special(request, tmp_path):
    """A path that names neither a file nor a folder."""
    if request.param == "device":
        return "/dev/null"
    path = tmp_path / f"special.{request.param}.mailflow.yaml"
    if request.param == "fifo":
        os.mkfifo(path)
        return path
    server = socket.socket(socket.AF_UNIX)
    try:
        # A socket's path must be short: bind in its folder by a relative name.
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            server.bind(path.name)
        finally:
            os.chdir(cwd)
    except OSError as error:
        pytest.skip(f"cannot make a socket here: {error}")
    request.addfinalizer(server.close)
    return path


def test_a_special_file_is_refused_and_said_to_be(special):
    done = run("check", special, CORRECT)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 2, (out, err)
    assert re.search(r"is (a FIFO \(named pipe\)|a socket|a device), not a file or folder", err), err
    # The other file is still checked, and the summary does not say all is good.
    assert "All good" not in out
    assert "Nothing found in 1 file checked, but mailflow could not do all of its job (1 problem" in out


def test_machine_readable_formats_carry_the_failure(special):
    document = json.loads(run("check", "--format", "json", special, CORRECT).stdout)
    # The documented keys are as they were; `errors` is added.
    assert set(document) == {"version", "diagnostics", "summary", "errors"}
    assert document["summary"]["files"] == 1
    (error,) = document["errors"]
    assert "not a file or folder" in error["message"] and error["file"] == str(special)
    sarif = json.loads(run("check", "--format", "sarif", special, CORRECT).stdout)
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and "not a file or folder" in notification["message"]["text"]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == pathlib.Path(special).as_uri()
    github = run("check", "--format", "github", special, CORRECT).stdout.decode().splitlines()
    assert any(line.startswith("::error file=") and "not a file or folder" in line for line in github), github


def test_a_run_that_did_its_job_says_so_in_sarif_and_json():
    sarif = json.loads(run("check", "--format", "sarif", CORRECT).stdout)
    assert sarif["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    assert json.loads(run("check", "--format", "json", CORRECT).stdout)["errors"] == []


def test_all_good_is_never_said_when_the_exit_code_is_2(tmp_path):
    done = run("check", tmp_path / "missing.mailflow.yaml", CORRECT)
    assert done.returncode == 2
    assert "All good" not in done.stdout.decode()


# --- control characters --------------------------------------------------------------------

# A rule name that erases the terminal's line, returns to its start, starts a new line with
# a workflow command, and ends with a C1 control (CSI) and a right-to-left override.
EVIL = "evil\x1b[2K\r\n::warning file=x.py::pwned\u009b\u202e"
CRAFTED = (
    "mailflow: 1\n"
    "transportRules:\n"
    f"  - name: {json.dumps(EVIL)}\n"
    "    priority: 1\n"
    # The same characters raw in the source, which the human report quotes.
    "    comments: \"raw \x1b[31m \u009b \u202e\"\n"
)
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMATS = ["human", "concise", "github", "json", "sarif"]


def crafted_file(folder, name="flow.mailflow.yaml"):
    path = folder / name
    path.write_text(CRAFTED)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_characters_are_escaped_in_every_format(tmp_path, fmt):
    path = crafted_file(tmp_path)
    done = run("check", "--format", fmt, path.name, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    out = done.stdout.decode()
    assert "MF013" in out  # the finding that names the rule
    assert not UNSAFE.search(out), repr(UNSAFE.search(out))
    lines = out.splitlines()
    if fmt == "github":
        # Every line is one of mailflow's workflow commands; none is the file's.
        assert all(re.match(r"::(error|warning|notice) file=flow\.mailflow\.yaml,", line) for line in lines), lines
        assert "%0D%0A::warning file=x.py::pwned" in out
    else:
        assert not any(line.startswith("::") for line in lines), lines
    if fmt == "json":
        # The message reads back as the name's very characters.
        messages = [d["message"] for d in json.loads(out)["diagnostics"]]
        assert any(EVIL in message for message in messages), messages
    if fmt in ("human", "concise"):
        assert "evil\\u{1b}[2K\\r\\n::warning file=x.py::pwned\\u{9b}\\u{202e}" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_crafted_file_name_is_escaped_too(tmp_path, fmt):
    name = "::warning file=x::\x1b[2Kname\n.mailflow.yaml"
    crafted_file(tmp_path, name)
    done = run("check", "--format", fmt, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    out = done.stdout.decode()
    assert not UNSAFE.search(out), repr(UNSAFE.search(out))
    lines = out.splitlines()
    if fmt == "github":
        assert all(re.match(r"::(error|warning|notice) file=%3A%3Awarning", line) for line in lines), lines
    else:
        assert not any(line.startswith("::") for line in lines), lines
    if fmt == "concise":
        assert lines[0].startswith("./::warning file=x::\\u{1b}[2Kname\\n.mailflow.yaml:")


def test_diff_names_a_crafted_file_as_patch_reads_it(tmp_path):
    name = "a\x1bb.mailflow.yaml"
    (tmp_path / name).write_bytes(b"mailflow: 1\ntransportRules:\n  - name: A\n    priorty: 0\n")
    done = run("check", "--diff", "--unsafe-fixes", name, cwd=tmp_path)
    assert done.stdout.decode().startswith('--- "a\\033b.mailflow.yaml"\n+++ "a\\033b.mailflow.yaml"\n')


def test_trace_escapes_names_too(tmp_path):
    path = crafted_file(tmp_path)
    for fmt in ["text", "json", "mermaid"]:
        done = run("trace", path, "--format", fmt)
        assert done.returncode == 0, done.stderr
        assert not UNSAFE.search(done.stdout.decode()), (fmt, done.stdout)
