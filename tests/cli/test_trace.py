"""`mailflow trace`: the simulated path of one message, as text, JSON and Mermaid."""

import json

from conftest import EXAMPLES

CORRECT = EXAMPLES / "codetwo-mimecast.mailflow.yaml"
LOOP = EXAMPLES / "broken-signature-loop.mailflow.yaml"


def test_text_follows_the_guides_fig_1a(mailflow):
    result = mailflow("trace", CORRECT, "--to", "someone@fabrikam.com")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "A message from inside to someone@fabrikam.com"
    assert "Pass 1 through Exchange Online:" in lines
    assert any("stamps X-CodeTwoProcessed: true" in l for l in lines)
    assert "  sets X-AntiLoop-Smarthost: true" in lines
    assert lines[-1] == "Ends: delivered by smart host `Mimecast Outbound Connector`"


def test_inside_recipient_goes_to_the_mailbox(mailflow):
    result = mailflow("trace", CORRECT, "--from", "outside", "--to", "user@contoso.com", "--format", "json")
    document = json.loads(result.stdout)
    assert document["message"] == {"from": "outside", "to": "user@contoso.com"}
    (path,) = document["paths"]
    assert path["ending"]["kind"] == "delivered-to-mailbox"
    assert [p["route"]["kind"] for p in path["passes"]] == ["mailbox"]


def test_json_shows_the_loop(mailflow):
    document = json.loads(mailflow("trace", LOOP, "--format", "json").stdout)
    (path,) = document["paths"]
    assert path["ending"]["kind"] == "loop"
    assert [p["route"]["kind"] for p in path["passes"]] == ["rule", "rule"]
    assert path["passes"][0]["rulesApplied"][0]["name"] == "CodeTwo Exchange transport rule"


def test_mermaid_draws_the_flow(mailflow):
    out = mailflow("trace", LOOP, "--format", "mermaid").stdout
    assert out.startswith("flowchart LR\n")
    assert 'sender(["Sender (inside)"])' in out
    assert "-- \"CodeTwo Exchange transport rule\" -->" in out
    assert "looped" in out


def test_bad_input_is_a_clear_error(mailflow, tmp_path):
    missing = mailflow("trace", tmp_path / "none.mailflow.yaml")
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    bad_to = mailflow("trace", CORRECT, "--to", "fabrikam.com")
    assert bad_to.returncode == 2 and "not an address" in bad_to.stderr
