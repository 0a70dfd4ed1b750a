"""`mailflow lsp` driven end to end over stdio by a pytest-lsp client, as an editor drives it.

Each test starts the built binary (MAILFLOW_BIN, as the CLI suites do), initializes it with
a real client's capabilities (VS Code 1.65 as bundled with pytest-lsp: UTF-16 columns, push
diagnostics, code actions resolved lazily) or a variant of them (pull diagnostics, UTF-8
columns), opens copies of the bundled examples and checks what an editor would show.

Wherever the server edits text (quick fixes, fix-all, rename, completion), the test applies
the edit to its own copy of the text, sends it back as an incremental `didChange`, and
checks both the diagnostics the server publishes for that version and, where useful, that
they match what `mailflow check` reports for the same text: the two front doors must agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import threading
import time
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from conftest import EXAMPLES, ROOT

# A server that answers outside the client's stated capabilities fails the test.
pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.filterwarnings("error::pytest_lsp.checks.LspSpecificationWarning"),
]

MAILFLOW = pathlib.Path(os.environ.get("MAILFLOW_BIN", ROOT / "target" / "debug" / "mailflow"))
TIMEOUT = 20  # seconds for any one answer; the server answers in milliseconds
ANTI_LOOP = "broken-missing-anti-loop.mailflow.yaml"
FIX_ALL = "source.fixAll.mailflow"


# ---------------------------------------------------------------------------------------
# Text and position helpers (LSP lines end at \n, \r\n or \r; columns in UTF-16 or UTF-8)


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]


def units(ch: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    return 2 if ord(ch) > 0xFFFF else 1


def to_offset(text: str, position: t.Position, encoding: str = "utf-16") -> int:
    starts = line_starts(text)
    if position.line >= len(starts):
        return len(text)
    start = starts[position.line]
    end = starts[position.line + 1] if position.line + 1 < len(starts) else len(text)
    line = text[start:end].rstrip("\r\n")
    counted = 0
    for index, ch in enumerate(line):
        if counted >= position.character:
            assert counted == position.character, f"column {position.character} splits a character on line {position.line}"
            return start + index
        counted += units(ch, encoding)
    return start + len(line)


def to_position(text: str, offset: int, encoding: str = "utf-16") -> t.Position:
    starts = line_starts(text)
    line = max(i for i, s in enumerate(starts) if s <= offset)
    return t.Position(line=line, character=sum(units(c, encoding) for c in text[starts[line] : offset]))


def find(text: str, needle: str, nth: int = 0, delta: int = 0, encoding: str = "utf-16") -> t.Position:
    """The position of the nth occurrence of `needle`, moved `delta` characters into it."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    return to_position(text, offset + delta, encoding)


def line_of(text: str, needle: str, nth: int = 0) -> int:
    return find(text, needle, nth).line


def text_in(text: str, range_: t.Range, encoding: str = "utf-16") -> str:
    return text[to_offset(text, range_.start, encoding) : to_offset(text, range_.end, encoding)]


def ordered(text: str, edits: list[t.TextEdit], encoding: str) -> list[tuple[int, int, int, t.TextEdit]]:
    """Edits with their offsets in `text`, in document order (inserts at one place in array
    order, as the spec says); they must not overlap."""
    spans = sorted(
        (to_offset(text, e.range.start, encoding), to_offset(text, e.range.end, encoding), i, e) for i, e in enumerate(edits)
    )
    for (_, end, _, _), (start, _, _, _) in zip(spans, spans[1:]):
        assert start >= end, f"overlapping edits: {edits}"
    return spans


def apply_edits(text: str, edits: list[t.TextEdit], encoding: str = "utf-16") -> str:
    out, at = [], 0
    for start, end, _, edit in ordered(text, edits, encoding):
        out += [text[at:start], edit.new_text]
        at = end
    return "".join(out) + text[at:]


def as_changes(text: str, edits: list[t.TextEdit], encoding: str = "utf-16") -> list[t.TextDocumentContentChangeEvent]:
    """The edits as incremental changes applied one after the other: last in the document
    first, so that each range is still valid when the server applies it."""
    return [
        t.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)
        for _, _, _, edit in reversed(ordered(text, edits, encoding))
    ]


def edits_for(edit: t.WorkspaceEdit | None, uri: str) -> list[t.TextEdit]:
    assert edit is not None, "no workspace edit"
    found: list[t.TextEdit] = []
    if edit.changes:
        assert set(edit.changes) <= {uri}, f"edit touches other files: {list(edit.changes)}"
        found += edit.changes.get(uri, [])
    for change in edit.document_changes or []:
        assert isinstance(change, t.TextDocumentEdit), f"unexpected document change {change}"
        assert change.text_document.uri == uri
        found += change.edits
    assert found, "the workspace edit changes nothing"
    return found


def codes(diagnostics) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def serious(diagnostics) -> set[str]:
    """Codes of errors and warnings: what an example's `# expect:` line lists."""
    return {str(d.code) for d in diagnostics if d.severity in (t.DiagnosticSeverity.Error, t.DiagnosticSeverity.Warning)}


def expected_codes(path: pathlib.Path) -> set[str]:
    words = re.search(r"^# expect: (.+)$", path.read_text(), re.MULTILINE).group(1).split()
    return set() if words == ["none"] else set(words)


