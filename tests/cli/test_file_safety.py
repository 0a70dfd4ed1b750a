"""Every command that writes, against what can go wrong around a write: hard links, symbolic
links, read-only files, files owned by someone else, an edit saved meanwhile, a full disk,
and a standard output that is full or closed. Whatever happens, no byte the user wrote is
lost, and a write that did not happen is never reported as success (exit code 2).

`check --fix` and `fmt` replace the file they read; `convert --output` writes a file that
must never be its input.
"""

import contextlib
import os
import pathlib
import signal
import stat
import subprocess
import sys
import time

import pytest

import mailflow_process
from conftest import EXAMPLES, binary

# A YAML file `check --fix --unsafe-fixes` changes (`priorty` becomes `priority`).
FIXABLE = b"mailflow: 1\ntransportRules:\n  - name: A\n    priorty: 0\n"
FIXED = FIXABLE.replace(b"priorty", b"priority")
# A DSL file `fmt` changes.
UNFORMATTED = b'mailflow   1\nrule "A"   priority 0 { if sender is inside\n}\n'
FORMATTED = b'mailflow 1\n\nrule "A" priority 0 {\n  if sender is inside\n}\n'

# The commands that replace the file they read: (file name, content, arguments, what it
# becomes).
REWRITERS = {
    "check --fix": ("flow.mailflow.yaml", FIXABLE, ["check", "--fix", "--unsafe-fixes"], FIXED),
    "fmt": ("flow.mailflow", UNFORMATTED, ["fmt"], FORMATTED),
}

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
# Someone other than the user running the tests (root can give a file to anyone).
OTHER_UID, OTHER_GID = 4242, 4343


def run(*args, stdout=subprocess.PIPE, cwd=None):
    return mailflow_process.run(*args, stdout=stdout, cwd=cwd, text=True)


def leftovers(folder: pathlib.Path) -> list[str]:
    """Temporary files a write left behind."""
    return sorted(p.name for p in folder.iterdir() if ".mailflow-" in p.name and p.name.startswith("."))


@pytest.fixture(params=sorted(REWRITERS))
def rewriter(request, tmp_path):
    """A file one of the rewriting commands would change: (path, run it, what it becomes)."""
    name, content, args, result = REWRITERS[request.param]
    path = tmp_path / name
    path.write_bytes(content)
    return path, lambda target=path: run(*args, target), content, result


# --- check --fix and fmt -------------------------------------------------------------------


def test_rewriting_works_at_all(rewriter):
    path, rewrite, _, result = rewriter
    assert rewrite().returncode in (0, 1)
    assert path.read_bytes() == result
    assert leftovers(path.parent) == []


def test_a_hard_linked_file_is_refused(rewriter):
    path, rewrite, original, _ = rewriter
    other = path.parent / "other-name"
    os.link(path, other)
    done = rewrite()
    # Replacing one name would leave the other with the old text: nothing is written.
    assert done.returncode == 2, done.stderr
    assert "2 hard links" in done.stderr and "left as it is" in done.stderr
    assert path.read_bytes() == original and other.read_bytes() == original
    assert os.path.samefile(path, other)
    assert "All good" not in done.stdout


def test_through_a_symbolic_link_the_target_is_written_and_the_link_stays(rewriter):
    path, rewrite, _, result = rewriter
    link = path.parent / ("link-" + path.name)
    link.symlink_to(path.name)
    assert rewrite(link).returncode in (0, 1)
    assert link.is_symlink() and os.readlink(link) == path.name
    assert path.read_bytes() == result


def test_a_read_only_file_is_refused(rewriter):
    path, rewrite, original, _ = rewriter
    path.chmod(0o444)
    done = rewrite()
    # Root could replace it (the folder is writable): mailflow refuses all the same.
    assert done.returncode == 2, done.stderr
    assert "is read-only" in done.stderr
    assert path.read_bytes() == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_permissions_owner_and_group_stay(rewriter):
    if not IS_ROOT:
        pytest.skip("giving a file to another user needs root: run the suite as root to test ownership")
    path, rewrite, _, result = rewriter
    os.chown(path, OTHER_UID, OTHER_GID)
    path.chmod(0o640)
    assert rewrite().returncode in (0, 1)
    assert path.read_bytes() == result
    info = path.stat()
    # Root fixing a user's 0640 file leaves it the user's, readable by its group only.
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (OTHER_UID, OTHER_GID, 0o640)


def test_a_full_disk_leaves_the_file_whole(rewriter, small_tmpfs):
    path, rewrite, original, _ = rewriter
    inside = small_tmpfs / path.name
    inside.write_bytes(original)
    fill(small_tmpfs)
    done = rewrite(inside)
    assert done.returncode == 2, done.stderr
    assert "No space left on device" in done.stderr
    assert inside.read_bytes() == original
    assert leftovers(small_tmpfs) == []


