"""`mailflow check --fix`, `--diff` and `--unsafe-fixes` as a user runs them.

MF002 (rename an unknown key to the nearest known one, an unsafe fix) drives most of these
tests; MF102 (set "Stop processing more rules" on the signature rule) shows a safe fix.
"""

import json
import os
import pathlib
import shutil
import stat
import subprocess

import pytest

from conftest import EXAMPLES, binary

# CRLF line breaks, comments at line ends and on their own lines, quoting, a second
# misspelling in another rule, and a finding (MF003) no fix resolves.
MISSPELT = (
    b"# Tenant: Contoso\r\n"
    b"mailflow: 1\r\n"
    b"transportRules:\r\n"
    b"  - name: 'CodeTwo Exchange transport rule'   # by CodeTwo\r\n"
    b"    priorty: 0  # first\r\n"
    b"    stopProcessingRules: true\r\n"
    b"\r\n"
    b"  # Legal wants this one last.\r\n"
    b"  - name: \"Disclaimer\"\r\n"
    b"    priority: 1\r\n"
    b"    enabled: yes\r\n"
)
FIXED = MISSPELT.replace(b"priorty", b"priority").replace(b"stopProcessingRules", b"stopProcessingMoreRules")

ONLY_FIXABLE = b"mailflow: 1\ntransportRules:\n  - name: A\n    priorty: 0\n"

LONG_AGO = 1_000_000_000


def write(path: pathlib.Path, data: bytes) -> pathlib.Path:
    path.write_bytes(data)
    os.utime(path, (LONG_AGO, LONG_AGO))
    return path


def mtime(path: pathlib.Path) -> int:
    return path.stat().st_mtime_ns


