"""`mailflow.headers` (workspace/executeCommand) through a real `mailflow lsp` process: a
message's headers alone, then held against an open mail-flow file (issue 12)."""

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
import pytest

from conftest import ROOT
from test_lsp import Doc, copy_example, session, within

pytestmark = [pytest.mark.asyncio, pytest.mark.filterwarnings("error::pytest_lsp.checks.LspSpecificationWarning")]

HEADERS = ROOT / "server" / "tests" / "headers"


async def headers(client, *arguments) -> dict:
    params = t.ExecuteCommandParams(command="mailflow.headers", arguments=list(arguments))
    return await within(client.workspace_execute_command_async(params))


async def test_the_headers_command_reads_a_message_and_holds_it_against_the_file(tmp_path):
    text = (HEADERS / "smart-host-before-signature.txt").read_text()
    async with session() as client:
        alone = await headers(client, text)
        assert alone["exchangePasses"] == 3
        assert [f["code"] for f in alone["findings"]] == ["MF501"]
        assert alone["text"].startswith("A message from sender@contoso.com to recipient@fabrikam.com\n")
        assert "prediction" not in alone

        doc = Doc(client, copy_example(tmp_path, "broken-smart-host-not-rule-scoped.mailflow.yaml"))
        await doc.diagnostics()
        held = await headers(client, text, doc.uri)
        assert [f["code"] for f in held["findings"]] == ["MF501", "MF505"]
        assert held["prediction"]["likelyCause"]["code"] == "MF201"

        with pytest.raises(JsonRpcException) as refused:
            await headers(client, "Subject: no trace fields\n\n")
        assert "no `Received:` field found" in str(refused.value)