def cli_check(path: pathlib.Path) -> list[dict]:
    result = subprocess.run([str(MAILFLOW), "check", "--format", "json", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["diagnostics"]


def assert_agrees_with_cli(diagnostics, text: str, tmp_path: pathlib.Path, name: str = "cli-copy.mailflow.yaml"):
    """The server's findings on `text` are the CLI's: same codes at the same places (the
    CLI counts lines and characters from 1), same messages (the server adds the rule name).
    `name` is the file the CLI reads: its extension says the syntax."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    expected = sorted(
        (d["code"], d["range"]["start"]["line"] - 1, d["range"]["start"]["column"] - 1, d["message"]) for d in cli_check(path)
    )
    got = []
    for d in diagnostics:
        line = text[line_starts(text)[d.range.start.line] :].split("\n")[0]
        column = len(line[: to_offset(line, t.Position(line=0, character=d.range.start.character))])
        message = re.sub(r" \([a-z0-9-]+\)$", "", d.message)
        got.append((str(d.code), d.range.start.line, column, message))
    assert sorted(got) == expected


# ---------------------------------------------------------------------------------------
# Sessions


def make_client() -> LanguageClient:
    """pytest-lsp's client, keeping every publishDiagnostics (with its version) in order."""
    client = LanguageClient()
    client.published = []  # type: ignore[attr-defined]
    client.configuration_requests = 0  # type: ignore[attr-defined]

    def publish(client: LanguageClient, params: t.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)  # type: ignore[attr-defined]

    def configuration(client: LanguageClient, params: t.ConfigurationParams):
        client.configuration_requests += 1  # type: ignore[attr-defined]
        return DEFAULT_CLIENT_FEATURES[t.WORKSPACE_CONFIGURATION](client, params)

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[t.WORKSPACE_CONFIGURATION] = configuration
    register_lsp_features(client, features)
    return client


def vscode_capabilities() -> t.ClientCapabilities:
    """VS Code's: UTF-16 columns (it names no positionEncodings), push diagnostics,
    `codeAction/resolve` for `edit`, snippets, markdown, work-done progress, configuration."""
    return client_capabilities("visual-studio-code")


def with_pull_diagnostics(capabilities: t.ClientCapabilities) -> t.ClientCapabilities:
    capabilities.text_document.diagnostic = t.DiagnosticClientCapabilities(dynamic_registration=False, related_document_support=False)
    capabilities.workspace.diagnostics = t.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return capabilities


def with_utf8(capabilities: t.ClientCapabilities) -> t.ClientCapabilities:
    capabilities.general = capabilities.general or t.GeneralClientCapabilities()
    capabilities.general.position_encodings = [t.PositionEncodingKind.Utf8, t.PositionEncodingKind.Utf16]
    return capabilities


def without_resolve(capabilities: t.ClientCapabilities) -> t.ClientCapabilities:
    capabilities.text_document.code_action.resolve_support = None
    return capabilities


@contextlib.asynccontextmanager
async def session(capabilities=None, folders: list[pathlib.Path] = (), configuration: dict | None = None, args=("lsp",)):
    """A started, initialized server; shut down (and checked to exit with 0) afterwards."""
    probe = subprocess.run([str(MAILFLOW), "lsp", "--help"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        pytest.fail(f"{MAILFLOW} has no `lsp` subcommand (exit {probe.returncode}): {probe.stderr.strip()}")
    client = await ClientServerConfig(server_command=[str(MAILFLOW), *args], client_factory=make_client).start()
    if configuration is not None:
        client.set_configuration(configuration)
    client.init_result = await within(  # type: ignore[attr-defined]
        client.initialize_session(
            t.InitializeParams(
                capabilities=capabilities or vscode_capabilities(),
                client_info=t.ClientInfo(name="pytest-lsp", version="1"),
                root_uri=folders[0].as_uri() if folders else None,
                workspace_folders=[t.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders] or None,
            )
        )
    )
    try:
        yield client
        await within(client.shutdown_session())
        assert client._server.returncode == 0, f"the server exited with {client._server.returncode} after shutdown and exit"
    finally:
        # pygls' stop() waits for the server to exit: after a failed test it has not been
        # told to, so end it first.
        if client._server is not None and client._server.returncode is None:
            client._server.kill()
        await within(client.stop())


async def within(awaitable, timeout: float = TIMEOUT):
    return await asyncio.wait_for(awaitable, timeout)


async def eventually(predicate, what: str, timeout: float = TIMEOUT):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := predicate()):
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
    return result


async def published(client, uri: str, version: int | None):
    """The diagnostics the server published for this version of the document (the latest
    publication of it: the server may publish a version twice, e.g. after reading settings)."""

    def latest():
        for params in reversed(client.published):
            if params.uri == uri and params.version == version:
                return params
        return None

    return (await eventually(latest, f"publishDiagnostics of {uri} version {version}")).diagnostics


class Doc:
    """An open document: the client's copy of its text and version, kept in step with the server."""

    def __init__(self, client: LanguageClient, path: pathlib.Path, encoding: str = "utf-16", language_id: str = "yaml"):
        self.client, self.path, self.uri, self.encoding = client, path, path.as_uri(), encoding
        self.text = path.read_bytes().decode("utf-8")
        self.version = 1
        client.text_document_did_open(
            t.DidOpenTextDocumentParams(
                text_document=t.TextDocumentItem(uri=self.uri, language_id=language_id, version=self.version, text=self.text)
            )
        )

    @property
    def id(self):
        return t.TextDocumentIdentifier(uri=self.uri)

    def at(self, needle: str, nth: int = 0, delta: int = 0) -> t.Position:
        return find(self.text, needle, nth, delta, self.encoding)

    def pos(self, needle: str, nth: int = 0, delta: int = 0) -> t.TextDocumentPositionParams:
        return t.TextDocumentPositionParams(text_document=self.id, position=self.at(needle, nth, delta))

    async def diagnostics(self):
        return await published(self.client, self.uri, self.version)

    def apply(self, edits: list[t.TextEdit]) -> str:
        """Sends `edits` as one incremental didChange; returns the new text."""
        changes = as_changes(self.text, edits, self.encoding)
        self.text = apply_edits(self.text, edits, self.encoding)
        self.version += 1
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version), content_changes=changes
            )
        )
        return self.text

    def apply_workspace_edit(self, edit: t.WorkspaceEdit | None) -> str:
        return self.apply(edits_for(edit, self.uri))

    def replace_all(self, text: str):
        self.text = text
        self.version += 1
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def insert(self, position: t.Position, new_text: str) -> str:
        return self.apply([t.TextEdit(range=t.Range(start=position, end=position), new_text=new_text)])

    def replace(self, needle: str, new_text: str, nth: int = 0) -> str:
        start = self.at(needle, nth)
        end = self.at(needle, nth, len(needle))
        return self.apply([t.TextEdit(range=t.Range(start=start, end=end), new_text=new_text)])


