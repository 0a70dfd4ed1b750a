#!/usr/bin/env python3
"""How fast `mailflow lsp` answers in every shape of issue 15, and, when given
yaml-language-server (the YAML extension's server), how fast that answers on the same files
with the project's JSON Schema.

    cargo build --release -p mailflow
    python3 benchmarks/lsp_latency.py [path/to/mailflow] [--yaml-language-server PATH]
        [--sizes 300,1000,3000] [--edits 100] [--peer-edits 20] [--only WORDS]

The binary defaults to $MAILFLOW_BIN or target/release/mailflow. PATH is yaml-language-server's
`bin/yaml-language-server` (or $YAML_LANGUAGE_SERVER), e.g. after
`npm install yaml-language-server@1.25` in a scratch folder outside the repository.
`--only` keeps the shapes whose name holds every word given.

The files come from benchmarks/generate.py (shapes rules-block, rules-flow and their
-findings twins: every rule with one finding). Each shape is measured in a server of its
own, started over stdio, which opens the file and is waited for, and then left alone for
half a second (SETTLE_S: the edits measure an editor at work, not its opening):

- edit: one character typed into a rule's disclaimer text (inside a flow mapping in flow
  style), `--edits` times in rules spread over the file, each from writing `didChange` to
  reading the `publishDiagnostics` of that version (the findings must not change), each
  message's time being when its last byte was read, before this client decodes it;
- type a key: `stopProcessingMoreRules: true` typed into a rule letter by letter, after
  Enter, each keystroke waited for as above (the findings change as the key grows); and
  again with a pause of PAUSE_S after each keystroke's diagnostics, as a person types;
- open: `didOpen` to the first diagnostics, the file opened under a new name each time;
- edit right after opening: the first edit, sent as soon as the first diagnostics come (a
  large file is first checked read in pieces, and the reading that edits reuse is made
  after publishing: this edit waits for it), over as many openings;
- hover on a rule's name or on a key, completion of a rule's `mode`, and going from a rule's
  `redirectToConnector` to the connector, written out or through an alias of the
  connector's anchored name: request to answer;
- the outline (document symbols) and the folding ranges of the whole file, and the DSL's
  semantic tokens: what an editor asks for again after the edits (VS Code a moment after the
  last one), request to answer; and the semantic tokens of 60 lines in the middle of the
  file (what an editor shows, coloured first when it opens a file).

Prints, per shape, the 50th, 95th and 99th percentiles in milliseconds and the server's
processor time per operation (user and system, from /proc: a busy machine disturbs it less
than the wall clock). yaml-language-server validates 200 ms after the last change (a fixed
delay of its own), so its edit and open times include that wait: the ratio is of the median
times an editor sees, and the column after it is the ratio with the 200 ms taken off. This is a benchmark,
not a test: it asserts only that the servers answer and that an edit that changes no
finding changes none.
"""

from __future__ import annotations

import collections
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time
import queue

ROOT = pathlib.Path(__file__).resolve().parent.parent
TIMEOUT = 120.0
# Seconds between the first diagnostics of a file opened and the first operation measured.
SETTLE_S = 0.5


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



sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402

EDIT_MARKER = 'ApplyHtmlDisclaimerText: "<p>Department '
JSON_EDIT_MARKER = '"ApplyHtmlDisclaimerText":"<p>Department '
DSL_EDIT_MARKER = 'do other "ApplyHtmlDisclaimerText" "<p>Department '
TYPED_KEY = "stopProcessingMoreRules: true"
# yaml-language-server's fixed wait between a change and its validation.
PEER_DELAY_MS = 200.0
# Seconds between keys typed at a person's pace.
PAUSE_S = 0.2


