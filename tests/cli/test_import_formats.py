"""`mailflow import` on a Microsoft365DSC configuration, a Microsoft Graph configuration
snapshot and Export-TransportRuleCollection's XML: each recognised by its content whatever
its name or encoding, written where asked; what cannot be read without running PowerShell is
refused with exit 2, a message naming the file, the place, the object and the field, and
nothing written."""

import json
import pathlib
import shutil

import pytest

from conftest import ROOT

FIXTURES = ROOT / "server" / "tests" / "import"
TENANT = FIXTURES / "m365dsc" / "tenant.ps1"
SNAPSHOT = FIXTURES / "graph" / "snapshot.json"
RULES = FIXTURES / "xml" / "rules.xml"


def codes(mailflow, path) -> list[str]:
    result = mailflow("check", "--format", "json", path)
    assert result.returncode in (0, 1), result.stderr
    return sorted(d["code"] for d in json.loads(result.stdout)["diagnostics"])


def refused(result, output: pathlib.Path | None = None) -> str:
    """The error lines of a refused import, after checking that nothing was written."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    if output is not None:
        assert not output.exists()
    return result.stderr


@pytest.mark.parametrize(
    "export, expected",
    [(TENANT, []), (SNAPSHOT, []), (RULES, ["MF006", "MF006", "MF308"])],
    ids=["m365dsc", "graph-snapshot", "rule-collection-xml"],
)
def test_each_format_is_written_to_the_output_and_checks(mailflow, tmp_path, export, expected):
    output = tmp_path / "tenant.mailflow.yaml"
    result = mailflow("import", export, "--output", output)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = output.read_text()
    assert text.startswith("# Imported by mailflow ")
    assert f"#   {export.name} (" in text
    assert codes(mailflow, output) == expected


def test_the_format_is_told_by_content_not_by_name_or_encoding(mailflow, tmp_path):
    plain = mailflow("import", TENANT)
    assert plain.returncode == 0, plain.stderr
    # A configuration saved by Windows PowerShell: UTF-16LE with a byte order mark, CRLF, and a
    # name that says JSON.
    disguised = tmp_path / "rules.json"
    disguised.write_bytes(b"\xff\xfe" + TENANT.read_text().replace("\n", "\r\n").encode("utf-16-le"))
    result = mailflow("import", disguised)
    assert result.returncode == 0, result.stderr
    body = lambda text: text.split("\n", 2)[2]  # noqa: E731 - past the header's two lines
    assert body(result.stdout) == body(plain.stdout)
    # The snapshot and the XML under each other's names.
    (tmp_path / "rules.xml").write_bytes(SNAPSHOT.read_bytes())
    (tmp_path / "snapshot.json").write_bytes(RULES.read_bytes())
    assert mailflow("import", tmp_path / "rules.xml").stdout.count("name: ") == 3
    assert "rule \"Proofpoint outbound\"" in mailflow("import", tmp_path / "snapshot.json", "--to", "dsl").stdout


def test_the_organization_name_fills_in_organization_name(mailflow, tmp_path):
    source = tmp_path / "tenant.ps1"
    # Without the accepted domain that names the tenant, `$OrganizationName` is unknown...
    source.write_text(TENANT.read_text().replace('Identity              = "contoso.onmicrosoft.com";', 'Identity = "contoso.net";'))
    stderr = refused(mailflow("import", source))
    assert "`Comments`: `$OrganizationName` stands for the tenant's name" in stderr
    assert "EXOTransportRule `EXOTransportRule-CodeTwo Exchange transport rule`" in stderr
    # ... until the flag gives it.
    result = mailflow("import", source, "--organization-name", "contoso.onmicrosoft.com")
    assert result.returncode == 0, result.stderr
    assert "for contoso.onmicrosoft.com. Routes messages" in result.stdout
    assert "name: contoso.onmicrosoft.com" in result.stdout


def test_the_configuration_data_beside_a_configuration_names_the_tenant(mailflow, tmp_path):
    source = tmp_path / "relay.ps1"
    source.write_text(
        (FIXTURES / "m365dsc" / "unresolved.ps1")
        .read_text()
        .replace("@($ConfigurationData.NonNodeData.RelayHost)", "@('relay.fabrikam.com')")
    )
    data = FIXTURES / "m365dsc" / "ConfigurationData.psd1"
    result = mailflow("import", source, data)
    assert result.returncode == 0, result.stderr
    assert "senderDomainIs: [fabrikamcorp.onmicrosoft.com]" in result.stdout
    assert "#   ConfigurationData.psd1 (configuration data)" in result.stdout
    assert "note: " + str(data) + ": `$OrganizationName` is `fabrikamcorp.onmicrosoft.com`" in result.stderr
    # The flag wins.
    result = mailflow("import", source, data, "--organization-name", "contoso.onmicrosoft.com")
    assert "senderDomainIs: [contoso.onmicrosoft.com]" in result.stdout


def test_a_loop_is_refused_where_it_is(mailflow, tmp_path):
    output = tmp_path / "out.mailflow.yaml"
    stderr = refused(mailflow("import", FIXTURES / "m365dsc" / "loop.ps1", "-o", output), output)
    assert "loop.ps1:19:9: a loop (`foreach`) in Node `localhost`" in stderr
    assert "never" in stderr and "Export-M365DSCConfiguration" in stderr
    for loop in ["$Footers | ForEach-Object {", "for ($i = 0; $i -lt 2; $i++) {", "while ($true) {"]:
        source = tmp_path / "loop.ps1"
        source.write_text(
            "Configuration C {\n  Import-DscResource -ModuleName Microsoft365DSC\n  Node localhost {\n"
            f"    {loop}\n      EXOTransportRule \"x\" {{ Name = 'x' }}\n    }}\n  }}\n}}\n"
        )
        stderr = refused(mailflow("import", source, "-o", output), output)
        assert f"{source.name}:4:" in stderr and "a loop (`" in stderr, stderr


def test_unresolved_variables_name_file_object_and_field(mailflow, tmp_path):
    output = tmp_path / "out.mailflow.yaml"
    stderr = refused(mailflow("import", FIXTURES / "m365dsc" / "unresolved.ps1", "-o", output), output)
    lines = stderr.splitlines()
    assert len(lines) == 2, stderr
    assert lines[0].endswith(
        "unresolved.ps1:17:39, EXOOutboundConnector `EXOOutboundConnector-Relay`: `SmartHosts`: "
        "`$ConfigurationData.NonNodeData.RelayHost` gets its value only when PowerShell runs the configuration, "
        "which mailflow never does: write the value in its place"
    ), lines[0]
    assert "EXOTransportRule `EXOTransportRule-Relay`: `SenderDomainIs`: `$OrganizationName`" in lines[1]


def test_bad_values_name_the_object_and_the_field(mailflow, tmp_path):
    source = tmp_path / "tenant.ps1"
    source.write_text(TENANT.read_text().replace('Ensure                = "Absent";', 'Ensure = "Gone";'))
    stderr = refused(mailflow("import", source))
    assert "TransportRule 4 `Old Exclaimer rule`: `Ensure`: expected \"Present\" or \"Absent\", found `Gone`" in stderr
    source.write_text(TENANT.read_text().replace('Mode                                = "Audit";', "Mode = 'Sometimes';"))
    stderr = refused(mailflow("import", source))
    assert "TransportRule 3 `Tag external senders`: `Mode`: `Sometimes` is not one of" in stderr
    source.write_text(TENANT.read_text().replace('Priority                            = 2;', "Priority = 'a' + 'b';"))
    stderr = refused(mailflow("import", source))
    assert "tenant.ps1:166:28, EXOTransportRule `EXOTransportRule-Tag external senders`: `Priority`: `+` after a value" in stderr


def test_rule_collection_problems_name_the_rule_and_the_field(mailflow, tmp_path):
    text = RULES.read_bytes().decode("utf-16")
    source = tmp_path / "rules.xml"
    source.write_bytes(b"\xff\xfe" + text.replace("-SetHeaderValue 'true'", "-SetHeaderValue $Marker").encode("utf-16-le"))
    stderr = refused(mailflow("import", source))
    assert "rules.xml:17:" in stderr and "rule 2 `Proofpoint outbound`: `SetHeaderValue`: `$Marker`" in stderr, stderr
    source.write_bytes(b"\xff\xfe" + text[: len(text) // 2].encode("utf-16-le"))
    stderr = refused(mailflow("import", source))
    assert "rules.xml:" in stderr and "not valid XML" in stderr


def test_the_snapshot_job_is_not_the_snapshot(mailflow, tmp_path):
    job = tmp_path / "job.json"
    job.write_text(
        json.dumps(
            {
                "id": "c91a1470-acc9-4585-bc03-522ae898f82f",
                "status": "succeeded",
                "resources": ["microsoft.exchange.transportrule"],
                "resourceLocation": "https://graph.microsoft.com/beta/admin/configurationManagement/configurationSnapshots('c91a')",
            }
        )
    )
    stderr = refused(mailflow("import", job))
    assert "job.json: the snapshot job, not the snapshot" in stderr


def test_anything_else_is_refused_with_what_is_read(mailflow, tmp_path):
    script = tmp_path / "script.ps1"
    script.write_text("Get-TransportRule | Export-Csv rules.csv\n")
    stderr = refused(mailflow("import", script))
    for accepted in [
        "ConvertTo-Json",
        "Microsoft365DSC configuration",
        "ConfigurationData.psd1",
        "Graph configuration snapshot",
        "Export-TransportRuleCollection",
    ]:
        assert accepted in stderr
    web = tmp_path / "web.ps1"
    web.write_text("Configuration Web {\n  Node localhost {\n    File Index { DestinationPath = 'C:\\web\\index.html' }\n  }\n}\n")
    assert "not an export mailflow reads" in refused(mailflow("import", web))


def test_several_formats_together(mailflow, tmp_path):
    # The snapshot's accepted domains name the tenant for the configuration's `$OrganizationName`.
    source = tmp_path / "relay.ps1"
    shutil.copy(FIXTURES / "m365dsc" / "unresolved.ps1", source)
    source.write_text(source.read_text().replace("@($ConfigurationData.NonNodeData.RelayHost)", "@('relay.fabrikam.com')"))
    result = mailflow("import", source, SNAPSHOT)
    assert result.returncode == 0, result.stderr
    assert "senderDomainIs: [fabrikamcorp.onmicrosoft.com]" in result.stdout
    assert "#   relay.ps1 (1 transport rule, 1 outbound connector)" in result.stdout
    assert "#   snapshot.json (2 transport rules, 2 outbound connectors, 2 accepted domains)" in result.stdout


@pytest.mark.parametrize(
    "example", sorted((ROOT / "examples").glob("*.mailflow.yaml")), ids=lambda path: path.name
)
def test_an_exported_configuration_imports_as_the_tenant_it_came_from(mailflow, tmp_path, example):
    """export --to m365dsc, import, export again: the same configuration, but for its comments."""
    first = tmp_path / "first.ps1"
    result = mailflow("export", example, "--to", "m365dsc", "-o", first)
    assert result.returncode == 0, result.stderr
    imported = tmp_path / "imported.mailflow.yaml"
    result = mailflow("import", first, "-o", imported)
    assert result.returncode == 0, result.stderr
    second = tmp_path / "second.ps1"
    result = mailflow("export", imported, "--to", "m365dsc", "-o", second)
    assert result.returncode == 0, result.stderr
    assert uncommented(second) == uncommented(first)


def uncommented(path: pathlib.Path) -> list[str]:
    """The lines of a written configuration that are not comments (its header names its source)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return [line for line in lines if not line.lstrip().startswith("#")]