def copy_example(tmp_path: pathlib.Path, name: str = ANTI_LOOP) -> pathlib.Path:
    target = tmp_path / name
    shutil.copyfile(EXAMPLES / name, target)
    return target


@pytest_asyncio.fixture
async def vscode():
    async with session() as client:
        yield client


def hover_text(hover: t.Hover | None) -> str:
    assert hover is not None, "no hover"
    contents = hover.contents
    if isinstance(contents, t.MarkupContent):
        return contents.value
    if isinstance(contents, list):
        return "\n".join(c if isinstance(c, str) else c.value for c in contents)
    return contents if isinstance(contents, str) else contents.value


# ---------------------------------------------------------------------------------------
# Initialization


async def test_initialize_announces_what_the_server_does(vscode):
    result = vscode.init_result
    assert result.server_info.name == "mailflow"
    caps = result.capabilities
    # VS Code names no position encodings: UTF-16 is the one both sides know.
    assert caps.position_encoding in (None, t.PositionEncodingKind.Utf16)
    sync = caps.text_document_sync
    assert sync.open_close is True and sync.change == t.TextDocumentSyncKind.Incremental
    # A client without pull diagnostics gets them pushed, and is offered no pull provider.
    assert caps.diagnostic_provider is None
    assert caps.hover_provider
    assert caps.code_action_provider.resolve_provider is True
    assert {t.CodeActionKind.QuickFix, FIX_ALL} <= set(caps.code_action_provider.code_action_kinds)
    assert caps.completion_provider is not None
    assert caps.definition_provider and caps.references_provider
    assert caps.rename_provider.prepare_provider is True
    assert caps.document_symbol_provider and caps.workspace_symbol_provider and caps.folding_range_provider
    assert list(caps.execute_command_provider.commands) == ["mailflow.trace", "mailflow.headers"]


async def test_stdio_flag_is_accepted():
    async with session(args=("lsp", "--stdio")) as client:
        assert client.init_result.server_info.name == "mailflow"


# ---------------------------------------------------------------------------------------
# Diagnostics


async def test_open_publishes_the_findings_with_the_loop_hops(vscode, tmp_path):
    doc = Doc(vscode, copy_example(tmp_path))
    diagnostics = await doc.diagnostics()
    assert serious(diagnostics) == {"MF301", "MF304"} == expected_codes(doc.path)

    by_code = {str(d.code): d for d in diagnostics}
    rule_line = line_of(doc.text, "- name: Proofpoint outbound\n")
    for code in ("MF301", "MF304"):
        d = by_code[code]
        assert d.severity == t.DiagnosticSeverity.Error
        assert d.source == "mailflow"
        # On the rule's name, as the CLI reports it.
        assert d.range.start.line == rule_line
        assert text_in(doc.text, d.range) == "Proofpoint outbound"
        assert "Proofpoint outbound" in d.message

    # The loop's hops are related information, each at the rule or connector it passes.
    hops = by_code["MF304"].related_information
    assert hops and len(hops) >= 4, hops
    assert all(h.location.uri == doc.uri for h in hops)
    messages = [h.message for h in hops]
    assert messages[0].startswith("pass 1:") and any(m.startswith("pass 2:") for m in messages)
    places = {text_in(doc.text, h.location.range) for h in hops}
    assert {"CodeTwo Exchange transport rule", "CodeTwo Email Signatures 365 connector", "Proofpoint outbound connector"} <= places

    assert_agrees_with_cli(diagnostics, doc.text, tmp_path)


async def test_every_example_shows_what_its_comment_promises(vscode, tmp_path):
    docs = [Doc(vscode, copy_example(tmp_path, p.name)) for p in sorted(EXAMPLES.glob("*.mailflow.yaml"))]
    for doc in docs:
        assert serious(await doc.diagnostics()) == expected_codes(doc.path), doc.path.name


