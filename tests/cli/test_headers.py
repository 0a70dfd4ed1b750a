"""`mailflow headers`: a real message's path read from its headers (text, JSON, Mermaid),
with `--config` held against the tenant's file; exit codes as `check`'s."""

import json
import subprocess

from conftest import EXAMPLES, ROOT, binary

FIXTURES = ROOT / "server" / "tests" / "headers"
FIG_1A = FIXTURES / "fig1a-signature-then-smart-host-delivers.txt"
SMART_HOST_FIRST = FIXTURES / "smart-host-before-signature.txt"


def test_text_lists_hops_passes_and_services(mailflow):
    result = mailflow("headers", FIG_1A)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "A message from sender@contoso.com to recipient@fabrikam.com"
    assert "Pass 1 through Exchange Online and where it sent the message:" in lines
    assert "Exchange Online passes: 2" in lines
    assert "  1. signature service codetwo (after pass 1)" in lines
    assert "  2. smart host mimecast (after pass 2)" in lines
    assert lines[-1] == "No findings."


def test_json_has_the_pinned_shape(mailflow):
    result = mailflow("headers", FIXTURES / "fig1b-smart-host-returns.txt", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert sorted(document) == ["exchangePasses", "findings", "hops", "services", "version"]
    assert document["version"] == 1
    assert document["exchangePasses"] == 3
    assert document["services"] == [
        {"kind": "signature", "vendor": "codetwo", "pass": 1},
        {"kind": "smart-host", "vendor": "mimecast", "pass": 2},
    ]
    assert sorted(document["hops"][0]) == ["by", "from", "pass", "system", "time", "with"]


def test_mermaid_draws_the_passes(mailflow):
    result = mailflow("headers", FIG_1A, "--format", "mermaid")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("flowchart LR\n")
    assert 'p2["Exchange Online, pass 2"]' in result.stdout
    assert "signature service codetwo" in result.stdout


def test_findings_exit_1_and_stdin_is_read(mailflow):
    result = mailflow("headers", "-", stdin=SMART_HOST_FIRST.read_text())
    assert result.returncode == 1, result.stderr
    assert "MF501 error observed-smart-host-before-signature" in result.stdout
    again = mailflow("headers", stdin=SMART_HOST_FIRST.read_text(), *[])
    assert again.returncode == 1


def test_a_hint_alone_exits_0(mailflow):
    result = mailflow("headers", FIXTURES / "missing-hand-off.txt")
    assert result.returncode == 0, result.stderr
    assert "MF504 hint" in result.stdout


def test_loop_ndrs(mailflow):
    for name, quoted in [("ndr-5.4.14-attr34.txt", "5.4.14"), ("ndr-5.4.6-attr1.txt", "ATTR1")]:
        result = mailflow("headers", FIXTURES / name, "--format", "json")
        assert result.returncode == 1, result.stderr
        findings = json.loads(result.stdout)["findings"]
        (loop,) = [f for f in findings if f["code"] == "MF503"]
        assert quoted in loop["message"]


def test_bad_input_exits_2(mailflow, tmp_path):
    for text in ["", "Subject: no trace fields\n\nbody\n"]:
        result = mailflow("headers", stdin=text)
        assert result.returncode == 2
        assert "Received" in result.stderr
        assert result.stdout == ""
    binary_file = tmp_path / "junk.bin"
    binary_file.write_bytes(bytes(range(256)) * 64)
    result = mailflow("headers", binary_file)
    assert result.returncode == 2
    assert "binary" in result.stderr
    assert mailflow("headers", tmp_path / "missing.txt").returncode == 2
    assert mailflow("headers", tmp_path).returncode == 2
    assert mailflow("headers", FIG_1A, "--config", tmp_path / "missing.yaml").returncode == 2


def test_config_matching_the_prediction_has_no_mf505(mailflow):
    result = mailflow("headers", FIG_1A, "--config", EXAMPLES / "codetwo-mimecast.mailflow.yaml")
    assert result.returncode == 0, result.stdout
    assert "predicted by the file" in result.stdout
    assert "MF505" not in result.stdout


def test_config_smart_host_first_is_mf505_naming_mf201(mailflow):
    config = EXAMPLES / "broken-smart-host-not-rule-scoped.mailflow.yaml"
    result = mailflow("headers", SMART_HOST_FIRST, "--config", config, "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    codes = [f["code"] for f in document["findings"]]
    assert codes == ["MF501", "MF505"]
    assert "likely cause: MF201" in document["findings"][1]["message"]
    assert document["prediction"]["likelyCause"]["code"] == "MF201"
    text = mailflow("headers", SMART_HOST_FIRST, "--config", config).stdout
    assert "Likely cause in the file: MF201 smart-host-connector-not-rule-scoped" in text


def test_explain_and_rules_know_the_header_codes(mailflow):
    assert "MF506  observed-signature-missing" in mailflow("rules").stdout
    page = mailflow("explain", "MF501")
    assert page.returncode == 0
    assert page.stdout.startswith("# MF501 observed-smart-host-before-signature")


def test_a_closed_pipe_is_quiet():
    process = subprocess.Popen([str(binary()), "headers", str(FIG_1A)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert b"panicked" not in err
