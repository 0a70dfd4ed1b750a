"""`mailflow export`: a checked file as a PowerShell apply script or a Microsoft365DSC
configuration, to stdout or a file; refusing what Exchange would refuse and what was not read
(exit 2, naming the problem); removing objects only with --prune."""

import pathlib

import pytest

from conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.mailflow.yaml")) + sorted(EXAMPLES.glob("*.mailflow"))
EXAMPLE = EXAMPLES / "codetwo-mimecast.mailflow.yaml"

RULE_FILE = """mailflow: 1
connectors:
  - name: Relay
    type: on-premises
    use: transport-rule
    smartHosts: [relay.example.com]
transportRules:
  - name: {name}
    priority: 0
    conditions: {{senderIs: inside}}
    exceptions: {{headerContains: {{header: X-Loop, words: ["true"]}}}}
    actions:
      setHeader: {{name: X-Loop, value: "true"}}
      redirectToConnector: Relay
"""


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("target", ["powershell", "m365dsc"])
def test_every_example_exports(mailflow, path, target):
    result = mailflow("export", path, "--to", target)
    assert result.returncode == 0, result.stderr
    if target == "powershell":
        assert "[CmdletBinding(SupportsShouldProcess)]\nparam()\n" in result.stdout
        assert "$ErrorActionPreference = 'Stop'" in result.stdout
        assert "Remove-" not in result.stdout
    else:
        assert "Import-DscResource -ModuleName Microsoft365DSC" in result.stdout
        assert "Ensure" in result.stdout


def test_output_file_starts_with_a_byte_order_mark_and_matches_stdout(mailflow, tmp_path):
    printed = mailflow("export", EXAMPLE, "--to", "powershell")
    target = tmp_path / "apply.ps1"
    result = mailflow("export", EXAMPLE, "--to", "powershell", "-o", target)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8") == printed.stdout
    # Written again over itself, it is replaced whole.
    assert mailflow("export", EXAMPLE, "--to", "m365dsc", "--output", target).returncode == 0
    assert "EXOTransportRule" in target.read_text(encoding="utf-8-sig")


def test_each_object_and_property_is_in_the_header(mailflow):
    script = mailflow("export", EXAMPLE, "--to", "powershell").stdout
    header = script.split("[CmdletBinding")[0]
    assert "#   Outbound connector 'CodeTwo Email Signatures 365 connector'" in header
    assert "#   Transport rule 'Route outbound mail through Mimecast'" in header
    assert "#     RuleErrorAction = 'Defer'" in header
    assert "It removes nothing" in header
    assert script.index("New-OutboundConnector @parameters") < script.index("New-TransportRule @parameters")
    assert script.index("New-TransportRule @parameters") < script.index("Enable-TransportRule -Identity")


def test_prune_lists_then_removes(mailflow):
    result = mailflow("export", EXAMPLE, "--to", "powershell", "--prune")
    assert result.returncode == 0, result.stderr
    script = result.stdout
    listed = script.index("Write-Warning \"Transport rule '$name' is not in the file")
    assert listed < script.index("New-OutboundConnector @parameters")
    removed = script.index("Remove-TransportRule -Identity $name")
    assert script.index("Enable-TransportRule -Identity") < removed < script.index("Remove-OutboundConnector -Identity $name")
    assert "$fileConnectors = @('CodeTwo Email Signatures 365 connector', 'Mimecast Outbound Connector')" in script


def test_prune_is_only_for_the_script(mailflow):
    result = mailflow("export", EXAMPLE, "--to", "m365dsc", "--prune")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "`--prune` is for `--to powershell`" in result.stderr


def test_a_file_with_errors_is_refused(mailflow, tmp_path):
    broken = write(tmp_path / "broken.mailflow.yaml", RULE_FILE.format(name="Loop guard") + "    priority: [\n")
    target = tmp_path / "apply.ps1"
    result = mailflow("export", broken, "--to", "powershell", "-o", target)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "cannot export" in result.stderr and "MF00" in result.stderr
    assert f"{broken}:" in result.stderr
    assert not target.exists()


def test_a_name_past_64_characters_is_refused_naming_the_rule(mailflow, tmp_path):
    name = "R" * 65
    long = write(tmp_path / "long.mailflow.yaml", RULE_FILE.format(name=name))
    for target in ["powershell", "m365dsc"]:
        result = mailflow("export", long, "--to", target)
        assert result.returncode == 2
        assert result.stdout == ""
        assert f"`{name}`" in result.stderr
        assert "65 characters; Exchange allows at most 64" in result.stderr
    exact = write(tmp_path / "exact.mailflow.yaml", RULE_FILE.format(name="R" * 64))
    assert mailflow("export", exact, "--to", "powershell").returncode == 0


def test_quotes_and_non_ascii_are_written_literally(mailflow, tmp_path):
    name = "\"It's $(Get-Date) `n ’x’ é 日本\""
    source = write(tmp_path / "quotes.mailflow.yaml", RULE_FILE.format(name=name))
    script = mailflow("export", source, "--to", "powershell")
    assert script.returncode == 0, script.stderr
    assert "Name                                = 'It''s $(Get-Date) `n ’’x’’ é 日本'" in script.stdout
    configuration = mailflow("export", source, "--to", "m365dsc")
    assert configuration.returncode == 0, configuration.stderr
    assert 'Name                                = "It\'s `$(Get-Date) ``n ’x’ é 日本";' in configuration.stdout


def test_never_writes_over_the_file_exported(mailflow, tmp_path):
    source = write(tmp_path / "tenant.mailflow.yaml", EXAMPLE.read_text())
    result = mailflow("export", source, "--to", "powershell", "-o", source)
    assert result.returncode == 2
    assert "never overwrites its input" in result.stderr
    assert source.read_text() == EXAMPLE.read_text()


def test_a_missing_file_is_exit_2(mailflow, tmp_path):
    result = mailflow("export", tmp_path / "nothing.mailflow.yaml", "--to", "powershell")
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_findings_go_to_stderr_and_the_script_still_comes(mailflow):
    # This example is kept broken on purpose: the script is written all the same, and the
    # check says what is wrong beside it.
    result = mailflow("export", EXAMPLES / "broken-signature-loop.mailflow.yaml", "--to", "powershell")
    assert result.returncode == 0
    assert result.stdout.startswith("# Exchange Online apply script")
    assert "error MF304" in result.stderr


def test_two_rules_of_one_name_are_refused(mailflow, tmp_path):
    twice = RULE_FILE.format(name="Loop guard") + (
        "  - name: LOOP GUARD\n    priority: 1\n    conditions: {senderIs: outside}\n"
        "    actions: {removeHeader: X-Loop}\n"
    )
    source = write(tmp_path / "twice.mailflow.yaml", twice)
    result = mailflow("export", source, "--to", "powershell")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "`LOOP GUARD`: `Name`: is the name of another TransportRule too" in result.stderr