async def test_incremental_changes_are_checked_by_version(vscode, tmp_path):
    doc = Doc(vscode, copy_example(tmp_path))
    await doc.diagnostics()

    # Add the anti-loop header but not yet its exception: MF301 gives way to MF302, the loop stays.
    redirect = doc.at("      redirectToConnector: Proofpoint outbound connector")
    doc.insert(redirect, '      setHeader: {name: X-AntiLoop-Proofpoint, value: "true"}\n')
    assert doc.version == 2
    diagnostics = await doc.diagnostics()
    assert "MF301" not in codes(diagnostics)
    assert {"MF302", "MF304"} <= serious(diagnostics)
    assert_agrees_with_cli(diagnostics, doc.text, tmp_path)

    # Two changes in one notification: the exception replaces the TODO comment, and a
    # comment goes at the end of the name line (after the first change, as the server
    # applies them in order).
    todo = "    # TODO: anti-loop header? (ticket INC-40417 - ATTR1 NDRs since Monday)"
    start, end = doc.at(todo), doc.at(todo, delta=len(todo))
    exception = '    exceptions: {headerContains: {header: X-AntiLoop-Proofpoint, words: ["true"]}}'
    name_end = doc.at("- name: Proofpoint outbound\n", delta=len("- name: Proofpoint outbound"))
    new_text = doc.text.replace(todo, exception).replace("- name: Proofpoint outbound\n", "- name: Proofpoint outbound  # fixed\n")
    doc.version += 1
    vscode.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
            content_changes=[
                t.TextDocumentContentChangePartial(range=t.Range(start=start, end=end), text=exception),
                t.TextDocumentContentChangePartial(range=t.Range(start=name_end, end=name_end), text="  # fixed"),
            ],
        )
    )
    doc.text = new_text
    diagnostics = await doc.diagnostics()
    assert serious(diagnostics) == set(), codes(diagnostics)
    assert_agrees_with_cli(diagnostics, doc.text, tmp_path)

    # Many quick edits: only the last version matters, and it is published.
    for typed, ch in enumerate("abc"):
        doc.insert(doc.at("  name: Woodgrove Bank", delta=len("  name: Woodgrove Bank") + typed), ch)
    assert serious(await doc.diagnostics()) == set()
    assert "Woodgrove Bankabc" in doc.text


async def type_agreeing_with_cli(doc: Doc, offset: int, typed: str, every: int, tmp_path, name: str = "cli-copy.mailflow.yaml") -> int:
    """Types `typed` into `doc` at `offset` a character at a time, each in a didChange of its
    own; every `every` characters and at the end, the published findings must be what the
    CLI finds in the same text (read as `name`). Returns the offset after the typed text."""
    for count, ch in enumerate(typed, start=1):
        doc.insert(to_position(doc.text, offset), ch)
        offset += len(ch)
        diagnostics = await doc.diagnostics()
        if count % every == 0 or count == len(typed):
            assert_agrees_with_cli(diagnostics, doc.text, tmp_path, name)
    return offset


async def test_typing_a_rule_and_deleting_it_agrees_with_the_cli_at_each_step(vscode, tmp_path):
    """The server reuses, from the version before, what an edit left alone; as a rule is
    typed above two others a character at a time and then deleted seven at a time, what
    it publishes is what a fresh check of the same text says."""
    doc = Doc(vscode, copy_example(tmp_path))
    await doc.diagnostics()
    rule = (
        "  - name: Mark external\n    priority: 1\n    conditions: {senderIs: inside}\n"
        "    actions:\n      setHeader: {name: X-Ext, value: '1'}\n    comments: |+\n      kept\n\n"
    )
    offset = doc.text.index("  - name: CodeTwo Exchange transport rule\n")
    offset = await type_agreeing_with_cli(doc, offset, rule, 9, tmp_path)
    assert "Mark external" in doc.text
    for end in range(len(rule), 0, -7):
        start = max(0, end - 7)
        base = offset - len(rule)
        span = t.Range(start=to_position(doc.text, base + start), end=to_position(doc.text, base + end))
        doc.apply([t.TextEdit(range=span, new_text="")])
        assert_agrees_with_cli(await doc.diagnostics(), doc.text, tmp_path)
    assert doc.text == (EXAMPLES / ANTI_LOOP).read_text()


async def test_a_burst_of_changes_publishes_versions_in_order(vscode, tmp_path):
    doc = Doc(vscode, copy_example(tmp_path))
    await doc.diagnostics()
    broken, fixed = doc.text, doc.text.replace("    deferOnError: true\n", "    deferOnError: true\n    enabled: false\n")
    for n in range(30):
        doc.replace_all(fixed if n % 2 == 0 else broken)
    # The last version is published, and no older version after a newer one.
    last = await doc.diagnostics()
    assert serious(last) == {"MF301", "MF304"}
    await asyncio.sleep(0.3)
    versions = [p.version for p in vscode.published if p.uri == doc.uri]
    assert versions == sorted(versions), versions
    assert versions[-1] == doc.version


async def test_crlf_documents_keep_their_line_breaks(vscode, tmp_path):
    path = tmp_path / ANTI_LOOP
    path.write_bytes((EXAMPLES / ANTI_LOOP).read_bytes().replace(b"\n", b"\r\n"))
    doc = Doc(vscode, path)
    diagnostics = await doc.diagnostics()
    assert serious(diagnostics) == {"MF301", "MF304"}
    mf301 = next(d for d in diagnostics if d.code == "MF301")
    assert text_in(doc.text, mf301.range) == "Proofpoint outbound"
    for action in await code_actions(vscode, doc, mf301.range, [mf301]):
        if action.kind != t.CodeActionKind.QuickFix:
            continue
        action = await resolved(vscode, action)
        for edit in edits_for(action.edit, doc.uri):
            assert re.search(r"(?<!\r)\n", edit.new_text) is None, f"{action.title!r} inserts a bare LF: {edit.new_text!r}"
    fix = next(a for a in await code_actions(vscode, doc, mf301.range, [mf301]) if a.title.startswith("Mark mail"))
    doc.apply_workspace_edit((await resolved(vscode, fix)).edit)
    assert serious(await doc.diagnostics()) == set()
    assert re.search(r"(?<!\r)\n", doc.text) is None
    # An incremental edit on a CRLF line: replace the end of the organization's name.
    doc.replace("Woodgrove Bank\r\n", "Woodgrove Bank Ltd\r\n")
    assert serious(await doc.diagnostics()) == set()
    assert_agrees_with_cli(await doc.diagnostics(), doc.text, tmp_path)


