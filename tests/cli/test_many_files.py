"""`mailflow check` of a repository of many files (issue 15): each file is checked on its own
and its syntax tree and model dropped once done, but the report keeps the order of the paths,
whatever order the files finish in, and JSON and SARIF stay one valid document."""

import json
import re

from conftest import EXAMPLES

# Examples with findings and without, copied into many folders: a file's findings depend on
# its text only, so every copy must report what its example reports.
SOURCES = sorted(p for p in EXAMPLES.iterdir() if p.name.endswith(".mailflow.yaml"))
COPIES = 12


def repository(root):
    written = []
    for copy in range(COPIES):
        for index, source in enumerate(SOURCES):
            path = root / f"team{copy:02}" / f"{index:02}-{source.name}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source.read_text())
            written.append(path)
    return written


def test_many_files_are_reported_in_path_order_as_one_document(mailflow, tmp_path):
    files = repository(tmp_path / "repo")
    assert len(files) > 100
    result = mailflow("check", "--format", "json", "repo", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    order = [d["file"] for d in diagnostics]
    # Grouped by file, the files in path order.
    firsts = list(dict.fromkeys(order))
    assert firsts == sorted(firsts) and len(firsts) > COPIES
    assert order == sorted(order, key=firsts.index)
    # Every copy reports what its example does.
    by_file = {}
    for d in diagnostics:
        by_file.setdefault(d["file"], []).append((d["code"], d["range"]["start"]["line"]))
    single = mailflow("check", "--format", "json", *SOURCES)
    assert json.loads(single.stdout)["diagnostics"], "some example has a finding"
    per_example = {}
    for d in json.loads(single.stdout)["diagnostics"]:
        per_example.setdefault(d["file"].rsplit("/", 1)[1], []).append((d["code"], d["range"]["start"]["line"]))
    for path, found in by_file.items():
        assert found == per_example[path.rsplit("/", 1)[1].split("-", 1)[1]], path

    again = mailflow("check", "--format", "json", "repo", cwd=tmp_path)
    assert again.stdout == result.stdout

    sarif = json.loads(mailflow("check", "--format", "sarif", "repo", cwd=tmp_path).stdout)
    results = sarif["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert len(results) == len(diagnostics)
    assert uris == order

    human = mailflow("check", "repo", cwd=tmp_path).stdout
    shown = re.findall(r"--> (repo/[^:]+):", human)
    assert shown == order
    assert f"in {len(files)} files." in human.splitlines()[-1]
