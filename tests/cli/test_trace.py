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


# Exclaimer's own setup (server/tests/real_world/): an Out of Office rule above the
# signature rule stamps the processed header; the signature rule excepts the null sender,
# large messages and calendar items.
EXCLAIMER = EXAMPLES.parent / "server" / "tests" / "real_world" / "exclaimer-cloud-all-users.mailflow.yaml"


def test_text_follows_each_class_and_says_why_it_leaves_unsigned(mailflow):
    result = mailflow("trace", EXCLAIMER, "--to", "someone@fabrikam.com")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("A message from inside to someone@fabrikam.com\n")
    assert "The rules tell these messages apart too:" in out
    assert (
        "Leaves unsigned: out of the signature scope: excepted by `messageSizeOver` on "
        "`Identify messages to send to Exclaimer Cloud`" in out
    )
    assert "by the header `X-ExclaimerHostedSignatures-MessageProcessed`, which " in out
    # The ordinary message and the one just under the size limit are signed: no such line.
    ordinary = out.split("\n\n")[0]
    assert "Leaves unsigned" not in ordinary


def test_json_lists_the_classes_with_their_scope(mailflow):
    document = json.loads(mailflow("trace", EXCLAIMER, "--to", "someone@fabrikam.com", "--format", "json").stdout)
    assert document["signatureScope"] == {"in": True}
    assert document["unsigned"] is None
    kinds = {c["message"]["kind"]: c for c in document["classes"]}
    null_sender = kinds["a message from the null sender <> to someone@fabrikam.com"]
    assert null_sender["signatureScope"]["in"] is False
    assert "senderAddressMatches" in null_sender["signatureScope"]["why"]


def test_a_dsl_file_words_the_reason_in_dsl(mailflow):
    dsl = EXCLAIMER.with_suffix("")  # the DSL twin: *.mailflow
    out = mailflow("trace", dsl, "--to", "someone@fabrikam.com").stdout
    assert "excepted by `except message size over` on" in out