async def test_closing_a_document_clears_its_diagnostics(vscode, tmp_path):
    doc = Doc(vscode, copy_example(tmp_path))
    assert await doc.diagnostics()
    vscode.text_document_did_close(t.DidCloseTextDocumentParams(text_document=doc.id))
    assert list(await published(vscode, doc.uri, None)) == []


async def test_no_diagnostics_are_published_before_the_settings_are_read(tmp_path):
    """A document opened right after `initialized` (as every editor does with the files it
    has open) must not flash findings the settings ignore."""
    settings = {"mailflow": {"ignore": ["MF304"]}}
    async with session(configuration=settings) as client:
        doc = Doc(client, copy_example(tmp_path))
        await doc.diagnostics()
        await asyncio.sleep(0.5)
        publications = [codes(p.diagnostics) for p in client.published if p.uri == doc.uri]
        assert publications and all(c == ["MF301"] for c in publications), publications


# ---------------------------------------------------------------------------------------
# Hover


async def test_hover_on_a_value_and_on_a_suppressed_code(vscode, tmp_path):
    doc = Doc(vscode, copy_example(tmp_path))
    await doc.diagnostics()
    hover = await within(vscode.text_document_hover_async(t.HoverParams(**vars_of(doc.pos("recipientIs: outside", delta=15)))))
    assert "outside the organization" in hover_text(hover).lower()
    assert hover.range is not None and text_in(doc.text, hover.range) == "outside"

    # A suppression comment: its code explains itself, and one that suppresses nothing is
    # reported (MF014) and shown faded.
    rule = doc.at("  - name: Proofpoint outbound\n")
    doc.insert(rule, "  # mailflow: ignore[MF304, MF203]\n")
    diagnostics = await doc.diagnostics()
    assert "MF304" not in codes(diagnostics)
    [unused] = [d for d in diagnostics if d.code == "MF014"]
    assert text_in(doc.text, unused.range) == "MF203"
    assert list(unused.tags or []) == [t.DiagnosticTag.Unnecessary]
    hover = await within(vscode.text_document_hover_async(t.HoverParams(**vars_of(doc.pos("ignore[MF304", delta=9)))))
    assert "MF304" in hover_text(hover) and "routing-loop" in hover_text(hover)


async def test_hover_on_a_rule_and_a_connector_name(vscode, tmp_path):
    doc = Doc(vscode, copy_example(tmp_path))
    await doc.diagnostics()
    hover = await within(vscode.text_document_hover_async(t.HoverParams(**vars_of(doc.pos("- name: Proofpoint outbound\n", delta=12)))))
    text = hover_text(hover)
    assert text.startswith("**Transport rule** `Proofpoint outbound`"), text
    # The findings on the name bring their pages along.
    assert "MF301" in text and "MF304" in text
    assert hover.range is not None and text_in(doc.text, hover.range) == "Proofpoint outbound"

    hover = await within(
        vscode.text_document_hover_async(t.HoverParams(**vars_of(doc.pos("- name: Proofpoint outbound connector", delta=12))))
    )
    assert hover_text(hover).startswith("**Connector** `Proofpoint outbound connector`"), hover_text(hover)

    # A comment has nothing to explain.
    hover = await within(vscode.text_document_hover_async(t.HoverParams(**vars_of(doc.pos("# TODO", delta=3)))))
    assert hover is None


def vars_of(params: t.TextDocumentPositionParams) -> dict[str, Any]:
    return {"text_document": params.text_document, "position": params.position}


# ---------------------------------------------------------------------------------------
# Code actions


async def code_actions(client, doc: Doc, range_: t.Range, diagnostics, only=None) -> list[t.CodeAction]:
    result = await within(
        client.text_document_code_action_async(
            t.CodeActionParams(
                text_document=doc.id,
                range=range_,
                context=t.CodeActionContext(diagnostics=list(diagnostics), only=only, trigger_kind=t.CodeActionTriggerKind.Invoked),
            )
        )
    )
    assert result is not None
    assert all(isinstance(a, t.CodeAction) for a in result), result
    return result


async def resolved(client, action: t.CodeAction) -> t.CodeAction:
    if action.edit is not None:
        return action
    assert action.data is not None, f"{action.title!r} has neither an edit nor data to resolve it with"
    action = await within(client.code_action_resolve_async(action))
    assert action.edit is not None, f"{action.title!r} resolved to no edit"
    return action