class Server:
    """A language server behind a minimal JSON-RPC framing (Content-Length headers) on its
    pipes. A thread reads every message into a queue with the time it was read."""

    def __init__(self, command: list[str], configuration=None):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        # What `workspace/configuration` is answered with, for one item.
        self.configuration = configuration
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
            # The time the message arrived, not the time this client had decoded it: Python
            # takes 8 ms to decode the 970 KB of 3,000 findings, which is not the server's.
            arrived = time.perf_counter()
            self.messages.put((arrived, json.loads(body)))

    def send(self, message: dict) -> float:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return time.perf_counter()

    def notify(self, method: str, params) -> float:
        return self.send({"method": method, "params": params})

    def request(self, method: str, params) -> tuple[float, float, dict]:
        """When the request was sent, when its answer came, and the answer."""
        self.next_id += 1
        ident = self.next_id
        sent = self.send({"id": ident, "method": method, "params": params})
        got, message = self.wait(lambda m: m.get("id") == ident and "method" not in m)
        return sent, got, message

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
                result = None
                if message["method"] == "workspace/configuration":
                    result = [self.configuration] * len(message["params"]["items"])
                self.send({"id": message["id"], "result": result})
            if predicate(message):
                return at, message

    def cpu_seconds(self) -> float:
        """The processor time the server has used, user and system, over all its threads."""
        fields = pathlib.Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `fraction` of the values
    at or below it (of 100 values, p99 is the 99th smallest, p50 the 50th)."""
    ordered = sorted(values)
    # Rounded first: 0.99 * 100 is 99.00000000000001 in floating point.
    rank = math.ceil(round(fraction * len(ordered), 6))
    return ordered[min(len(ordered), max(1, rank)) - 1]


class Kind:
    """How to start and talk to one language server."""

    def __init__(self, name: str, command: list[str], initialization: dict, configuration=None, settings=None):
        self.name = name
        self.command = command
        self.initialization = initialization
        self.configuration = configuration
        self.settings = settings
        # Whether its diagnostics name the version they are of.
        self.versioned = name == "mailflow"


# As VS Code asks for folding ranges: whole lines, at most 5,000 of them (its
# `editor.foldingMaximumRegions`).
FOLDING_RANGE = {"lineFoldingOnly": True, "rangeLimit": 5000}


def mailflow_kind(binary: str) -> Kind:
    capabilities = {
        "textDocument": {"publishDiagnostics": {"versionSupport": True}, "foldingRange": FOLDING_RANGE},
        "workspace": {"configuration": True},
    }
    return Kind("mailflow", [binary, "lsp"], {"capabilities": capabilities}, configuration={})


def peer_kind(script: str) -> Kind:
    """yaml-language-server with the project's schema for every *.mailflow.yaml, its settings
    given by `didChangeConfiguration` (it does not ask for them then)."""
    schema = (generate.ROOT / "schema" / "mailflow.schema.json").as_uri()
    settings = {
        "yaml": {
            "schemas": {schema: ["*.mailflow.yaml"]},
            "validate": True,
            "hover": True,
            "completion": True,
            "format": {"enable": False},
            "schemaStore": {"enable": False},
        }
    }
    capabilities = {
        "textDocument": {
            "publishDiagnostics": {},
            "hover": {},
            "completion": {},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
            "foldingRange": FOLDING_RANGE,
        }
    }
    return Kind("yaml-language-server", ["node", script, "--stdio"], {"capabilities": capabilities}, settings=settings)


class Session:
    """One server with one file open, its first diagnostics read."""

    def __init__(self, kind: Kind, folder: pathlib.Path, name: str, text: str, language_id: str = "yaml"):
        self.kind = kind
        self.server = Server(kind.command, kind.configuration)
        self.server.request("initialize", {"processId": os.getpid(), "rootUri": None, **kind.initialization})
        self.server.notify("initialized", {})
        if kind.settings is not None:
            self.server.notify("workspace/didChangeConfiguration", {"settings": kind.settings})
        self.folder = folder
        self.language_id = language_id
        self.lines = text.split("\n")
        self.version = 1
        self.uri, self.opened_in, self.first = self.open(name, text)

    def published(self, uri: str, version: int):
        versioned = self.kind.versioned
        return lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and (not versioned or m["params"].get("version") == version)
        )

    def open(self, name: str, text: str) -> tuple[str, float, list]:
        """Opens `text` as `name`: its URI, the milliseconds to its diagnostics, and them."""
        path = self.folder / name
        path.write_text(text)
        uri = path.as_uri()
        document = {"uri": uri, "languageId": self.language_id, "version": 1, "text": text}
        sent = self.server.notify("textDocument/didOpen", {"textDocument": document})
        got, message = self.server.wait(self.published(uri, 1))
        return uri, (got - sent) * 1e3, message["params"]["diagnostics"]

    def close_document(self, uri: str):
        self.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def change(self, line: int, column: int, text: str, end: tuple[int, int] | None = None) -> tuple[float, list]:
        """Replaces the text from (line, column) to `end` (or inserts it there): the
        milliseconds to the new version's diagnostics, and them."""
        end_line, end_column = end or (line, column)
        before, after = self.lines[line][:column], self.lines[end_line][end_column:]
        self.lines[line : end_line + 1] = (before + text + after).split("\n")
        self.version += 1
        start = {"line": line, "character": column}
        change = {"range": {"start": start, "end": {"line": end_line, "character": end_column}}, "text": text}
        sent = self.server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": self.uri, "version": self.version}, "contentChanges": [change]},
        )
        got, message = self.server.wait(self.published(self.uri, self.version))
        return (got - sent) * 1e3, message["params"]["diagnostics"]

    def ask(self, method: str, line: int, column: int) -> tuple[float, dict]:
        params = {"textDocument": {"uri": self.uri}, "position": {"line": line, "character": column}}
        sent, got, message = self.server.request(method, params)
        return (got - sent) * 1e3, message

    def close(self):
        self.server.close()