def test_fix_without_unsafe_fixes_leaves_unsafe_fixes_alone(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow.yaml", MISSPELT)
    result = mailflow("check", "--fix", path)
    assert result.returncode == 1, result.stderr
    assert path.read_bytes() == MISSPELT
    assert mtime(path) == LONG_AGO * 10**9
    assert "error[MF002]: unknown key `priorty`" in result.stdout
    assert "Applied 0 fixes (0 files changed). 2 more fixes with --unsafe-fixes." in result.stdout


def test_fix_sets_the_stop_on_the_signature_rule_and_keeps_the_comments(mailflow, tmp_path):
    original = (EXAMPLES / "broken-rule-order.mailflow.yaml").read_text()
    path = tmp_path / "flow.mailflow.yaml"
    path.write_text(original)
    assert "warning[MF102]" in mailflow("check", path).stdout
    result = mailflow("check", "--fix", path)
    fixed = path.read_text()
    assert "MF102" not in result.stdout
    # The rule order findings have no safe fix: they remain, and fail the run.
    assert result.returncode == 1 and "error[MF101]" in result.stdout
    # Only the signature rule's setting changed; every comment and blank line stays.
    assert original.count("stopProcessingMoreRules: false") == 1
    assert fixed == original.replace("stopProcessingMoreRules: false", "stopProcessingMoreRules: true")
    comments = [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) > 20 and comments == [line for line in fixed.splitlines() if line.lstrip().startswith("#")]

def test_unsafe_fixes_rename_the_keys_and_keep_every_other_byte(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow.yaml", MISSPELT)
    path.chmod(0o640)
    result = mailflow("check", "--fix", "--unsafe-fixes", path)
    # Comments, quotes, the blank line and CRLF stay; only the two keys change.
    assert path.read_bytes() == FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flow.mailflow.yaml"]
    # What remains is reported, and decides the exit code.
    assert result.returncode == 1
    assert "MF002" not in result.stdout
    assert "error[MF003]: `yes` is not a valid value" in result.stdout
    assert "Applied 2 fixes (1 file changed)." in result.stdout


def test_a_second_run_changes_nothing(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow.yaml", MISSPELT)
    mailflow("check", "--fix", "--unsafe-fixes", path)
    os.utime(path, (LONG_AGO, LONG_AGO))
    again = mailflow("check", "--fix", "--unsafe-fixes", path)
    assert path.read_bytes() == FIXED
    assert mtime(path) == LONG_AGO * 10**9
    assert "Applied 0 fixes (0 files changed)." in again.stdout


def test_exit_code_is_clean_when_fixes_resolve_everything(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow.yaml", ONLY_FIXABLE)
    assert mailflow("check", "--fix", path).returncode == 1
    assert mailflow("check", "--fix", "--unsafe-fixes", path).returncode == 0
    assert path.read_bytes() == ONLY_FIXABLE.replace(b"priorty", b"priority")


def test_diff_prints_what_fix_would_write_and_writes_nothing(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow.yaml", MISSPELT)
    result = mailflow("check", "--diff", "--unsafe-fixes", "flow.mailflow.yaml", cwd=tmp_path)
    assert path.read_bytes() == MISSPELT
    assert mtime(path) == LONG_AGO * 10**9
    assert result.returncode == 1  # MF003 would remain
    lines = result.stdout.splitlines()
    assert lines[:3] == ["--- flow.mailflow.yaml", "+++ flow.mailflow.yaml", "@@ -2,8 +2,8 @@"]
    assert "-    priorty: 0  # first" in lines and "+    priority: 0  # first" in lines
    assert "+    stopProcessingMoreRules: true" in lines
    assert "Would apply 2 fixes (1 file would change)." in result.stderr
    # Without --unsafe-fixes there is nothing to show.
    safe = mailflow("check", "--diff", path)
    assert safe.stdout == ""
    assert "Would apply 0 fixes" in safe.stderr


def test_diff_output_applies_with_patch(tmp_path):
    if shutil.which("patch") is None:
        pytest.skip("no `patch` program")
    path = write(tmp_path / "flow.mailflow.yaml", MISSPELT)
    # In bytes: the diff's lines keep the file's CRLF, which text mode would translate.
    diff = subprocess.run(
        [binary(), "check", "--diff", "--unsafe-fixes", "flow.mailflow.yaml"], cwd=tmp_path, capture_output=True
    ).stdout
    assert b"+    priority: 0  # first\r\n" in diff
    subprocess.run(["patch", "-s", "-p0"], input=diff, cwd=tmp_path, check=True)
    assert path.read_bytes() == FIXED


def test_files_without_fixes_are_not_rewritten(mailflow, tmp_path):
    clean = write(tmp_path / "clean.mailflow.yaml", (EXAMPLES / "codetwo-mimecast.mailflow.yaml").read_bytes())
    fixable = write(tmp_path / "fixable.mailflow.yaml", ONLY_FIXABLE)
    inode = clean.stat().st_ino
    result = mailflow("check", "--fix", "--unsafe-fixes", tmp_path)
    assert result.returncode == 0, result.stdout
    assert mtime(clean) == LONG_AGO * 10**9 and clean.stat().st_ino == inode
    assert mtime(fixable) != LONG_AGO * 10**9
    assert "Applied 1 fix (1 file changed)." in result.stdout


def test_machine_readable_output_stays_one_document(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow.yaml", MISSPELT)
    result = mailflow("check", "--fix", "--unsafe-fixes", "--format", "json", path)
    document = json.loads(result.stdout)
    assert [d["code"] for d in document["diagnostics"]] == ["MF003"]
    assert "Applied 2 fixes" in result.stderr


def test_fix_flags_that_make_no_sense_together_are_refused(mailflow, tmp_path):
    path = write(tmp_path / "flow.mailflow.yaml", MISSPELT)
    assert mailflow("check", "--unsafe-fixes", path).returncode == 2
    assert mailflow("check", "--fix", "--diff", path).returncode == 2
    assert path.read_bytes() == MISSPELT


def test_unsafe_fixes_scope_a_smart_host_connector_and_insert_its_anti_loop_rule(mailflow, tmp_path):
    original = (EXAMPLES / "broken-smart-host-not-rule-scoped.mailflow.yaml").read_bytes()
    path = write(tmp_path / "flow.mailflow.yaml", original)
    result = mailflow("check", "--fix", "--unsafe-fixes", path)
    assert result.returncode == 0, result.stdout
    assert "MF201" not in result.stdout and "error" not in result.stdout
    assert "Applied 1 fix (1 file changed)." in result.stdout
    fixed = path.read_text()
    # Every comment stays, on its own line or after a value.
    comments = [line.strip() for line in original.decode().splitlines() if "#" in line]
    assert comments and all(comment in fixed for comment in comments)
    assert "    use: transport-rule\n    smartHosts:\n      - us-smtp-o365-outbound-1.mimecast.com" in fixed
    assert 'recipientDomains: ["*"]' not in fixed
    assert fixed.endswith(
        "  - name: Mimecast Outbound Connector smart host rule\n"
        "    priority: 1\n"
        "    conditions: {senderIs: inside, recipientIs: outside}\n"
        '    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}\n'
        "    actions:\n"
        '      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}\n'
        "      redirectToConnector: Mimecast Outbound Connector\n"
        "    deferOnError: true\n"
    )
    # Checked again, nothing is left to fix.
    assert mailflow("check", path).returncode == 0
