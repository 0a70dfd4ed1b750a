#!/usr/bin/env python3
"""How long `mailflow lsp` takes from an edit to its diagnostics, on a tenant at Exchange
Online's limit of 300 transport rules.

Run it against a release build (it needs nothing but Python 3):

    cargo build --release
    python3 benchmarks/lsp_latency.py [path/to/mailflow]    # default: $MAILFLOW_BIN or target/release/mailflow

It starts `mailflow lsp` over stdio, opens the file `three_hundred_rules()` generates (the
same file as server/benches/check.rs), waits for its first diagnostics, then sends 50
`didChange` notifications, each one character typed into a rule's `comments`, and for each
measures the time from writing the notification to reading the `publishDiagnostics` for that
version. It does the same with the file's DSL twin (made by `mailflow convert --to dsl`).
Prints, for each syntax, the median and the 95th percentile in milliseconds. This is a
benchmark, not a test: it asserts only that the server answers.
"""

from __future__ import annotations

import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import queue

ROOT = pathlib.Path(__file__).resolve().parent.parent
EDITS = 50
TIMEOUT = 60.0


def three_hundred_rules() -> str:
    """The signature rule, a smart host rule and 298 ordinary rules, as in
    server/benches/check.rs."""
    text = (
        "mailflow: 1\norganization:\n  name: Contoso\n  domains: [contoso.com, contoso.onmicrosoft.com]\n"
        "connectors:\n  - name: CodeTwo Email Signatures 365 connector\n    type: on-premises\n    use: transport-rule\n"
        "    smartHosts: [1a2b3c.smtp.codetwo.online]\n    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}\n"
        "  - name: Mimecast outbound\n    use: transport-rule\n    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]\n"
        "    service: {kind: smart-host, vendor: mimecast, returnsToExchange: false}\n"
        "transportRules:\n  - name: CodeTwo Exchange transport rule\n    priority: 0\n    conditions: {senderIs: inside}\n"
        "    exceptions:\n      headerContains: {header: X-CodeTwoProcessed, words: [\"true\"]}\n"
        "    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}\n    stopProcessingMoreRules: true\n"
        "  - name: Mimecast smart host\n    priority: 1\n    conditions: {senderIs: inside, recipientIs: outside}\n"
        "    exceptions:\n      headerContains: {header: X-AntiLoop-Smarthost, words: [\"true\"]}\n"
        "    actions:\n      setHeader: {name: X-AntiLoop-Smarthost, value: \"true\"}\n      redirectToConnector: Mimecast outbound\n"
        "    deferOnError: true\n"
    )
    for i in range(2, 300):
        text += (
            f"  # Department {i}\n  - name: \"Department {i} disclaimer\"\n    priority: {i}\n    mode: enforce\n    conditions:\n"
            f"      senderDomainIs: [dept{i}.contoso.com]\n      recipientAddressMatches: ['^(?!noreply)[^@]+@partner{i}\\.example$']\n"
            f"      other: {{SubjectContainsWords: [\"invoice {i}\"]}}\n    exceptions:\n      headerMatches: {{header: X-Dept-{i}, patterns: ['^skip']}}\n"
            f"    actions:\n      other: {{ApplyHtmlDisclaimerText: \"<p>Department {i}</p>\"}}\n    comments: |\n      Added for department {i}.\n"
        )
    return text


class Server:
    """`mailflow lsp` behind a minimal JSON-RPC framing (Content-Length headers) on its pipes.
    A thread reads every message into a queue with the time it was read."""

    def __init__(self, binary: str):
        self.process = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put((time.perf_counter(), None))
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = stream.read(length)
            self.messages.put((time.perf_counter(), json.loads(body)))

    def send(self, message: dict) -> float:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return time.perf_counter()

    def notify(self, method: str, params) -> float:
        return self.send({"method": method, "params": params})

    def request(self, method: str, params):
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == ident and "method" not in m)[1]

    def wait(self, predicate) -> tuple[float, dict]:
        """The first message matching `predicate`, answering the server's own requests
        (configuration, progress) on the way."""
        deadline = time.perf_counter() + TIMEOUT
        while True:
            try:
                at, message = self.messages.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                raise SystemExit("the server did not answer in time") from None
            if message is None:
                raise SystemExit(f"the server exited (status {self.process.wait()})")
            if "method" in message and "id" in message:
                result = [None] * len(message["params"]["items"]) if message["method"] == "workspace/configuration" else None
                self.send({"id": message["id"], "result": result})
            if predicate(message):
                return at, message

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.process.wait(timeout=10)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def latency(binary: str, file_name: str, language_id: str, text: str, marker: str) -> str:
    """Opens `text` and types one character after `marker` (which ends with the department's
    number and a dot) in 50 rules' comments; describes the times."""
    lines = text.split("\n")
    # Where each rule's comment says "Added for department N.": the edits go right after it.
    points = [(i, line.index(marker) + len(marker)) for i, line in enumerate(lines) if marker in line]
    points = [(i, line[c:].index(".") + c + 1) for (i, c), line in ((p, lines[p[0]]) for p in points)]
    assert len(points) == 298, f"{file_name}: {len(points)} comments found"

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / file_name
        path.write_text(text)
        uri = path.as_uri()
        server = Server(binary)
        server.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": None,
                "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
            },
        )
        server.notify("initialized", {})

        def diagnostics_of(version):
            return lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            )

        document = {"uri": uri, "languageId": language_id, "version": 1, "text": text}
        sent = server.notify("textDocument/didOpen", {"textDocument": document})
        got, message = server.wait(diagnostics_of(1))
        first = (got - sent) * 1e3
        findings = len(message["params"]["diagnostics"])

        times = []
        for n in range(EDITS):
            version = n + 2
            line, column = points[(n * 37) % len(points)]
            lines[line] = lines[line][:column] + "x" + lines[line][column:]
            change = {"range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column}}, "text": "x"}
            sent = server.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            )
            got, message = server.wait(diagnostics_of(version))
            assert len(message["params"]["diagnostics"]) == findings, "a comment edit changed the findings"
            times.append((got - sent) * 1e3)
        server.close()

    return (
        f"{file_name}, 300 rules ({len(text) // 1024} KiB, {text.count(chr(10))} lines), {findings} findings: "
        f"didOpen to diagnostics {first:.2f} ms; didChange to diagnostics over {EDITS} edits: "
        f"median {statistics.median(times):.2f} ms, p95 {percentile(times, 0.95):.2f} ms, max {max(times):.2f} ms"
    )


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MAILFLOW_BIN", str(ROOT / "target" / "release" / "mailflow"))
    if not pathlib.Path(binary).exists():
        raise SystemExit(f"no mailflow binary at {binary}: run `cargo build --release` or pass its path")
    yaml = three_hundred_rules()
    with tempfile.TemporaryDirectory() as folder:
        source = pathlib.Path(folder) / "tenant.mailflow.yaml"
        source.write_text(yaml)
        dsl = subprocess.run([binary, "convert", "--to", "dsl", str(source)], capture_output=True, text=True, check=True).stdout
    print("mailflow lsp:")
    print("  " + latency(binary, "tenant.mailflow.yaml", "yaml", yaml, "      Added for department "))
    print("  " + latency(binary, "tenant.mailflow", "mailflow", dsl, 'comments "Added for department '))


if __name__ == "__main__":
    main()
