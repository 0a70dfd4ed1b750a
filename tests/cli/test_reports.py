"""The labels and locations of `mailflow check`'s reports: SARIF's URIs read back (with
Python's own URI functions) as the files checked, whatever their names; the human report
names each severity as the other formats do; a path that cannot be read is no "All good"."""

import json
import os
import pathlib
import pty
import subprocess
import urllib.parse
import urllib.request

import pytest

from conftest import ROOT, binary

FIXTURES = ROOT / "server" / "tests" / "fixtures"

# Names a URI must percent-encode: spaces, `#`, `%`, non-ASCII letters; YAML and the DSL.
AWKWARD = {
    "Büro Regeln/ausgehend.mailflow": FIXTURES.parent / "fixtures_dsl" / "MF002" / "triggers.mailflow",
    "Büro Regeln/#1 100%.mailflow.yaml": FIXTURES / "MF002" / "triggers.mailflow.yaml",
    "ünïcödé/a b.mailflow.yaml": FIXTURES / "MF013" / "triggers.mailflow.yaml",
}


@pytest.fixture
def awkward(tmp_path) -> pathlib.Path:
    for name, source in AWKWARD.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source.read_text())
    return tmp_path


def decoded_paths(log: dict) -> set[pathlib.Path]:
    """Every file a result points at, its URI resolved against its base and decoded."""
    run = log["runs"][0]
    bases = {name: base["uri"] for name, base in run.get("originalUriBaseIds", {}).items()}
    paths = set()
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        uri = location["uri"]
        if "uriBaseId" in location:
            uri = urllib.parse.urljoin(bases[location["uriBaseId"]], uri)
        parts = urllib.parse.urlparse(uri)
        assert parts.scheme == "file", uri
        paths.add(pathlib.Path(urllib.request.url2pathname(parts.path)))
    return paths


@pytest.mark.parametrize("relative", [True, False], ids=["relative", "absolute"])
def test_sarif_uris_decode_to_the_files_checked(mailflow, awkward, relative):
    target = "." if relative else awkward
    done = mailflow("check", "--format", "sarif", target, cwd=awkward)
    assert done.returncode == 1, done.stderr
    log = json.loads(done.stdout)
    expected = {(awkward / name).resolve() for name in AWKWARD}
    assert {path.resolve() for path in decoded_paths(log)} == expected
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert all(("uriBaseId" in location) == relative for location in locations), locations


def test_sarif_notifications_point_at_the_unreadable_file(mailflow, tmp_path):
    (tmp_path / "Café #1.mailflow.yaml").write_bytes("mailflow: 1\norganization: {name: Caf\u00e9}\n".encode("latin-1"))
    done = mailflow("check", "--format", "sarif", "Café #1.mailflow.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    run = json.loads(done.stdout)["runs"][0]
    notification = run["invocations"][0]["toolExecutionNotifications"][0]
    location = notification["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "Caf%C3%A9%20%231.mailflow.yaml", "uriBaseId": "%SRCROOT%"}


def test_a_bad_docs_url_is_refused(mailflow, awkward):
    done = mailflow("check", "--format", "sarif", "--docs-url", "docs/rules", awkward)
    assert done.returncode == 2
    assert "give an absolute URL" in done.stderr


# One finding of each severity, the name the report gives it, and what JSON calls it.
SEVERITIES = [
    (FIXTURES / "MF002" / "triggers.mailflow.yaml", "MF002"),
    (FIXTURES / "MF009" / "triggers.mailflow.yaml", "MF009"),
    (FIXTURES / "MF206" / "triggers.mailflow.yaml", "MF206"),
]


@pytest.mark.parametrize("path,code", SEVERITIES, ids=[code for _, code in SEVERITIES])
def test_the_human_report_names_severities_as_the_other_formats_do(mailflow, path, code):
    as_json = json.loads(mailflow("check", "--format", "json", "--select", code, path).stdout)
    severity = as_json["diagnostics"][0]["severity"]
    human = mailflow("check", "--select", code, path).stdout
    assert f"{severity}[{code}]: " in human, human
    concise = mailflow("check", "--format", "concise", "--select", code, path).stdout
    assert f" {severity} {code} " in concise, concise


def test_a_hint_is_called_hint_in_colour_too():
    """On a terminal the hint's name is coloured as before, only named `hint`."""
    leader, follower = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    process = subprocess.Popen(
        [str(binary()), "check", FIXTURES / "MF206" / "triggers.mailflow.yaml"],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(leader)
    text = output.decode()
    assert "help[MF206]" not in text
    header = text.split("hint[MF206]", 1)
    assert len(header) == 2, text
    assert header[0].endswith("m") and "\x1b[" in header[0], f"no colour before the name: {text!r}"


@pytest.mark.parametrize("fmt", ["human", "concise"])
def test_a_missing_file_is_no_all_good(mailflow, tmp_path, fmt):
    done = mailflow("check", "--format", fmt, "missing-file", cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot read `missing-file`" in done.stderr
    assert "All good" not in done.stdout
    assert "could not do all of its job" in done.stdout


def test_a_finding_shows_the_lines_around_each_place_and_not_the_file_between(mailflow, tmp_path):
    """MF005 points at the first rule of the same name as related information. Places close
    together share one snippet; places far apart get one each (`-->` for the finding, `:::`
    for the other), so that a report of thousands of duplicates does not print, or read, the
    whole file between them again for each."""
    rule = "  - name: {name}\n    priority: {priority}\n    conditions: {{senderIs: inside}}\n"
    between = "".join(rule.format(name=f"Between {i}", priority=i + 1) for i in range(10))
    text = (
        "mailflow: 1\ntransportRules:\n"
        + rule.format(name="Twice", priority=0)
        + rule.format(name="Twice", priority=11)
        + between
        + rule.format(name="Twice", priority=20)
    )
    path = tmp_path / "far.mailflow.yaml"
    path.write_text(text)
    human = mailflow("check", "--select", "MF005", path).stdout
    near, far = human.split("error[MF005]")[1:]
    # The second rule is three lines under the first: one snippet shows both.
    assert f"--> {path}:6:11" in near and ":::" not in near, near
    assert "first named here" in near, near
    assert f"--> {path}:39:11" in far and f"::: {path}:3:11" in far, far
    assert "Between" not in far, far


def test_a_finding_on_a_line_too_long_to_show_is_shown_by_its_line_and_column(mailflow, tmp_path):
    """A file written on one line (JSON is YAML): each finding's place is given by its line and
    column, not by a snippet of the whole line, which for every finding would print (and read)
    the whole file again."""
    rule = {"priority": 0, "conditions": {"senderIs": "inside"}, "comments": "x" * 5000}
    rules = [dict(rule, name="Twice"), dict(rule, name="Other", priority=1), dict(rule, name="Twice", priority=2)]
    text = json.dumps({"mailflow": 1, "transportRules": rules}, separators=(",", ":")) + "\n"
    path = tmp_path / "one line.mailflow.yaml"
    path.write_text(text)
    human = mailflow("check", "--select", "MF005", path).stdout
    first, second = [text.index('"Twice"') + 1, text.rindex('"Twice"') + 1]
    assert f"--> {path}:1:{second}" in human, human
    assert f"::: {path}:1:{first}" in human and "first named here" in human, human
    assert "xxxxxxxx" not in human, human
