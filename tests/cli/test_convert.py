"""`mailflow convert`: YAML to the DSL and back, to stdout or a file, refusing what it cannot
convert faithfully, with the comments beside what they were written beside."""

import json
import pathlib

import pytest

from conftest import EXAMPLES

YAML_EXAMPLES = sorted(EXAMPLES.glob("*.mailflow.yaml"))

COMMENTED = """# Contoso's mail flow.
# expect: none

mailflow: 1

connectors:
  # Created by the Mimecast wizard.
  - name: Mimecast   # mailflow: ignore[MF203]
    use: transport-rule
    recipientDomains: ["*"]   # left over
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
"""


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.write_text(text)
    return path


def findings(mailflow, path) -> list[tuple[str, str]]:
    """Each finding of `mailflow check` on `path` as (code, message), sorted."""
    result = mailflow("check", "--format", "json", path)
    assert result.returncode in (0, 1), result.stderr
    return sorted((d["code"], d["message"]) for d in json.loads(result.stdout)["diagnostics"])


@pytest.mark.parametrize("path", YAML_EXAMPLES, ids=lambda p: p.name)
def test_yaml_to_dsl_prints_the_committed_twin(mailflow, path):
    result = mailflow("convert", path, "--to", "dsl")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == path.with_suffix("").read_text()


@pytest.mark.parametrize("path", YAML_EXAMPLES, ids=lambda p: p.name)
def test_the_dsl_twin_converts_back_to_yaml_with_the_same_findings(mailflow, tmp_path, path):
    output = tmp_path / path.name
    result = mailflow("convert", path.with_suffix(""), "--to", "yaml", "--output", output)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert [code for code, _ in findings(mailflow, output)] == [code for code, _ in findings(mailflow, path)]
    # The header block and its `# expect:` line come along.
    text = output.read_text()
    assert text.startswith("# ")
    assert "\n# expect: " in text


def test_output_is_written_and_reads_back(mailflow, tmp_path):
    source = write(tmp_path / "tenant.mailflow.yaml", COMMENTED)
    target = tmp_path / "tenant.mailflow"
    result = mailflow("convert", source, "--to", "dsl", "--output", target)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert source.read_text() == COMMENTED
    # The DSL file's messages are in the DSL's words; back in YAML they are the same again.
    assert [code for code, _ in findings(mailflow, target)] == [code for code, _ in findings(mailflow, source)]
    back = tmp_path / "back.mailflow.yaml"
    assert mailflow("convert", target, "--to", "yaml", "-o", back).returncode == 0
    assert findings(mailflow, back) == findings(mailflow, source)


def test_comments_travel_with_their_objects(mailflow, tmp_path):
    source = write(tmp_path / "tenant.mailflow.yaml", COMMENTED)
    dsl = mailflow("convert", source, "--to", "dsl").stdout
    assert dsl == (
        "# Contoso's mail flow.\n"
        "# expect: none\n"
        "\n"
        "mailflow 1\n"
        "\n"
        "# Created by the Mimecast wizard.\n"
        'connector "Mimecast" { # mailflow: ignore[MF203]\n'
        "  use transport-rule\n"
        '  recipient-domains "*" # left over\n'
        '  smart-hosts "eu-smtp-o365-outbound-1.mimecast.com"\n'
        "}\n"
    )
    # The ignore comment still silences MF203 on the connector.
    target = write(tmp_path / "tenant.mailflow", dsl)
    assert "MF203" not in [code for code, _ in findings(mailflow, target)]
    yaml = mailflow("convert", target, "--to", "yaml").stdout
    assert "  # Created by the Mimecast wizard.\n  - name: Mimecast  # mailflow: ignore[MF203]\n" in yaml
    assert '    recipientDomains: ["*"]  # left over\n' in yaml


def test_errors_that_would_be_lost_are_refused(mailflow, tmp_path):
    source = write(tmp_path / "bad.mailflow.yaml", "mailflow: 1\nconnectors:\n  - name: A\n    smarthosts: [a.example]\n")
    target = tmp_path / "bad.mailflow"
    result = mailflow("convert", source, "--to", "dsl", "--output", target)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "cannot convert" in result.stderr and "MF001-MF004" in result.stderr
    assert f"{source}:4:5: MF002 unknown key `smarthosts`" in result.stderr
    assert not target.exists()


def test_a_syntax_error_in_the_dsl_is_refused(mailflow, tmp_path):
    source = write(tmp_path / "bad.mailflow", 'mailflow 1\nconnector "A" {\n  smart-hosts\n}\n')
    result = mailflow("convert", source, "--to", "yaml")
    assert result.returncode == 2
    assert "MF001" in result.stderr


def test_what_the_dsl_cannot_write_is_refused(mailflow, tmp_path):
    source = write(tmp_path / "empty.mailflow.yaml", "mailflow: 1\nconnectors:\n  - name: A\n    recipientDomains: []\n")
    result = mailflow("convert", source, "--to", "dsl")
    assert result.returncode == 2
    assert f"{source}:4:23: connector `A`: `recipientDomains` is an empty list" in result.stderr
    # YAML writes it.
    assert mailflow("convert", source, "--to", "yaml").returncode == 0


def test_the_input_is_never_overwritten(mailflow, tmp_path):
    source = write(tmp_path / "tenant.mailflow.yaml", COMMENTED)
    result = mailflow("convert", source, "--to", "yaml", "--output", tmp_path / "." / "tenant.mailflow.yaml")
    assert result.returncode == 2
    assert "never overwrites its input" in result.stderr
    assert source.read_text() == COMMENTED


def test_a_missing_file_is_trouble(mailflow, tmp_path):
    result = mailflow("convert", tmp_path / "nothing.mailflow", "--to", "yaml")
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_the_target_syntax_is_required(mailflow, tmp_path):
    result = mailflow("convert", write(tmp_path / "tenant.mailflow.yaml", COMMENTED))
    assert result.returncode == 2
    assert "--to" in result.stderr