async def test_each_code_action_removes_its_finding(vscode, tmp_path):
    doc = Doc(vscode, copy_example(tmp_path))
    original = await doc.diagnostics()
    original_text = doc.text
    titles = []
    for target in original:
        # The actions for every finding in the range (MF301 and MF304 share the rule's name).
        actions = await code_actions(vscode, doc, target.range, [target], only=[t.CodeActionKind.QuickFix])
        assert actions, f"no quick fix for {target.code}"
        for action in actions:
            assert action.kind == t.CodeActionKind.QuickFix
            [diagnostic] = action.diagnostics
            assert (diagnostic.code, diagnostic.range) in [(d.code, d.range) for d in original]
            if action.title in titles:
                continue
            titles.append(action.title)
            if action.title.startswith("Ignore"):
                # Small edits come with the action.
                assert action.edit is not None
            else:
                # VS Code resolves `edit`: the server computes fixes only when one is picked.
                assert action.edit is None
            action = await resolved(vscode, action)
            doc.apply_workspace_edit(action.edit)
            after = await doc.diagnostics()
            assert str(diagnostic.code) not in codes(after), f"{action.title!r} left {diagnostic.code}: {codes(after)}"
            assert "MF001" not in codes(after)
            if action.title.startswith("Ignore"):
                assert f"# mailflow: ignore[{diagnostic.code}]" in doc.text
                # Ignoring one finding leaves the others.
                assert codes(after) == [c for c in codes(original) if c != str(diagnostic.code)]
            # Back to the original text for the next action.
            doc.replace_all(original_text)
            assert codes(await doc.diagnostics()) == codes(original)

    assert "Ignore MF301 for this object" in titles
    assert "Ignore MF304 for this object" in titles
    assert any(title.startswith("Mark mail `Proofpoint outbound` routes with the anti-loop header") for title in titles), titles


async def test_quick_fix_edits_come_inline_without_resolve_support(tmp_path):
    async with session(without_resolve(vscode_capabilities())) as client:
        doc = Doc(client, copy_example(tmp_path))
        mf301 = next(d for d in await doc.diagnostics() if d.code == "MF301")
        actions = await code_actions(client, doc, mf301.range, [mf301])
        fix = next(a for a in actions if a.title.startswith("Mark mail"))
        assert fix.edit is not None and fix.is_preferred is True
        doc.apply_workspace_edit(fix.edit)
        assert serious(await doc.diagnostics()) == set()


async def test_a_stale_action_resolves_to_no_edit(vscode, tmp_path):
    doc = Doc(vscode, copy_example(tmp_path))
    mf301 = next(d for d in await doc.diagnostics() if d.code == "MF301")
    fix = next(a for a in await code_actions(vscode, doc, mf301.range, [mf301]) if a.title.startswith("Mark mail"))
    doc.insert(t.Position(line=0, character=0), "# edited meanwhile\n")
    await doc.diagnostics()
    stale = await within(vscode.code_action_resolve_async(fix))
    assert stale.edit is None


