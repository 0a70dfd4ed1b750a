"""`mailflow lsp` on the DSL (`*.mailflow`), driven as test_lsp.py drives it on YAML.

Each test opens a copy of a DSL example with languageId "mailflow" (as an editor that knows
the language sends it) and, where the two front doors should agree, its YAML twin
(`*.mailflow.yaml`, same `# expect:` codes) in the same session, and checks that the server
finds the same things in both. Most helpers are test_lsp.py's.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from lsprotocol import types as t

from conftest import EXAMPLES
from test_lsp import (  # noqa: F401  (vscode is a fixture)
    MAILFLOW,
    Doc,
    apply_edits,
    cli_check,
    codes,
    copy_example,
    expected_codes,
    line_of,
    serious,
    text_in,
    type_agreeing_with_cli,
    vars_of,
    vscode,
    within,
)

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.filterwarnings("error::pytest_lsp.checks.LspSpecificationWarning"),
]

DSL = "broken-missing-anti-loop.mailflow"
YAML = DSL + ".yaml"
TRACE_MESSAGES = [{"from": "inside", "to": "someone@fabrikam.com"}, {"from": "outside", "to": "ceo@woodgrovebank.com"}]


def open_dsl(client, tmp_path, name: str = DSL) -> Doc:
    return Doc(client, copy_example(tmp_path, name), language_id="mailflow")


def rule_names(diagnostics) -> list[tuple[str, str]]:
    """Each finding's code with the rule name the server appends to its message."""
    found = []
    for d in diagnostics:
        match = re.search(r" \(([a-z0-9-]+)\)$", d.message)
        assert match, f"no rule name at the end of {d.message!r}"
        found.append((str(d.code), match.group(1)))
    return sorted(found)


async def trace(client, doc: Doc, message: dict) -> dict:
    return await within(
        client.workspace_execute_command_async(t.ExecuteCommandParams(command="mailflow.trace", arguments=[doc.uri, message]))
    )


def path_kinds(result: dict) -> list[tuple[str, list[tuple]]]:
    """What a trace's paths are made of: how each ends, and each pass's route kind and connector."""
    return [
        (path["ending"]["kind"], [(p["route"]["kind"], p["route"].get("connector")) for p in path["passes"]])
        for path in result["paths"]
    ]


async def format_edits(client, doc: Doc) -> list[t.TextEdit]:
    options = t.FormattingOptions(tab_size=2, insert_spaces=True)
    result = await within(client.text_document_formatting_async(t.DocumentFormattingParams(text_document=doc.id, options=options)))
    assert result is not None, "no formatting answer for a DSL document"
    return result


def messy(text: str) -> str:
    """The same DSL, badly laid out: odd indents, runs of spaces between words (not in
    strings or comments), trailing blanks and extra blank lines."""
    out = []
    for line in text.split("\n"):
        body = line.strip()
        if not body or body.startswith("#"):
            out.append(line)
            continue
        indent = len(line) - len(line.lstrip())
        parts = re.split(r'("[^"]*")', body)
        body = "".join(p if p.startswith('"') else p.replace(" ", "   ") for p in parts)
        out.append(" " * (indent * 2 + 1) + body + "  ")
    return "\n".join(out).replace("\n }  \n", "\n }  \n\n\n")


# ---------------------------------------------------------------------------------------
# Diagnostics


async def test_dsl_diagnostics_are_the_expected_ones_and_the_yaml_twins(vscode, tmp_path):
    dsl = open_dsl(vscode, tmp_path)
    yaml = Doc(vscode, copy_example(tmp_path, YAML))
    dsl_diagnostics, yaml_diagnostics = await dsl.diagnostics(), await yaml.diagnostics()

    assert serious(dsl_diagnostics) == expected_codes(dsl.path) == expected_codes(yaml.path) == {"MF301", "MF304"}
    assert codes(dsl_diagnostics) == codes(yaml_diagnostics)
    assert rule_names(dsl_diagnostics) == rule_names(yaml_diagnostics)

    # Both on the rule's name, with the loop's hops in the DSL document.
    rule_line = line_of(dsl.text, 'rule "Proofpoint outbound" priority 1')
    for d in dsl_diagnostics:
        assert d.source == "mailflow" and d.severity == t.DiagnosticSeverity.Error
        assert d.range.start.line == rule_line
        assert "Proofpoint outbound" in text_in(dsl.text, d.range)
    hops = next(d for d in dsl_diagnostics if d.code == "MF304").related_information
    assert hops and all(h.location.uri == dsl.uri for h in hops)
    assert any("Proofpoint outbound connector" in text_in(dsl.text, h.location.range) for h in hops)

    # And the CLI agrees on the same text: same codes, lines and columns (1-based there).
    expected = sorted((d["code"], d["range"]["start"]["line"] - 1, d["range"]["start"]["column"] - 1) for d in cli_check(dsl.path))
    assert sorted((str(d.code), d.range.start.line, d.range.start.character) for d in dsl_diagnostics) == expected