def wait_until_read(process: subprocess.Popen, size: int) -> None:
    """Stops `process` as soon as it has read `size` bytes (its only read that large is the
    file); skips the test when it ended first."""
    io = pathlib.Path(f"/proc/{process.pid}/io")
    while True:
        if process.poll() is not None:
            pytest.skip("mailflow ended before the file could be edited: nothing was tested")
        try:
            read = int(next(line for line in io.read_text().splitlines() if line.startswith("rchar:")).split()[1])
        except (OSError, StopIteration):
            read = 0
        if read >= size:
            os.kill(process.pid, signal.SIGSTOP)
            return
        time.sleep(0.001)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads how far mailflow got from /proc (Linux)")
def test_an_edit_saved_while_fix_runs_is_kept(tmp_path):
    """A concurrent edit, for real: mailflow checks a file slow to check (many organization
    domains; 1 MB of comments, so that reading it is the only read that large), the test
    stops the process as soon as /proc says the file was read, saves an edit the way
    editors do (a new file renamed over the old one), and lets mailflow go on. No hook in
    mailflow: what it sees is what it would see from an editor. When the process was
    stopped too late (its temporary file already exists) or ended first, the test skips
    rather than pass by luck; the unit tests in server/src/cli/files.rs drive the same
    guard directly, an edit in place included."""
    domains = ", ".join(f"d{i}.contoso.com" for i in range(1000))
    original = (
        f"mailflow: 1\norganization:\n  name: Contoso\n  domains: [{domains}]\ntransportRules:\n"
        "  - name: A\n    priorty: 0\n" + ("#" + "x" * 99 + "\n") * 10000
    ).encode()
    path = tmp_path / "flow.mailflow.yaml"
    path.write_bytes(original)
    edited = b"# saved by the editor while mailflow ran\n" + original
    process = subprocess.Popen(
        [str(binary()), "check", "--fix", "--unsafe-fixes", "--format", "concise", path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_read(process, len(original))
        if leftovers(tmp_path) or path.read_bytes() != original:
            pytest.skip("mailflow was stopped after it began to write: nothing was tested")
        saved = tmp_path / ".flow.mailflow.yaml.swp"
        saved.write_bytes(edited)
        saved.rename(path)
    finally:
        os.kill(process.pid, signal.SIGCONT)
        out, err = process.communicate(timeout=300)
    assert process.returncode == 2, (out, err)
    assert "changed since mailflow read it" in err
    assert path.read_bytes() == edited
    assert leftovers(tmp_path) == []
    assert "Applied 0 fixes (0 files changed)." in out


# --- convert --output ----------------------------------------------------------------------

YAML = (EXAMPLES / "codetwo-mimecast.mailflow.yaml").read_bytes()
DSL = (EXAMPLES / "codetwo-mimecast.mailflow").read_bytes()


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "flow.mailflow.yaml"
    path.write_bytes(YAML)
    return path


@pytest.mark.parametrize("how", ["hard link", "symbolic link", "bind of the folder"])
def test_convert_never_writes_over_its_input_by_another_name(source, tmp_path, how):
    output = tmp_path / "out.mailflow"
    if how == "hard link":
        os.link(source, output)
    elif how == "symbolic link":
        output.symlink_to(source)
    else:
        # The same file through a link to its folder.
        (tmp_path / "again").symlink_to(tmp_path)
        output = tmp_path / "again" / source.name
    done = run("convert", source, "--to", "dsl", "--output", output)
    assert done.returncode == 2, done.stderr
    assert "is the file being converted" in done.stderr
    assert source.read_bytes() == YAML


def test_convert_writes_through_a_symbolic_link_to_another_file(source, tmp_path):
    target = tmp_path / "target.mailflow"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.mailflow"
    link.symlink_to(target.name)
    assert run("convert", source, "--to", "dsl", "--output", link).returncode == 0
    assert link.is_symlink() and target.read_bytes() == DSL
    # A link to a file that does not exist yet makes it.
    dangling = tmp_path / "dangling.mailflow"
    dangling.symlink_to("new.mailflow")
    assert run("convert", source, "--to", "dsl", "--output", dangling).returncode == 0
    assert (tmp_path / "new.mailflow").read_bytes() == DSL


def test_convert_replaces_an_output_whole_keeping_its_permissions(source, tmp_path):
    output = tmp_path / "out.mailflow"
    output.write_bytes(b"old\n")
    output.chmod(0o640)
    inode = output.stat().st_ino
    assert run("convert", source, "--to", "dsl", "--output", output).returncode == 0
    assert output.read_bytes() == DSL
    # A new file took its place (renamed over it), with its permissions.
    assert output.stat().st_ino != inode and stat.S_IMODE(output.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_convert_refuses_a_read_only_output(source, tmp_path):
    output = tmp_path / "out.mailflow"
    output.write_bytes(b"old\n")
    output.chmod(0o444)
    done = run("convert", source, "--to", "dsl", "--output", output)
    assert done.returncode == 2 and "is read-only" in done.stderr
    assert output.read_bytes() == b"old\n"


def test_convert_keeps_the_owner_of_the_output_it_replaces(source, tmp_path):
    if not IS_ROOT:
        pytest.skip("giving a file to another user needs root: run the suite as root to test ownership")
    output = tmp_path / "out.mailflow"
    output.write_bytes(b"old\n")
    os.chown(output, OTHER_UID, OTHER_GID)
    assert run("convert", source, "--to", "dsl", "--output", output).returncode == 0
    assert output.read_bytes() == DSL
    assert (output.stat().st_uid, output.stat().st_gid) == (OTHER_UID, OTHER_GID)


def test_convert_on_a_full_disk_leaves_the_old_output_whole(source, small_tmpfs):
    output = small_tmpfs / "out.mailflow"
    output.write_bytes(b"the old output\n")
    fill(small_tmpfs)
    done = run("convert", source, "--to", "dsl", "--output", output)
    assert done.returncode == 2, done.stderr
    assert "No space left on device" in done.stderr
    # Not truncated: the new text went to a temporary file, which is gone.
    assert output.read_bytes() == b"the old output\n"
    assert leftovers(small_tmpfs) == []


def test_convert_to_a_device_writes_to_it(source):
    done = run("convert", source, "--to", "dsl", "--output", "/dev/full")
    assert done.returncode == 2 and "No space left on device" in done.stderr
    assert run("convert", source, "--to", "dsl", "--output", "/dev/null").returncode == 0


# --- standard output -----------------------------------------------------------------------

CORRECT = EXAMPLES / "codetwo-mimecast.mailflow.yaml"

# Every command that prints, with what it prints to standard output.
PRINTERS = {
    "convert": ["convert", CORRECT, "--to", "dsl"],
    "trace": ["trace", CORRECT],
    "trace json": ["trace", CORRECT, "--format", "json"],
    "explain": ["explain", "MF102"],
    "rules": ["rules"],
    "check": ["check", CORRECT],
    "check json": ["check", "--format", "json", CORRECT],
    "check sarif": ["check", "--format", "sarif", CORRECT],
    "help": ["--help"],
}


@pytest.mark.parametrize("name", sorted(PRINTERS))
def test_a_full_standard_output_is_a_failure(name):
    with open("/dev/full", "w") as full:
        done = run(*PRINTERS[name], stdout=full)
    assert done.returncode == 2, done.stderr
    assert "cannot write the output: No space left on device" in done.stderr
    assert "panicked" not in done.stderr


def test_a_full_standard_output_fails_diff_and_fmt_too(tmp_path):
    (tmp_path / "flow.mailflow.yaml").write_bytes(FIXABLE)
    (tmp_path / "flow.mailflow").write_bytes(UNFORMATTED)
    with open("/dev/full", "w") as full:
        diff = run("check", "--diff", "--unsafe-fixes", "flow.mailflow.yaml", cwd=tmp_path, stdout=full)
        listing = run("fmt", "--check", "flow.mailflow", cwd=tmp_path, stdout=full)
    assert diff.returncode == 2 and "No space left on device" in diff.stderr
    assert listing.returncode == 2 and "No space left on device" in listing.stderr


@pytest.mark.parametrize("name", sorted(PRINTERS))
def test_a_closed_standard_output_ends_quietly_with_a_failure(name):
    # A pipe whose reader has gone, as after `| head -1` has read its line.
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = run(*PRINTERS[name], stdout=writer)
    finally:
        os.close(writer)
    # As a Unix tool ends: not 0, no message, no panic.
    assert done.returncode == 2
    assert done.stderr == ""


# --- a small file system to fill -----------------------------------------------------------


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 256 KiB tmpfs mounted for the test; skipped where mounting is not allowed."""
    folder = tmp_path / "small"
    folder.mkdir()
    if not IS_ROOT:
        pytest.skip("a full disk is tested on a small tmpfs, which only root may mount")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip()}): the full-disk test needs one")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def fill(folder: pathlib.Path) -> None:
    """Fills the file system `folder` is on."""
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as filler:
        while True:
            filler.write(b"\0" * 4096)
            filler.flush()