async def test_fix_all_applies_the_safe_fixes_like_the_cli(vscode, tmp_path):
    path = copy_example(tmp_path)
    doc = Doc(vscode, path)
    diagnostics = await doc.diagnostics()
    whole = t.Range(start=t.Position(line=0, character=0), end=to_position(doc.text, len(doc.text)))
    actions = await code_actions(vscode, doc, whole, [], only=[FIX_ALL])
    assert [a.kind for a in actions] == [FIX_ALL], actions
    # The fix-all action is also offered unasked where a safe fix is.
    unasked = await code_actions(vscode, doc, diagnostics[0].range, diagnostics)
    assert FIX_ALL in [a.kind for a in unasked]

    doc.apply_workspace_edit((await resolved(vscode, actions[0])).edit)
    assert serious(await doc.diagnostics()) == set()

    # `mailflow check --fix` writes the same text.
    fixed = subprocess.run([str(MAILFLOW), "check", "--fix", str(path)], capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert doc.text == path.read_text()

    # Nothing left to fix: no fix-all action.
    whole = t.Range(start=t.Position(line=0, character=0), end=to_position(doc.text, len(doc.text)))
    assert list(await code_actions(vscode, doc, whole, [], only=[FIX_ALL])) == []


# ---------------------------------------------------------------------------------------
# Completion


async def complete(client, doc: Doc, position: t.Position) -> list[t.CompletionItem]:
    result = await within(
        client.text_document_completion_async(t.CompletionParams(text_document=doc.id, position=position))
    )
    assert result is not None
    return result.items if isinstance(result, t.CompletionList) else result


async def test_completion_in_a_new_file_and_of_a_partly_typed_key(vscode, tmp_path):
    path = tmp_path / "new.mailflow.yaml"
    path.write_text("")
    doc = Doc(vscode, path)
    await doc.diagnostics()
    items = await complete(vscode, doc, t.Position(line=0, character=0))
    assert {"mailflow", "organization", "connectors", "transportRules"} <= {i.label for i in items}

    doc = Doc(vscode, copy_example(tmp_path))
    await doc.diagnostics()
    # "stopP" typed inside a rule: the completion replaces the typed part with the whole key.
    doc.insert(doc.at("    deferOnError: true\n", delta=len("    deferOnError: true\n")), "    stopP")
    position = doc.at("    stopP", delta=len("    stopP"))
    items = await complete(vscode, doc, position)
    [stop] = [i for i in items if i.label == "stopProcessingMoreRules"]
    edit = stop.text_edit
    assert text_in(doc.text, edit.range) == "stopP", edit
    doc.apply([t.TextEdit(range=edit.range, new_text=edit.new_text if stop.insert_text_format != t.InsertTextFormat.Snippet else re.sub(r"\$\{\d+:?([^}]*)\}|\$\d+", r"\1", edit.new_text))])
    assert "\n    stopProcessingMoreRules" in doc.text


# ---------------------------------------------------------------------------------------
# Navigation and rename


async def test_rename_of_a_connector_follows_every_reference(vscode, tmp_path):
    doc = Doc(vscode, copy_example(tmp_path))
    before = await doc.diagnostics()
    position = doc.pos("- name: Proofpoint outbound connector", delta=12)

    prepared = await within(vscode.text_document_prepare_rename_async(t.PrepareRenameParams(**vars_of(position))))
    range_ = prepared if isinstance(prepared, t.Range) else prepared.range
    assert text_in(doc.text, range_) == "Proofpoint outbound connector"

    edit = await within(vscode.text_document_rename_async(t.RenameParams(**vars_of(position), new_name="Proofpoint EU relay")))
    edits = edits_for(edit, doc.uri)
    assert len(edits) == 2
    doc.apply(edits)
    assert "Proofpoint outbound connector" not in doc.text
    assert doc.text.count("Proofpoint EU relay") == 2
    after = await doc.diagnostics()
    # Same findings, nothing unknown: the redirect follows the connector.
    assert codes(after) == codes(before)
    assert "MF006" not in codes(after)
    assert any("Proofpoint EU relay" in d.message for d in after)

    # A name that YAML must quote is quoted.
    position = doc.pos("redirectToConnector: Proofpoint EU relay", delta=25)
    edit = await within(vscode.text_document_rename_async(t.RenameParams(**vars_of(position), new_name="Proofpoint: EU #1")))
    doc.apply(edits_for(edit, doc.uri))
    after = await doc.diagnostics()
    assert codes(after) == codes(before), [d.message for d in after]
    assert any("Proofpoint: EU #1" in d.message for d in after)

    # Nothing to rename on a comment; a rename to a name another connector has is refused.
    assert await within(vscode.text_document_prepare_rename_async(t.PrepareRenameParams(**vars_of(doc.pos("# TODO", delta=3))))) is None
    assert '- name: "Proofpoint: EU #1"\n' in doc.text and 'redirectToConnector: "Proofpoint: EU #1"\n' in doc.text
    position = doc.pos('redirectToConnector: "Proofpoint', delta=25)
    with pytest.raises(JsonRpcException):
        await within(
            vscode.text_document_rename_async(
                t.RenameParams(**vars_of(position), new_name="CodeTwo Email Signatures 365 connector")
            )
        )


# ---------------------------------------------------------------------------------------
# Workspace symbols


async def test_workspace_symbols_cover_open_and_unopened_files_with_progress(tmp_path):
    workspace = tmp_path / "tenant"
    shutil.copytree(EXAMPLES, workspace)
    count = len(list(workspace.glob("*.mailflow.yaml"))) + len(list(workspace.glob("*.mailflow")))
    async with session(folders=[workspace]) as client:
        token = "mailflow/scan"

        def ended():
            return any(isinstance(r, t.WorkDoneProgressEnd) for r in client.progress_reports.get(token, []))

        await eventually(ended, "the end of the workspace scan's progress")
        reports = client.progress_reports[token]
        assert isinstance(reports[0], t.WorkDoneProgressBegin) and "mailflow" in reports[0].title
        assert f"{count} mail-flow files" in reports[-1].message

        doc = Doc(client, workspace / ANTI_LOOP)
        await doc.diagnostics()
        found = await within(client.workspace_symbol_async(t.WorkspaceSymbolParams(query="Proofpoint")))
        names = {(s.name, s.location.uri.rsplit("/", 1)[-1]) for s in found}
        assert ("Proofpoint outbound", ANTI_LOOP) in names
        assert ("Proofpoint outbound connector", ANTI_LOOP) in names
        # From a file that is not open.
        assert ("Proofpoint Essentials Outbound", "codetwo-proofpoint.mailflow.yaml") in names
        for s in found:
            assert "proofpoint" in s.name.lower() or "proofpoint" in (s.container_name or "").lower()
            if s.location.uri == doc.uri:
                assert text_in(doc.text, s.location.range) == s.name

        mimecast = await within(client.workspace_symbol_async(t.WorkspaceSymbolParams(query="mimecast")))
        assert any(s.location.uri.endswith("codetwo-mimecast.mailflow.yaml") for s in mimecast)


async def test_folding_ranges_keep_to_the_clients_limit_outermost_first(tmp_path):
    # Fifty rules, each a list item holding two mappings: more ranges than the client shows.
    rules = "".join(
        f"  - name: Rule {n}\n    priority: {n}\n    conditions:\n      senderIs: inside\n"
        f"    actions:\n      setHeader: {{name: X-Rule-{n}, value: 'yes'}}\n"
        for n in range(50)
    )
    path = tmp_path / "many.mailflow.yaml"
    path.write_text(f"mailflow: 1\norganization:\n  domains: [contoso.com]\ntransportRules:\n{rules}")

    async def folds(limit):
        capabilities = vscode_capabilities()
        capabilities.text_document.folding_range.range_limit = limit
        async with session(capabilities) as client:
            doc = Doc(client, path)
            await doc.diagnostics()
            ranges = await within(client.text_document_folding_range_async(t.FoldingRangeParams(text_document=doc.id)))
            return doc.text, {(r.start_line, r.end_line) for r in ranges}

    text, every = await folds(None)
    assert len(every) == 1 + 1 + 50 * 3  # organization, transportRules, each rule and its two mappings
    _, kept = await folds(80)
    assert len(kept) == 80 and kept <= every
    lines = text.splitlines()
    rule_lines = {n for n, line in enumerate(lines) if line.startswith("  - name: Rule ")}
    assert {first for first, _ in kept} >= rule_lines | {1, 3}, "every rule and top-level key stays foldable"
    # The 28 left over fold the first rules' conditions and actions, in the order of the text.
    inner = sorted(first for first, _ in kept if lines[first].startswith("    "))
    assert inner == sorted(first for first, _ in every if lines[first].startswith("    "))[:28]


# ---------------------------------------------------------------------------------------
# Other clients: pull diagnostics, UTF-8 columns


async def test_a_client_that_pulls_diagnostics(tmp_path):
    async with session(with_pull_diagnostics(vscode_capabilities())) as client:
        provider = client.init_result.capabilities.diagnostic_provider
        assert provider is not None and provider.identifier == "mailflow"
        doc = Doc(client, copy_example(tmp_path))

        async def pull():
            report = await within(client.text_document_diagnostic_async(t.DocumentDiagnosticParams(text_document=doc.id)))
            assert report.kind == "full"
            return report.items

        items = await pull()
        assert serious(items) == {"MF301", "MF304"}
        mf304 = next(d for d in items if d.code == "MF304")
        assert len(mf304.related_information) >= 4

        doc.insert(doc.at("      redirectToConnector: Proofpoint outbound connector"), '      setHeader: {name: X-AntiLoop-Proofpoint, value: "true"}\n')
        assert "MF302" in codes(await pull())

        # Settings changed: the server asks the client to pull again.
        refreshes = client.diagnostic_refresh_count
        client.set_configuration({"mailflow": {"ignore": ["MF3"]}})
        client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
        await eventually(lambda: client.diagnostic_refresh_count > refreshes, "workspace/diagnostic/refresh")
        assert not [c for c in codes(await pull()) if c.startswith("MF3")]

        # Nothing was pushed.
        await asyncio.sleep(0.3)
        assert client.published == []


UNICODE = 'mailflow: 1\norganization: {name: "Zürich 🙂 Bänk", domains: [contoso.com], domian: x}\n'


async def unicode_doc(client, tmp_path, encoding):
    path = tmp_path / "unicode.mailflow.yaml"
    path.write_text(UNICODE, encoding="utf-8")
    doc = Doc(client, path, encoding)
    [mf002] = [d for d in await doc.diagnostics() if d.code == "MF002"]
    return doc, mf002


async def test_utf16_columns_count_surrogate_pairs(vscode, tmp_path):
    doc, mf002 = await unicode_doc(vscode, tmp_path, "utf-16")
    line = UNICODE.splitlines()[1]
    before = line[: line.index("domian")]
    assert mf002.range.start == t.Position(line=1, character=len(before.encode("utf-16-le")) // 2)
    assert mf002.range.end.character - mf002.range.start.character == len("domian")
    # An edit after the emoji, in UTF-16 columns, lands where it should.
    doc.replace("domian: x", "onPremises: {relaysThrough: smtp.contoso.com}")
    assert "MF002" not in codes(await doc.diagnostics())
    assert "domian" not in doc.text


async def test_a_client_offering_utf8_gets_byte_columns(tmp_path):
    async with session(with_utf8(vscode_capabilities())) as client:
        assert client.init_result.capabilities.position_encoding == t.PositionEncodingKind.Utf8
        doc, mf002 = await unicode_doc(client, tmp_path, "utf-8")
        line = UNICODE.splitlines()[1]
        before = line[: line.index("domian")]
        assert mf002.range.start == t.Position(line=1, character=len(before.encode("utf-8")))
        assert text_in(doc.text, mf002.range, "utf-8") == "domian"

        # Hover, symbols and edits use bytes too.
        hover = await within(client.text_document_hover_async(t.HoverParams(text_document=doc.id, position=doc.at("domains", delta=2))))
        assert hover_text(hover).startswith("**`domains`** in `organization`\n"), hover_text(hover)
        assert hover.range is not None and text_in(doc.text, hover.range, "utf-8") == "domains"
        doc.replace("domian: x", "onPremises: {relaysThrough: smtp.contoso.com}")
        assert "MF002" not in codes(await doc.diagnostics())
        assert "Bänk" in doc.text


# ---------------------------------------------------------------------------------------
# Shutdown


async def test_shutdown_and_exit_end_the_process_cleanly(tmp_path):
    async with session() as client:
        Doc(client, copy_example(tmp_path))
        await published(client, (tmp_path / ANTI_LOOP).as_uri(), 1)
    # `session` sent shutdown then exit and checked the exit status: 0.
    assert client._server.returncode == 0


class RawServer:
    """`mailflow lsp` behind bare pipes, for a client that behaves badly. A thread reads what
    the server writes, so that it never waits on a full pipe, and keeps its requests."""

    def __init__(self):
        self.process = subprocess.Popen([str(MAILFLOW), "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.requests: list[str] = []
        self.answered: list[int] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        stream = self.process.stdout
        while header := stream.readline():
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
                stream.readline()
                message = json.loads(stream.read(length))
                if "method" in message and "id" in message:
                    self.requests.append(message["method"])
                elif "id" in message:
                    self.answered.append(message["id"])

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    async def until(self, condition) -> None:
        deadline = time.monotonic() + 10
        while not condition() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert condition(), (self.requests, self.answered)


@pytest.mark.parametrize("leaves_by", ["exit", "closing stdin"])
async def test_the_server_ends_when_the_client_leaves_while_a_request_of_its_own_is_unanswered(leaves_by):
    # The client offers workspace/configuration and never answers it: the server's handlers
    # for `initialized` and `didChangeConfiguration` wait for that answer.
    server = RawServer()
    server.send({"id": 1, "method": "initialize", "params": {"capabilities": {"workspace": {"configuration": True}}}})
    await server.until(lambda: 1 in server.answered)
    server.send({"method": "initialized", "params": {}})
    server.send({"method": "workspace/didChangeConfiguration", "params": {"settings": {}}})
    await server.until(lambda: server.requests.count("workspace/configuration") == 2)
    if leaves_by == "exit":
        server.send({"id": 2, "method": "shutdown"})
        server.send({"method": "exit"})
    else:
        server.process.stdin.close()
    try:
        assert server.process.wait(timeout=5) == 0
    finally:
        server.process.kill()