async def test_every_dsl_example_shows_what_its_comment_promises(vscode, tmp_path):
    docs = [open_dsl(vscode, tmp_path, p.name) for p in sorted(EXAMPLES.glob("*.mailflow"))]
    assert len(docs) == len(list(EXAMPLES.glob("*.mailflow.yaml")))
    for doc in docs:
        assert serious(await doc.diagnostics()) == expected_codes(doc.path), doc.path.name


async def test_a_dsl_file_is_recognised_by_its_extension_alone(vscode, tmp_path):
    # Opened with languageId "plaintext" (an editor that does not know the DSL): the URI decides.
    doc = Doc(vscode, copy_example(tmp_path, DSL), language_id="plaintext")
    assert serious(await doc.diagnostics()) == {"MF301", "MF304"}


async def test_incremental_changes_to_a_dsl_document(vscode, tmp_path):
    doc = open_dsl(vscode, tmp_path)
    assert serious(await doc.diagnostics()) == {"MF301", "MF304"}

    # The header alone: MF301 gives way to MF302 (no exception on it), the loop stays.
    doc.insert(doc.at('  redirect to "Proofpoint outbound connector"'), '  set header "X-AntiLoop-Proofpoint" to "true"\n')
    assert doc.version == 2
    diagnostics = await doc.diagnostics()
    assert "MF301" not in codes(diagnostics)
    assert {"MF302", "MF304"} <= serious(diagnostics)

    # Its exception in place of the TODO comment: nothing is left.
    doc.replace(
        "  # TODO: anti-loop header? (ticket INC-40417 - ATTR1 NDRs since Monday)",
        '  except header "X-AntiLoop-Proofpoint" contains "true"',
    )
    assert serious(await doc.diagnostics()) == set()

    # Taking the CodeTwo rule's `stop processing` out is reported again, and putting it back clears it.
    before = codes(await doc.diagnostics())
    doc.replace("  stop processing\n", "")
    removed = await doc.diagnostics()
    doc.insert(doc.at('  redirect to "CodeTwo Email Signatures 365 connector"\n', delta=len('  redirect to "CodeTwo Email Signatures 365 connector"\n')), "  stop processing\n")
    assert codes(await doc.diagnostics()) == before
    assert codes(removed) != before, "removing `stop processing` changed nothing"

    # A syntax error is reported, and goes away when fixed.
    doc.replace('rule "Proofpoint outbound" priority 1 {', 'rule "Proofpoint outbound" priority {')
    broken = await doc.diagnostics()
    assert any(d.severity == t.DiagnosticSeverity.Error for d in broken), codes(broken)
    doc.replace('rule "Proofpoint outbound" priority {', 'rule "Proofpoint outbound" priority 1 {')
    assert serious(await doc.diagnostics()) == set()


async def test_typing_a_dsl_rule_agrees_with_the_cli_at_each_step(vscode, tmp_path):
    """A rule typed a character at a time above the others, each version parsed from the one
    before: what the server publishes, half-typed statements included, is what a fresh
    check of the same text says."""
    doc = open_dsl(vscode, tmp_path)
    await doc.diagnostics()
    rule = 'rule "Mark external" priority 1 {\n  if sender is inside\n  set header "X-Ext" to "1"\n}\n\n'
    offset = doc.text.index('rule "CodeTwo Exchange transport rule"')
    await type_agreeing_with_cli(doc, offset, rule, 7, tmp_path, "cli-copy.mailflow")
    assert 'rule "Mark external"' in doc.text


# ---------------------------------------------------------------------------------------
# Formatting


async def test_formatting_makes_a_messy_dsl_file_canonical_and_is_idempotent(vscode, tmp_path):
    canonical = (EXAMPLES / DSL).read_text()
    path = tmp_path / DSL
    path.write_text(messy(canonical))
    doc = Doc(vscode, path, language_id="mailflow")
    assert doc.text != canonical
    assert serious(await doc.diagnostics()) == {"MF301", "MF304"}

    edits = await format_edits(vscode, doc)
    assert edits, "no edit for a messy file"
    formatted = apply_edits(doc.text, edits)
    assert formatted == canonical

    # What `mailflow fmt` writes for the same text.
    cli_copy = tmp_path / "cli-copy.mailflow"
    cli_copy.write_text(doc.text)
    run = subprocess.run([str(MAILFLOW), "fmt", str(cli_copy)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert cli_copy.read_text() == formatted

    # Applied as the editor does; formatting again changes nothing; the findings are the same.
    doc.apply(edits)
    assert doc.text == canonical
    assert serious(await doc.diagnostics()) == {"MF301", "MF304"}
    assert list(await format_edits(vscode, doc)) == []


# ---------------------------------------------------------------------------------------
# Navigation


def flatten(symbols) -> list[t.DocumentSymbol]:
    out = []
    for symbol in symbols or []:
        out.append(symbol)
        out += flatten(symbol.children)
    return out


def contains(outer: t.Range, inner: t.Range) -> bool:
    key = lambda p: (p.line, p.character)  # noqa: E731
    return key(outer.start) <= key(inner.start) and key(inner.end) <= key(outer.end)


async def outline(doc: Doc) -> dict[str, t.DocumentSymbol]:
    """The document's symbols by name, after checking that the example's two connectors and
    two rules are there, of their kinds, each named by its selection range."""
    result = await within(doc.client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=doc.id)))
    assert result and all(isinstance(s, t.DocumentSymbol) for s in result), result
    symbols = {s.name: s for s in flatten(result)}
    kinds = {
        "CodeTwo Email Signatures 365 connector": t.SymbolKind.Interface,
        "Proofpoint outbound connector": t.SymbolKind.Interface,
        "CodeTwo Exchange transport rule": t.SymbolKind.Function,
        "Proofpoint outbound": t.SymbolKind.Function,
    }
    for name, kind in kinds.items():
        assert name in symbols, list(symbols)
        symbol = symbols[name]
        assert symbol.kind == kind
        # The selection is the quoted name.
        assert text_in(doc.text, symbol.selection_range).strip('"') == name
        assert contains(symbol.range, symbol.selection_range)
    return symbols


