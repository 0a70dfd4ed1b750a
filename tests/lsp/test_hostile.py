"""`mailflow lsp` fed what no well-behaved client sends, over its real pipes.

Each malformed message gets its JSON-RPC error (-32700 when the bytes are not a message's
JSON, -32600 when the JSON is not a message or the body is over the 64 MiB limit), written
to stdout with the message's id or `null`, and the server goes on: it answers a request
afterwards, does not spin the CPU, and ends with status 0 after `shutdown` and `exit`.
`exit` without `shutdown` ends it with status 1, as the LSP specification says.

Then a client that types fast into a big file: the server skips the versions a newer one
overtook, checks off its request loop, and answers a hover soon after the last keystroke with
the diagnostics of the last version published last; a check that a newer text overtook stops
before its next phase unless a waiting request needs it.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import threading
import time

import pytest

from conftest import ROOT

MAILFLOW = pathlib.Path(os.environ.get("MAILFLOW_BIN", ROOT / "target" / "debug" / "mailflow"))
TIMEOUT = 20  # seconds for any one answer
MAX_BODY = 64 << 20  # the documented limit (README, lsp/transport.rs)


def framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def message(**fields) -> bytes:
    return framed(json.dumps({"jsonrpc": "2.0", **fields}).encode("utf-8"))


class Server:
    """`mailflow lsp` behind bare pipes. Threads read what it writes to stdout (framed
    messages, kept in order) and stderr, so that it never waits on a full pipe."""

    def __init__(self):
        self.process = subprocess.Popen([str(MAILFLOW), "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: list[tuple[float, dict]] = []
        self.stderr = b""
        self.changed = threading.Condition()
        self.next_id = 100
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self):
        stream = self.process.stdout
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                assert name.lower() == "content-length", f"the server wrote the header {line!r}"
                length = int(value)
            if not line:
                return
            body = json.loads(stream.read(length))
            with self.changed:
                self.messages.append((time.monotonic(), body))
                self.changed.notify_all()

    def _read_stderr(self):
        while chunk := self.process.stderr.read1(4096):
            self.stderr += chunk

    def send_bytes(self, data: bytes):
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, **fields):
        self.send_bytes(message(**fields))

    def wait_for(self, predicate, what: str, timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for _, found in self.messages:
                    if predicate(found):
                        return found
                if time.monotonic() > deadline:
                    pytest.fail(f"no {what} within {timeout} s (exit status {self.process.poll()}); stderr: {self.stderr.decode(errors='replace')}")
                if self.process.poll() is not None:
                    # What it wrote before it ended is read within this time.
                    deadline = min(deadline, time.monotonic() + 0.5)
                self.changed.wait(0.1)

    def answer(self, id) -> dict:
        return self.wait_for(lambda m: m.get("id") == id and "method" not in m, f"answer to request {id}")

    def request(self, method: str, params=None, timeout: float = TIMEOUT) -> dict:
        self.next_id += 1
        id = self.next_id
        self.send(id=id, method=method, **({} if params is None else {"params": params}))
        return self.wait_for(lambda m: m.get("id") == id and "method" not in m, f"answer to {method} (request {id})", timeout)

    def initialize(self):
        answer = self.request("initialize", {"capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}}})
        assert "result" in answer, answer
        self.send(method="initialized", params={})

    def assert_alive(self):
        """Answers a request as it should: a hover on a document that is not open is null."""
        answer = self.request("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.mailflow.yaml"}, "position": {"line": 0, "character": 0}})
        assert answer.get("result", "missing") is None, answer

    def cpu_seconds(self) -> float:
        fields = pathlib.Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def assert_idle(self, seconds: float = 1.0, tries: int = 5):
        """Uses (almost) no CPU for `seconds` within `tries` such spans (a check overtaken by
        a newer one may still be running to its end): nothing spins."""
        for _ in range(tries):
            before = self.cpu_seconds()
            time.sleep(seconds)
            used = self.cpu_seconds() - before
            if used < 0.1 * seconds:
                return
        pytest.fail(f"the server used {used:.2f} s of CPU in each of {tries} spans of {seconds} s while idle")

    def resident_mib(self) -> float:
        for line in pathlib.Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def errors(self) -> list[dict]:
        """The error answers with a null id: what the server could not tie to a request."""
        with self.changed:
            return [m for _, m in self.messages if "error" in m and m.get("id") is None and "method" not in m]

    def shut_down(self) -> int:
        assert "result" in self.request("shutdown")
        self.send(method="exit")
        return self.process.wait(timeout=10)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def server():
    started = Server()
    try:
        started.initialize()
        yield started
    finally:
        started.kill()


SHUTDOWN_99 = json.dumps({"jsonrpc": "2.0", "id": 99, "method": "shutdown"}).encode()

# name: (bytes sent, the error code answered, the id it is answered with)
MALFORMED = {
    "empty object": (framed(b"{}"), -32600, None),
    "truncated JSON": (framed(b'{"jsonrpc": "2.0", "id": 7, "method": "textDocument/hov'), -32700, None),
    "invalid UTF-8": (framed(b'{"jsonrpc": "2.0", "method": "\xff\xfe"}'), -32700, None),
    "empty body": (b"Content-Length: 0\r\n\r\n", -32700, None),
    "a JSON array (batch)": (framed(b'[{"jsonrpc": "2.0", "id": 8, "method": "shutdown"}]'), -32600, None),
    "a JSON number": (framed(b"42"), -32600, None),
    "JSON-RPC 1.0": (framed(b'{"jsonrpc": "1.0", "id": 9, "method": "shutdown"}'), -32600, 9),
    "no method, no result": (framed(b'{"jsonrpc": "2.0", "id": 10}'), -32600, 10),
    "a method that is not a string": (framed(b'{"jsonrpc": "2.0", "id": 11, "method": 11}'), -32600, 11),
    # The body is a shutdown request: it must not be obeyed (assert_alive would then fail).
    "header without Content-Length": (b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + SHUTDOWN_99, -32700, None),
    "negative Content-Length": (b"Content-Length: -%d\r\n\r\n" % len(SHUTDOWN_99) + SHUTDOWN_99, -32700, None),
    "Content-Length beyond 64 bits": (b"Content-Length: 99999999999999999999999\r\n\r\n" + SHUTDOWN_99, -32700, None),
    "Content-Length not a number": (b"Content-Length: twelve\r\n\r\n" + SHUTDOWN_99, -32700, None),
    "a line that is not a header": (b"hello\r\n\r\n" + SHUTDOWN_99, -32700, None),
    "endless header": (b"x" * 100_000, -32700, None),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_message_is_answered_and_the_server_goes_on(server, name):
    data, code, id = MALFORMED[name]
    server.send_bytes(data)
    refusal = server.wait_for(lambda m: "error" in m and m.get("id") == id and "method" not in m, f"error answer to {name}")
    assert refusal["error"]["code"] == code, refusal
    server.assert_alive()
    assert 99 not in [m.get("id") for _, m in server.messages], "a skipped body was obeyed"
    server.assert_idle()
    # Said on stderr too, for the client's log.
    assert b"mailflow lsp: " in server.stderr
    assert server.shut_down() == 0


def test_one_session_survives_every_malformed_message_each_answered_once(server):
    # After headers it cannot use, the server skips to the next Content-Length: a request
    # after each malformed message keeps them apart.
    for data, _, _ in MALFORMED.values():
        server.send_bytes(data)
        server.assert_alive()
    codes = [m["error"]["code"] for m in server.errors()]
    assert codes == [code for _, code, id in MALFORMED.values() if id is None]
    server.assert_idle()
    assert server.shut_down() == 0


def test_a_body_over_the_limit_is_skipped_and_the_server_goes_on(server):
    server.send_bytes(b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1))
    refusal = server.wait_for(lambda m: "error" in m and m.get("id") is None, "refusal of a body over the limit")
    assert refusal["error"]["code"] == -32600
    assert "67108864 bytes (64 MiB)" in refusal["error"]["message"]
    chunk = b" " * (1 << 20)
    for _ in range(64):
        server.send_bytes(chunk)
    server.send_bytes(b"}")
    server.assert_alive()
    assert server.resident_mib() < 60, f"{server.resident_mib():.0f} MiB resident: the body was kept"
    server.assert_idle()
    assert server.shut_down() == 0


def test_a_body_announced_at_4_gb_is_not_kept_and_the_server_ends_with_its_input(server):
    server.send_bytes(b"Content-Length: 4294967296\r\n\r\n" + SHUTDOWN_99)
    refusal = server.wait_for(lambda m: "error" in m and m.get("id") is None, "refusal of a 4 GB body")
    assert refusal["error"]["code"] == -32600
    assert "4294967296 bytes" in refusal["error"]["message"]
    # The rest of the input is the body the client announced: the server waits for it,
    # idle, and keeps none of it.
    server.send_bytes(b" " * (8 << 20))
    server.assert_idle()
    assert server.resident_mib() < 60, f"{server.resident_mib():.0f} MiB resident"
    server.process.stdin.close()
    assert server.process.wait(timeout=10) == 0
    assert b"over the limit of 67108864 bytes (64 MiB)" in server.stderr


def test_an_unknown_dollar_request_gets_method_not_found_and_a_notification_is_ignored(server):
    server.send(method="$/mailflow/unknownNotification", params={})
    server.send(id=5, method="$/mailflow/unknownRequest", params={})
    answer = server.answer(5)
    assert answer["error"]["code"] == -32601, answer
    server.assert_alive()
    assert server.errors() == [], "a notification was answered"
    assert server.shut_down() == 0


def test_exit_without_shutdown_exits_1():
    server = Server()
    try:
        server.initialize()
        server.assert_alive()
        server.send(method="exit")
        assert server.process.wait(timeout=10) == 1
        time.sleep(0.1)
        assert b"without `shutdown`" in server.stderr
    finally:
        server.kill()


def test_exit_before_initialize_exits_1_and_shutdown_then_exit_exits_0():
    server = Server()
    try:
        server.send(method="exit")
        assert server.process.wait(timeout=10) == 1
    finally:
        server.kill()
    server = Server()
    try:
        server.initialize()
        assert server.shut_down() == 0
    finally:
        server.kill()


# ---------------------------------------------------------------------------------------
# Typing fast into a big file


def big_file(rules: int = 300, domains: int = 1000) -> str:
    """A tenant at Exchange Online's limit of 300 transport rules (as benchmarks/lsp_latency.py),
    with `domains` accepted domains besides: checking takes a while (about 1.7 s in a debug
    build, mostly in the simulator)."""
    accepted = "".join(f", d{i}.contoso.com" for i in range(domains))
    text = (
        f"mailflow: 1\norganization:\n  name: Contoso\n  domains: [contoso.com, contoso.onmicrosoft.com{accepted}]\n"
        "connectors:\n  - name: CodeTwo connector\n    type: on-premises\n    use: transport-rule\n"
        "    smartHosts: [1a2b3c.smtp.codetwo.online]\n    service: {kind: signature, vendor: codetwo}\n"
        "  - name: Mimecast outbound\n    use: transport-rule\n    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]\n"
        "    service: {kind: smart-host, vendor: mimecast, returnsToExchange: false}\n"
        "transportRules:\n  - name: CodeTwo rule\n    priority: 0\n    conditions: {senderIs: inside}\n"
        "    exceptions:\n      headerContains: {header: X-CodeTwoProcessed, words: [\"true\"]}\n"
        "    actions: {redirectToConnector: CodeTwo connector}\n    stopProcessingMoreRules: true\n"
        "  - name: Mimecast smart host\n    priority: 1\n    conditions: {senderIs: inside, recipientIs: outside}\n"
        "    exceptions:\n      headerContains: {header: X-AntiLoop-Smarthost, words: [\"true\"]}\n"
        "    actions:\n      setHeader: {name: X-AntiLoop-Smarthost, value: \"true\"}\n      redirectToConnector: Mimecast outbound\n"
    )
    for i in range(2, rules):
        text += (
            f"  - name: \"Department {i} disclaimer\"\n    priority: {i}\n    conditions:\n"
            f"      senderDomainIs: [dept{i}.contoso.com]\n      recipientAddressMatches: ['^[^@]+@partner{i}\\.example$']\n"
            f"    exceptions:\n      headerMatches: {{header: X-Dept-{i}, patterns: ['^skip']}}\n"
            f"    actions:\n      other: {{ApplyHtmlDisclaimerText: \"<p>Department {i}</p>\"}}\n    comments: |\n      Added for department {i}.\n"
        )
    return text


def test_typing_fast_into_a_big_file_skips_overtaken_versions_and_keeps_hover_responsive(server, tmp_path):
    text = big_file()
    uri = (tmp_path / "tenant.mailflow.yaml").as_uri()

    def published(version):
        return lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri and m["params"].get("version") == version

    started = time.monotonic()
    server.send(method="textDocument/didOpen", params={"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    first = server.wait_for(published(1), "diagnostics of version 1", timeout=120)
    one_check = time.monotonic() - started
    lines = text.split("\n")
    line = next(i for i, l in enumerate(lines) if l.strip() == "Added for department 150.")
    column = len(lines[line]) - 1

    def type_x(n, version):
        position = {"line": line, "character": column + n}
        change = {"range": {"start": position, "end": position}, "text": "x"}
        server.send(method="textDocument/didChange", params={"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})

    # How long the check of a keystroke takes, waited for (the fastest of three): typing
    # faster than that is what must not queue a check of every version.
    one_edit = float("inf")
    for n in range(3):
        sent = time.monotonic()
        type_x(n, n + 2)
        server.wait_for(published(n + 2), f"diagnostics of version {n + 2}", timeout=120)
        one_edit = min(one_edit, time.monotonic() - sent)
    # 20 characters typed, four to a check.
    for n in range(3, 23):
        type_x(n, n + 2)
        time.sleep(one_edit / 4)
    typed = time.monotonic()
    # A hover on the rule's name, named after the last change.
    name = next(i for i, l in enumerate(lines) if "Department 150 disclaimer" in l)
    hover = server.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": name, "character": 14}}, timeout=120)
    waited = time.monotonic() - typed
    assert "result" in hover, hover
    # Checking each of the 20 versions in turn would take some 20 checks; the newest wins.
    assert waited < 6 * one_check + 2, f"hover took {waited:.1f} s after typing; one check takes {one_check:.1f} s"
    last = server.wait_for(published(24), "diagnostics of the last version", timeout=120)
    assert [d["code"] for d in last["params"]["diagnostics"]] == [d["code"] for d in first["params"]["diagnostics"]]
    server.assert_idle()
    versions = [m["params"]["version"] for _, m in server.messages if m.get("method") == "textDocument/publishDiagnostics"]
    assert versions == sorted(versions), versions
    assert versions[-1] == 24
    # Versions overtaken while a check ran were not checked for diagnostics: of the 20 typed,
    # about one in four is.
    assert len([v for v in versions if v > 4]) < 10, versions
    assert server.shut_down() == 0



def test_a_check_overtaken_by_ten_rapid_edits_stops_and_hover_answers_from_the_newest_text(server, tmp_path):
    """Issue 14, item 5. A check overtaken by a newer text that no waiting request needs
    stops before its next phase (parsing, lowering, the rules with the simulation). A big
    file opened and edited at once: its first check is reading the text when ten edits
    overtake it, and stops there; the newest text is checked, and the hover named after the
    last edit answers from it (the outline after it has the rule's name with all ten edits).
    Checking costs the first check's reading of the text and one whole check, far from the
    eleven checks of every version. Since patterns are built only when first matched
    (issue 15), reading the text is about half of a check of this file, so the bound is
    loose; server/src/lsp/tests.rs counts the checks of a burst instead of timing them.

    The rules with the simulation run as one phase: a check overtaken once it is in them
    stops before the next simulated message."""
    text = big_file()
    # The cost of one check: another document of the same text, opened alone. Its processor
    # time counts what the server does once the diagnostics are out, as the burst's below does.
    cpu, started = server.cpu_seconds(), time.monotonic()
    alone = (tmp_path / "alone.mailflow.yaml").as_uri()
    server.send(method="textDocument/didOpen", params={"textDocument": {"uri": alone, "languageId": "yaml", "version": 1, "text": text}})
    server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == alone, "diagnostics", timeout=120)
    one_check = time.monotonic() - started
    server.assert_idle()
    one_check_cpu = server.cpu_seconds() - cpu

    uri = (tmp_path / "tenant.mailflow.yaml").as_uri()
    lines = text.split("\n")
    line = next(i for i, l in enumerate(lines) if l.endswith('name: "Department 150 disclaimer"'))
    column = len(lines[line]) - 1  # before the closing quote
    letters = "abcdefghij"
    cpu = server.cpu_seconds()
    server.send(method="textDocument/didOpen", params={"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    # Its check starts reading the text (about half of a check) ...
    time.sleep(one_check / 4)
    # ... when ten edits overtake it; then a hover on the rule's `priority` key, and its outline.
    for n, letter in enumerate(letters):
        position = {"line": line, "character": column + n}
        change = {"range": {"start": position, "end": position}, "text": letter}
        server.send(method="textDocument/didChange", params={"textDocument": {"uri": uri, "version": n + 2}, "contentChanges": [change]})
    asked = time.monotonic()
    hover = server.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line + 1, "character": 6}}, timeout=120)
    waited = time.monotonic() - asked
    assert "priority" in json.dumps(hover["result"]), hover
    outline = server.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}}, timeout=120)
    assert f'"Department 150 disclaimer{letters}"' in json.dumps(outline["result"]), outline
    server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri, "diagnostics", timeout=120)
    server.assert_idle()
    used = server.cpu_seconds() - cpu
    print(f"one check {one_check:.2f} s, {one_check_cpu:.2f} s CPU; opened and edited: {used:.2f} s CPU, hover after {waited:.2f} s")
    assert used < 3 * one_check_cpu, f"opening and ten edits cost {used:.2f} s of CPU; one check costs {one_check_cpu:.2f} s"
    assert waited < 1.5 * one_check + 1, f"hover took {waited:.1f} s after the edits; one check takes {one_check:.1f} s"
    # Only the last text's diagnostics were published.
    versions = [m["params"]["version"] for _, m in server.messages if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri]
    assert versions == [11], versions
    assert server.shut_down() == 0
