"""`mailflow import`: exports of `Get-TransportRule`, `Get-OutboundConnector` and
`Get-AcceptedDomain` piped to `ConvertTo-Json` (server/tests/import_json/, whose README says
what each is) written as one mail-flow file, to standard output or to `-o`, and checked."""

import json
import os
import subprocess

import pytest

from conftest import ROOT, binary

EXPORTS = ROOT / "server" / "tests" / "import_json"
TENANT = [EXPORTS / "codetwo-mimecast" / name for name in ("rules.json", "connectors.json", "domains.json")]
BAD = sorted((EXPORTS / "bad").iterdir())


def run(*args, cwd=None):
    """`mailflow ARGS...` with the date pinned (the header names the day of the import)."""
    return subprocess.run(
        [str(binary()), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", "SOURCE_DATE_EPOCH": "1767225600"},
    )


def codes(path) -> list[str]:
    result = run("check", "--format", "json", path)
    assert result.returncode in (0, 1), result.stderr
    return sorted(d["code"] for d in json.loads(result.stdout)["diagnostics"])


def test_stdout_is_the_file_and_the_check_goes_to_stderr():
    result = run("import", *TENANT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "# Imported by mailflow 0.1.0 on 2026-01-01 from:\n"
        "#   rules.json (3 transport rules)\n"
        "#   connectors.json (2 outbound connectors)\n"
        "#   domains.json (3 accepted domains)\n"
    ), result.stdout
    assert "\nmailflow: 1\n" in result.stdout
    # The notes and the check's concise report are on standard error only.
    assert "note:" not in result.stdout and "MF104" not in result.stdout
    assert "note: " in result.stderr and "not listed" in result.stderr
    assert "error MF104 [smart-host-rule-before-signature]" in result.stderr
    assert result.stderr.rstrip().endswith("Found 3 errors, 2 warnings, 0 hints in 1 file. 2 can be fixed automatically.")


def test_output_file_gets_what_stdout_would(tmp_path):
    printed = run("import", *TENANT)
    output = tmp_path / "tenant.mailflow.yaml"
    result = run("import", *TENANT, "-o", output)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    assert output.read_text() == printed.stdout
    # The report names the file written, so that its positions can be followed.
    assert f"{output}:" in result.stderr
    assert codes(output) == ["MF101", "MF104", "MF306", "MF310", "MF311"]


def test_an_existing_output_is_replaced_only_with_force(tmp_path):
    output = tmp_path / "tenant.mailflow.yaml"
    output.write_text("# mine\n")
    refused = run("import", *TENANT, "--output", output)
    assert refused.returncode == 2
    assert "exists" in refused.stderr and "--force" in refused.stderr
    assert output.read_text() == "# mine\n"
    forced = run("import", *TENANT, "--output", output, "--force")
    assert forced.returncode == 0, forced.stderr
    assert output.read_text().startswith("# Imported by mailflow")


def test_an_export_is_never_the_output(tmp_path):
    export = tmp_path / "rules.json"
    export.write_bytes(TENANT[0].read_bytes())
    result = run("import", export, "-o", export, "--force")
    assert result.returncode == 2
    assert export.read_bytes() == TENANT[0].read_bytes()


def test_to_dsl_writes_the_same_mail_flow(tmp_path):
    yaml = tmp_path / "tenant.mailflow.yaml"
    dsl = tmp_path / "tenant.mailflow"
    assert run("import", *TENANT, "-o", yaml).returncode == 0
    result = run("import", *TENANT, "--to", "dsl", "-o", dsl)
    assert result.returncode == 0, result.stderr
    text = dsl.read_text()
    assert text.startswith("# Imported by mailflow") and "\nmailflow: 1" not in text
    assert codes(dsl) == codes(yaml)
    # And it is what converting the YAML import gives.
    assert run("convert", yaml, "--to", "dsl").stdout == text


def test_organization_name(tmp_path):
    result = run("import", *TENANT, "--organization-name", "Fabrikam Ltd")
    assert result.returncode == 0, result.stderr
    assert "\norganization:\n  name: Fabrikam Ltd\n  domains: [fabrikam.com, fabrikam.onmicrosoft.com]\n" in result.stdout


def test_utf16_with_a_byte_order_mark(tmp_path):
    wide = tmp_path / "rules.json"
    wide.write_bytes(b"\xff\xfe" + TENANT[0].read_text(encoding="utf-8").encode("utf-16-le"))
    assert run("import", wide).stdout == run("import", TENANT[0]).stdout


@pytest.mark.parametrize("bad", BAD, ids=lambda p: p.name)
def test_bad_input_is_exit_2_and_writes_nothing(tmp_path, bad):
    output = tmp_path / "tenant.mailflow.yaml"
    result = run("import", TENANT[1], bad, "-o", output)
    assert result.returncode == 2
    assert not output.exists()
    assert result.stdout == ""
    assert result.stderr.startswith(f"mailflow: error: {bad}"), result.stderr
    # Without -o, nothing on standard output either.
    printed = run("import", bad)
    assert (printed.returncode, printed.stdout) == (2, "")


def test_bad_input_names_the_object_and_the_field():
    result = run("import", EXPORTS / "bad" / "state-number.json")
    assert result.returncode == 2
    assert "state-number.json, TransportRule 2 `CodeTwo Exchange transport rule`: `State`: is the number 0" in result.stderr
    assert "-EnumsAsStrings" in result.stderr


def test_format_list_output_is_not_an_export():
    result = run("import", EXPORTS / "bad" / "format-list.txt")
    assert result.returncode == 2
    assert "format-list.txt: not an export mailflow reads" in result.stderr


def test_a_utf16_export_cut_in_half(tmp_path):
    wide = b"\xff\xfe" + TENANT[0].read_text(encoding="utf-8").encode("utf-16-le")
    cut = tmp_path / "rules.json"
    cut.write_bytes(wide[: len(wide) // 2 + 1])
    result = run("import", cut, "-o", tmp_path / "out.yaml")
    assert result.returncode == 2
    assert f"{cut}" in result.stderr and "cut short" in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_every_problem_of_every_export_is_reported_at_once():
    result = run("import", EXPORTS / "shallow-depth.json", EXPORTS / "bad" / "mode-number.json")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("mailflow: error: ")]
    assert len(errors) == 4, result.stderr
    assert sum("-Depth 6" in line for line in errors) == 3
    assert sum("`Mode`: is the number 2" in line for line in errors) == 1