async def test_document_symbols_of_a_dsl_document(vscode, tmp_path):
    doc = open_dsl(vscode, tmp_path)
    await doc.diagnostics()
    symbols = await outline(doc)
    # A rule's range runs from `rule` to its closing brace.
    rule = symbols["Proofpoint outbound"]
    assert rule.range.start.line == line_of(doc.text, 'rule "Proofpoint outbound" priority 1')
    assert rule.range.end.line >= line_of(doc.text, "  defer on error")


def decoded(data: list[int]) -> list[tuple[int, ...]]:
    """Semantic tokens as (line, column, length, type, modifiers), placed from the file's start."""
    tokens, line, column = [], 0, 0
    for at in range(0, len(data), 5):
        delta_line, delta_column, length, kind, modifiers = data[at : at + 5]
        line, column = line + delta_line, (column + delta_column if delta_line == 0 else delta_column)
        tokens.append((line, column, length, kind, modifiers))
    return tokens


async def test_semantic_tokens_of_a_range_are_those_of_the_whole_file_on_its_lines(vscode, tmp_path):
    # As VS Code colours what it shows of a file before the whole file's tokens arrive.
    assert vscode.init_result.capabilities.semantic_tokens_provider.range is True
    doc = open_dsl(vscode, tmp_path)
    await doc.diagnostics()
    whole = decoded((await within(vscode.text_document_semantic_tokens_full_async(t.SemanticTokensParams(text_document=doc.id)))).data)
    lines = doc.text.count("\n")
    assert len(whole) > 50 and whole[-1][0] > 20
    for first, last in [(0, 5), (10, 25), (lines - 8, lines + 1)]:
        shown = t.Range(start=t.Position(line=first, character=0), end=t.Position(line=last, character=0))
        found = await within(vscode.text_document_semantic_tokens_range_async(t.SemanticTokensRangeParams(text_document=doc.id, range=shown)))
        expected = [token for token in whole if first <= token[0] < last]
        assert expected and decoded(found.data) == expected, (first, last)


async def test_definition_of_a_dsl_redirect_is_its_connector(vscode, tmp_path):
    doc = open_dsl(vscode, tmp_path)
    await doc.diagnostics()
    result = await within(
        vscode.text_document_definition_async(t.DefinitionParams(**vars_of(doc.pos('redirect to "Proofpoint outbound connector"', delta=16))))
    )
    location = result[0] if isinstance(result, list) else result
    assert isinstance(location, t.Location), result
    assert location.uri == doc.uri
    assert location.range.start.line == line_of(doc.text, 'connector "Proofpoint outbound connector" {')
    assert text_in(doc.text, location.range).strip('"') == "Proofpoint outbound connector"

    # Not on a reference: nothing.
    assert not await within(vscode.text_document_definition_async(t.DefinitionParams(**vars_of(doc.pos("defer on error")))))


async def test_trace_of_a_dsl_document_follows_the_same_paths_as_its_yaml_twin(vscode, tmp_path):
    dsl = open_dsl(vscode, tmp_path)
    yaml = Doc(vscode, copy_example(tmp_path, YAML))
    await dsl.diagnostics()
    await yaml.diagnostics()
    for message in TRACE_MESSAGES:
        from_dsl, from_yaml = await trace(vscode, dsl, message), await trace(vscode, yaml, message)
        assert from_dsl["message"] == from_yaml["message"] == message
        assert path_kinds(from_dsl) == path_kinds(from_yaml), message
    # The loop, as the YAML suite sees it.
    looped = path_kinds(await trace(vscode, dsl, TRACE_MESSAGES[0]))
    assert looped[0][0] == "loop"
    assert [connector for _, connector in looped[0][1]] == ["CodeTwo Email Signatures 365 connector", "Proofpoint outbound connector"]