class Measured:
    """The times of one shape on one server, in milliseconds, and its processor time per
    operation."""

    def __init__(self, times: list[float], cpu: float):
        self.times = times
        self.cpu_per_operation = cpu * 1e3 / max(1, len(times))
        # Requests answered with nothing.
        self.empty = 0

    def p(self, fraction: float) -> float:
        return percentile(self.times, fraction)


def timed(session: Session, operations) -> Measured:
    """Runs `operations` (each returns its milliseconds) in `session`, with its processor time."""
    before = session.server.cpu_seconds()
    times = [operation() for operation in operations]
    return Measured(times, session.server.cpu_seconds() - before)


def spread(items: list, count: int) -> list:
    """`count` of `items`, taken in a stride that visits the whole list."""
    return [items[(n * 37) % len(items)] for n in range(count)]


def edit_points(lines: list[str], marker: str) -> list[tuple[int, int]]:
    """Where each rule's disclaimer says "Department N.": right after the dot (every one of a
    line: a file written on one line has them all on it)."""
    points = []
    for i, line in enumerate(lines):
        at = line.find(marker)
        while at >= 0:
            points.append((i, line.index(".", at + len(marker)) + 1))
            at = line.find(marker, at + len(marker))
    return points


def measure_edits(session: Session, count: int, marker: str = EDIT_MARKER) -> Measured:
    points = edit_points(session.lines, marker)
    findings = len(session.first)
    shared = {line for line, count in collections.Counter(line for line, _ in points).items() if count > 1}

    def edit(n):
        line, column = points[n]
        elapsed, diagnostics = session.change(line, column, "x")
        assert len(diagnostics) == findings, f"{session.kind.name}: an edit of a disclaimer changed the findings"
        # The points after it on its line (a file written on one line) moved along.
        if line in shared:
            points[:] = [(l, c + (l == line and c >= column)) for l, c in points]
        return elapsed

    return timed(session, [lambda n=n: edit(n) for n in spread(range(len(points)), count)])


