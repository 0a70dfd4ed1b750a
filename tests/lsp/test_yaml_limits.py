"""`mailflow lsp` and YAML nested deeper than tree-sitter-yaml's scanner could describe
(issue 14, item 1): 253 block lists on one line made the scanner write past its buffer and
the process abort when the file was scanned in the workspace, opened, or typed, on every
restart. Over the server's real pipes: it reports the line and goes on answering.
"""

from __future__ import annotations

from test_hostile import Server

TOO_DEEP = "lists and mappings nest more than 64 deep here"


def deep_file(depth: int) -> str:
    return f"mailflow: 1\ntransportRules:\n  - name: Deep rule\n    priority: 0\nconnectors:\n{'- ' * depth}x\n"


def published(uri: str, version: int):
    return lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri and m["params"].get("version") == version


def test_a_file_nested_too_deep_is_scanned_opened_and_typed_into(tmp_path):
    path = tmp_path / "deep.mailflow.yaml"
    path.write_text(deep_file(253))
    server = Server()
    try:
        answer = server.request("initialize", {"capabilities": {}, "workspaceFolders": [{"uri": tmp_path.as_uri(), "name": "deep"}]})
        assert "result" in answer, answer
        server.send(method="initialized", params={})
        # The scan read the file once its rule is among the workspace's symbols.
        for _ in range(100):
            symbols = server.request("workspace/symbol", {"query": "Deep"}).get("result") or []
            if any(s["name"] == "Deep rule" for s in symbols):
                break
        else:
            raise AssertionError("the workspace scan never read deep.mailflow.yaml")

        uri = path.as_uri()
        server.send(method="textDocument/didOpen", params={"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": deep_file(253)}})
        opened = server.wait_for(published(uri, 1), "diagnostics of the opened file")
        assert any(TOO_DEEP in d["message"] and d["range"]["start"]["line"] == 5 for d in opened["params"]["diagnostics"]), opened

        # `- ` typed 253 times on a new last line, one change each.
        text = deep_file(0)[: -len("x\n")]
        line = text.count("\n")
        for n in range(253):
            position = {"line": line, "character": 2 * n}
            change = {"range": {"start": position, "end": position}, "text": "- "}
            server.send(method="textDocument/didChange", params={"textDocument": {"uri": uri, "version": n + 2}, "contentChanges": [change]})
        typed = server.wait_for(published(uri, 254), "diagnostics of the typed version")
        assert any(TOO_DEEP in d["message"] for d in typed["params"]["diagnostics"]), typed
        # The document replaced whole by the shallow file, then typed into once more.
        server.send(method="textDocument/didChange", params={"textDocument": {"uri": uri, "version": 300}, "contentChanges": [{"text": deep_file(0)}]})
        position = {"line": line, "character": 0}
        server.send(
            method="textDocument/didChange",
            params={"textDocument": {"uri": uri, "version": 301}, "contentChanges": [{"range": {"start": position, "end": position}, "text": "- " * 253}]},
        )
        last = server.wait_for(published(uri, 301), "diagnostics of the last version")
        assert any(TOO_DEEP in d["message"] for d in last["params"]["diagnostics"]), last
        server.assert_alive()
        assert server.shut_down() == 0
    finally:
        server.kill()
