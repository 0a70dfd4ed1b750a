"""`mailflow diff FILE EXPORTS...`: the tenant's exports compared with the file, as a plan
(text) or one JSON document; exit 0 when they agree, 1 when they differ, 2 when nothing
could be compared (see docs/diff.md)."""

import json

import pytest

from conftest import ROOT

EXPORTS = ROOT / "server" / "tests" / "import_json"
RULES, CONNECTORS, DOMAINS = (EXPORTS / "codetwo-mimecast" / name for name in ("rules.json", "connectors.json", "domains.json"))
TENANT = [RULES, CONNECTORS, DOMAINS]


@pytest.fixture
def imported(mailflow, tmp_path):
    """The tenant imported as a YAML file: what the file says equals the exports."""
    path = tmp_path / "tenant.mailflow.yaml"
    result = mailflow("import", *TENANT, "-o", path)
    assert result.returncode == 0, result.stderr
    return path


def edit(path, old, new, count=1):
    text = path.read_text()
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count))


def test_in_sync_is_exit_0(mailflow, imported):
    result = mailflow("diff", imported, *TENANT)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout == f"No drift: `{imported}` and the tenant agree (7 objects compared).\n"


def test_the_dsl_file_compares_alike(mailflow, imported, tmp_path):
    dsl = tmp_path / "tenant.mailflow"
    assert mailflow("convert", imported, "--to", "dsl", "-o", dsl).returncode == 0
    assert mailflow("diff", dsl, *TENANT).returncode == 0


def test_differences_are_a_plan_and_exit_1(mailflow, imported):
    # The file puts the CodeTwo rule first, as the guide says, stops the tagging rule, drops
    # it... and knows a connector the tenant does not have.
    edit(imported, "priority: 0", "priority: 2")
    edit(imported, "  - name: Tag external senders\n    priority: 2\n", "  - name: Tag external senders\n    priority: 0\n")
    edit(imported, "    comments: Created by CodeTwo", "    mode: audit\n    comments: Created by CodeTwo")
    text = imported.read_text()
    imported.write_text(
        text.replace("\ntransportRules:", "\n  - name: Spare relay\n    smartHosts: [relay.fabrikam.net]\n\ntransportRules:")
    )
    result = mailflow("diff", imported, *TENANT)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "+ OutboundConnector 'Spare relay' (in the file, not in the tenant)",
        "~ TransportRule 'Tag external senders': Priority 2 → 0",
        "~ TransportRule 'CodeTwo Exchange transport rule': Mode 'Enforce' → 'Audit'",
        "~ TransportRule 'Route outbound mail through Mimecast': Priority 0 → 2",
        "",
        f"`{imported}` and the tenant differ: 3 objects changed, 1 only in the file, 0 only in the tenant.",
    ]


def test_an_object_only_in_the_tenant(mailflow, imported):
    text = imported.read_text()
    start = text.index("  - name: Tag external senders")
    imported.write_text(text[:start].rstrip("\n") + "\n")
    result = mailflow("diff", imported, *TENANT)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "- TransportRule 'Tag external senders' (in the tenant, not in the file)"


def test_json_has_the_documented_shape(mailflow, imported):
    edit(imported, "priority: 0", "priority: 2")
    edit(imported, "  - name: Tag external senders\n    priority: 2\n", "  - name: Tag external senders\n    priority: 0\n")
    edit(imported, "fabrikam.onmicrosoft.com]", "fabrikam.onmicrosoft.com, fabrikam.de]")
    result = mailflow("diff", imported, *TENANT, "--format", "json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"version", "file", "exports", "acceptedDomainsCompared", "inSync", "changes", "summary"}
    assert document["version"] == 1
    assert document["file"] == str(imported)
    assert document["exports"] == [str(path) for path in TENANT]
    assert document["acceptedDomainsCompared"] is True
    assert document["inSync"] is False
    assert document["summary"] == {"objects": 8, "changed": 2, "onlyInFile": 1, "onlyInTenant": 0}
    by_name = {change["name"]: change for change in document["changes"]}
    assert by_name["Route outbound mail through Mimecast"] == {
        "kind": "TransportRule",
        "name": "Route outbound mail through Mimecast",
        "change": "changed",
        "properties": [{"property": "Priority", "tenant": 0, "file": 2}],
    }
    assert by_name["fabrikam.de"] == {
        "kind": "AcceptedDomain",
        "name": "fabrikam.de",
        "change": "onlyInFile",
        "file": {"DomainName": "fabrikam.de"},
    }


def test_json_in_sync(mailflow, imported):
    result = mailflow("diff", imported, *TENANT, "--format", "json")
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert (document["inSync"], document["changes"]) == (True, [])
    assert document["summary"] == {"objects": 7, "changed": 0, "onlyInFile": 0, "onlyInTenant": 0}


def test_accepted_domains_only_with_their_export(mailflow, imported):
    edit(imported, "fabrikam.onmicrosoft.com]", "fabrikam.onmicrosoft.com, fabrikam.de]")
    without = mailflow("diff", imported, RULES, CONNECTORS)
    assert without.returncode == 0, without.stdout
    assert "accepted domains not compared (no Get-AcceptedDomain export)" in without.stdout
    with_domains = mailflow("diff", imported, *TENANT)
    assert with_domains.returncode == 1
    assert "+ AcceptedDomain 'fabrikam.de' (in the file, not in the tenant)" in with_domains.stdout


def test_exchange_only_properties_are_no_drift(mailflow, imported, tmp_path):
    # The tenant's connectors change their TLS settings and comments: the file says nothing of them.
    connectors = json.loads(CONNECTORS.read_text(encoding="utf-8"))
    for connector in connectors:
        connector["TlsSettings"] = "DomainValidation"
        connector["Comment"] = "changed in the admin center"
        connector["WhenChanged"] = "2026-01-02T00:00:00+00:00"
    changed = tmp_path / "connectors.json"
    changed.write_text(json.dumps(connectors, indent=2))
    assert mailflow("diff", imported, RULES, changed, DOMAINS).returncode == 0


def test_a_missing_export_is_pointed_out(mailflow, imported):
    result = mailflow("diff", imported, RULES, DOMAINS)
    assert result.returncode == 1
    assert result.stdout.count("(in the file, not in the tenant)") == 2
    assert "note: the exports hold no OutboundConnector: if the tenant has some, add the export of `Get-OutboundConnector`" in result.stdout


def test_a_file_with_errors_is_refused_exit_2(mailflow, tmp_path):
    broken = tmp_path / "broken.mailflow.yaml"
    broken.write_text("mailflow: 1\ntransportRules:\n  - name: A\n    priorty: 0\n")
    for fmt in ("text", "json"):
        result = mailflow("diff", broken, *TENANT, "--format", fmt)
        assert (result.returncode, result.stdout) == (2, "")
        assert "cannot compare" in result.stderr
        assert f"{broken}:4:5: MF002" in result.stderr


@pytest.mark.parametrize("bad", sorted((EXPORTS / "bad").iterdir()), ids=lambda p: p.name)
def test_an_unreadable_export_is_exit_2(mailflow, imported, bad):
    result = mailflow("diff", imported, RULES, bad, "--format", "json")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"mailflow: error: {bad}"), result.stderr


def test_missing_paths_are_exit_2(mailflow, imported, tmp_path):
    assert mailflow("diff", tmp_path / "nothing.mailflow.yaml", *TENANT).returncode == 2
    assert mailflow("diff", imported, tmp_path / "nothing.json").returncode == 2
    # An export is required.
    assert mailflow("diff", imported).returncode == 2