def measure_typing(session: Session, keys: int, pause: float = 0.0) -> Measured:
    """`keys` keys typed, each `stopProcessingMoreRules: true` on a new line of a rule:
    Enter (with the indentation), then a keystroke for each character, `pause` seconds
    after the diagnostics of the one before."""
    modes = [i for i, line in enumerate(session.lines) if line == "    mode: enforce"]
    operations = []
    for rule in range(keys):
        # Later keys go into rules above, so the lines of the rules below are where they were.
        line = modes[len(modes) // 2 - rule * 7]
        column = len(session.lines[line])
        operations.append(lambda line=line, column=column: session.change(line, column, "\n    ")[0])
        for n, character in enumerate(TYPED_KEY):
            operations.append(lambda line=line, n=n, c=character: session.change(line + 1, 4 + n, c)[0])
    if pause:
        operations = [lambda operation=operation: time.sleep(pause) or operation() for operation in operations]
    return timed(session, operations)


def per_new_server(kind: Kind, shape: "Shape", count: int, time_of) -> Measured:
    """`count` servers started, each opening the file: `time_of(session)` for each. Its
    processor time includes starting the server."""
    times, cpu = [], 0.0
    for _ in range(count):
        with tempfile.TemporaryDirectory() as folder:
            session = Session(kind, pathlib.Path(folder), shape.file, shape.text, shape.language_id)
            times.append(time_of(session))
            cpu += session.server.cpu_seconds()
            session.close()
    return Measured(times, cpu)


def measure_opening(kind: Kind, shape: "Shape", count: int) -> Measured:
    """The first diagnostics of a server, which has compiled nothing yet."""
    return per_new_server(kind, shape, count, lambda session: session.opened_in)


def measure_first_edit(kind: Kind, shape: "Shape", count: int) -> Measured:
    """The first edit of a server, sent as soon as its first diagnostics come."""

    def first_edit(session: Session) -> float:
        point = edit_points(session.lines, EDIT_MARKER)[0]
        return session.change(*point, "x")[0]

    return per_new_server(kind, shape, count, first_edit)


def measure_requests(session: Session, method: str, positions: list[tuple[int, int]], count: int) -> Measured:
    """Requests at `positions`; mailflow must answer each with something, and the answers
    another server leaves empty are counted."""
    empty = []

    def run(point):
        elapsed, message = session.ask(method, *point)
        assert "result" in message, f"{session.kind.name}: {message}"
        if not message["result"]:
            assert session.kind.name != "mailflow", f"mailflow answered {method} with nothing at {point}"
            empty.append(point)
        return elapsed

    measured = timed(session, [lambda p=p: run(p) for p in spread(positions, count)])
    measured.empty = len(empty)
    return measured


def measure_document_requests(session: Session, method: str, count: int, extra: dict | None = None) -> Measured:
    """Requests about the whole document (or the part `extra` names); mailflow must answer
    each with something."""
    empty = []

    def run():
        sent, got, message = session.server.request(method, {"textDocument": {"uri": session.uri}, **(extra or {})})
        assert "result" in message, f"{session.kind.name}: {message}"
        if not message["result"]:
            assert session.kind.name != "mailflow", f"mailflow answered {method} with nothing"
            empty.append(method)
        return (got - sent) * 1e3

    measured = timed(session, [run] * count)
    measured.empty = len(empty)
    return measured


def rule_names(lines: list[str]) -> list[tuple[int, int]]:
    return [(i, 14) for i, line in enumerate(lines) if line.startswith('  - name: "Department ')]


def condition_keys(lines: list[str]) -> list[tuple[int, int]]:
    return [(i, line.index("senderDomainIs") + 3) for i, line in enumerate(lines) if "senderDomainIs" in line]


def connector_references(lines: list[str]) -> list[tuple[int, int]]:
    """The connector names the usual two rules redirect to."""
    key = "redirectToConnector: "
    return [(i, line.index(key) + len(key) + 2) for i, line in enumerate(lines) if key in line]


def mode_values(lines: list[str]) -> list[tuple[int, int]]:
    return [(i, 10) for i, line in enumerate(lines) if line == "    mode: enforce"]


class Shape:
    """One row of the table: what is measured, on which file, and how. `measure` takes a
    session with the file open and a count; `count` overrides the number of edits asked for,
    and `peer_count` is how many times yaml-language-server is measured (none if 0)."""

    def __init__(self, name, file, text, measure, peer_count, language_id="yaml", count=None, fresh=False):
        self.name = name
        self.file = file
        self.text = text
        self.measure = measure
        self.peer_count = peer_count
        self.language_id = language_id
        self.count = count
        # `measure` takes the kind of server and the shape, and starts servers itself.
        self.fresh = fresh


def shapes(sizes: list[int], peer_edits: int) -> list[Shape]:
    """Every shape measured, in the order printed."""
    found = []
    for size in sizes:
        for style in ("block", "flow"):
            for findings in (False, True):
                shape = f"rules-{style}" + ("-findings" if findings else "")
                text = generate.generate(shape, size)
                name = f"edit, {style} style, {size} rules, " + ("a finding per rule" if findings else "no finding")
                found.append(Shape(name, f"{shape}-{size}.mailflow.yaml", text, measure_edits, peer_edits))
    # JSON is YAML, and JSON tools write a file on one line: every edit is on the line of
    # every rule.
    for findings in (False, True):
        shape = "rules-json-line" + ("-findings" if findings else "")
        name = "edit, JSON on one line, 300 rules, " + ("a finding per rule" if findings else "no finding")
        measure = lambda session, count: measure_edits(session, count, JSON_EDIT_MARKER)  # noqa: E731
        found.append(Shape(name, f"{shape}.mailflow.yaml", generate.generate(shape, 300), measure, peer_edits))
    block = generate.generate("rules-block", 300)
    found.append(Shape("type a key, block style, 300 rules", "typed.mailflow.yaml", block, measure_typing, 1, count=4))
    # A person types a few keys a second: between keys the processor idles, and on this
    # machine an edit after an idle 50 ms or more takes about twice the processor time.
    typing = lambda session, count: measure_typing(session, count, PAUSE_S)  # noqa: E731
    name = f"type a key, {1 / PAUSE_S:.0f} a second, block style, 300 rules"
    found.append(Shape(name, "typed.mailflow.yaml", block, typing, 1, count=2))
    for style, written in (("block", "block style"), ("flow", "flow style"), ("json-line", "JSON on one line")):
        text = generate.generate(f"rules-{style}", 300)
        name = f"open, {written}, 300 rules"
        found.append(Shape(name, "open.mailflow.yaml", text, measure_opening, 10, count=30, fresh=True))
    name = "edit right after opening, block style, 300 rules"
    found.append(Shape(name, "first.mailflow.yaml", block, measure_first_edit, 0, count=20, fresh=True))
    for size in sizes:
        text = generate.generate("rules-block", size)
        lines = text.split("\n")
        for what, method, positions in (
            ("hover on a rule's name", "textDocument/hover", rule_names(lines)),
            ("hover on a key", "textDocument/hover", condition_keys(lines)),
            ("completion of a value", "textDocument/completion", mode_values(lines)),
            ("go to a connector's definition", "textDocument/definition", connector_references(lines)),
        ):
            found.append(
                Shape(f"{what}, block style, {size} rules", f"asked-{size}.mailflow.yaml", text,
                      lambda s, n, m=method, p=positions: measure_requests(s, m, p, n), peer_edits)
            )
        for what, method in (("outline", "textDocument/documentSymbol"), ("folding ranges", "textDocument/foldingRange")):
            found.append(
                Shape(f"{what}, block style, {size} rules", f"asked-{size}.mailflow.yaml", text,
                      lambda s, n, m=method: measure_document_requests(s, m, n), peer_edits, count=30)
            )
        # The smart host connector's name anchored, and the rule redirecting to it through an
        # alias: the request is made on the alias.
        aliased = text.replace("  - name: Mimecast outbound\n", "  - name: &smart-host Mimecast outbound\n", 1)
        aliased = aliased.replace("redirectToConnector: Mimecast outbound", "redirectToConnector: *smart-host", 1)
        lines = aliased.split("\n")
        alias = [(i, line.index("*smart-host") + 2) for i, line in enumerate(lines) if "*smart-host" in line]
        found.append(
            Shape(f"go to a connector's definition through an alias, block style, {size} rules",
                  f"aliased-{size}.mailflow.yaml", aliased,
                  lambda s, n, p=alias: measure_requests(s, "textDocument/definition", p, n), peer_edits)
        )
    dsl = generate.to_dsl(block)
    measure = lambda session, count: measure_edits(session, count, DSL_EDIT_MARKER)  # noqa: E731
    found.append(Shape("edit, DSL, 300 rules", "typed.mailflow", dsl, measure, 0, "mailflow"))
    tokens = lambda session, count: measure_document_requests(session, "textDocument/semanticTokens/full", count)  # noqa: E731
    found.append(Shape("semantic tokens, DSL, 300 rules", "asked.mailflow", dsl, tokens, 0, "mailflow", count=30))
    middle = dsl.count("\n") // 2
    screen = {"range": {"start": {"line": middle, "character": 0}, "end": {"line": middle + 60, "character": 0}}}
    shown = lambda session, count: measure_document_requests(  # noqa: E731
        session, "textDocument/semanticTokens/range", count, screen
    )
    found.append(Shape("semantic tokens of 60 lines, DSL, 300 rules", "shown.mailflow", dsl, shown, 0, "mailflow", count=30))
    return found


def option(args: list[str], name: str, default: str | None) -> str | None:
    if name in args:
        at = args.index(name)
        value = args[at + 1]
        del args[at : at + 2]
        return value
    return default


def run(kind: Kind, shape: Shape, count: int) -> Measured:
    if shape.fresh:
        return shape.measure(kind, shape, count)
    with tempfile.TemporaryDirectory() as folder:
        session = Session(kind, pathlib.Path(folder), shape.file, shape.text, shape.language_id)
        time.sleep(SETTLE_S)
        try:
            return shape.measure(session, count)
        finally:
            session.close()


def main(argv: list[str]) -> None:
    args = list(argv)
    peer = option(args, "--yaml-language-server", os.environ.get("YAML_LANGUAGE_SERVER"))
    sizes = [int(n) for n in option(args, "--sizes", "300,1000,3000").split(",")]
    edits = int(option(args, "--edits", "100"))
    peer_edits = int(option(args, "--peer-edits", "20"))
    only = (option(args, "--only", "") or "").split()
    binary = generate.binary_argument(args, __doc__)
    if not pathlib.Path(binary).exists():
        raise SystemExit(f"no mailflow binary at {binary}: run `cargo build --release -p mailflow` or pass its path")
    os.environ["MAILFLOW_BIN"] = binary
    if peer and not pathlib.Path(peer).exists():
        raise SystemExit(f"no yaml-language-server at {peer}")
    ours, theirs = mailflow_kind(binary), peer_kind(peer) if peer else None
    print(f"load average before: {os.getloadavg()[0]:.2f}; times in ms; cpu: the server's processor time per operation")
    header = f"{'shape':<52} {'n':>4} {'p50':>8} {'p95':>8} {'p99':>8} {'cpu':>7}"
    if theirs:
        header += f"   {'yaml-ls n':>9} {'p50':>8} {'p99':>8} {'cpu':>7}"
        header += f" {'ratio':>7} {'-200ms':>7}"
    print(header, flush=True)
    table = []
    for shape in shapes(sizes, peer_edits):
        if not all(word in shape.name for word in only):
            continue
        count = shape.count or edits
        measured = run(ours, shape, count)
        line = f"{shape.name:<52} {len(measured.times):>4} {measured.p(0.5):>8.2f} {measured.p(0.95):>8.2f} {measured.p(0.99):>8.2f} {measured.cpu_per_operation:>7.2f}"
        row = [shape.name, f"{measured.p(0.5):.1f}", f"{measured.p(0.99):.1f}", "", ""]
        if theirs and shape.peer_count:
            peer_count = min(shape.peer_count, count)
            other = run(theirs, shape, peer_count)
            ratio = other.p(0.5) / measured.p(0.5)
            delay = PEER_DELAY_MS if shape.name.startswith(("edit", "type", "open")) else 0.0
            work = max(other.p(0.5) - delay, 0.0) / measured.p(0.5)
            line += f"   {len(other.times):>9} {other.p(0.5):>8.1f} {other.p(0.99):>8.1f} {other.cpu_per_operation:>7.1f}"
            line += f" {ratio:>6.0f}x {work:>6.0f}x"
            if other.empty:
                line += f" ({other.empty} of {len(other.times)} answered with nothing)"
            # No ratio where yaml-language-server answered nothing at all.
            nothing = other.empty == len(other.times)
            row[3:] = [f"{other.p(0.5):.0f}" + (" (nothing)" if nothing else ""), "" if nothing else f"{ratio:.0f}x"]
        print(line, flush=True)
        table.append(row)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    print("| shape | p50 ms | p99 ms | yaml-language-server p50 ms | ratio |")
    print("|---|---:|---:|---:|---:|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
