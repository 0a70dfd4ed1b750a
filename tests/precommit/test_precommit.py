"""The pre-commit hooks of .pre-commit-hooks.yaml, end to end: pre-commit (from PyPI, installed
by scripts/test through tests/requirements.txt) installs them from a `repo:` reference in a
scratch repository's .pre-commit-config.yaml, and a commit of a broken example is blocked
while the fixed one goes in. The hooks are `language: system`: they run the `mailflow` on
PATH, here the binary under test (MAILFLOW_BIN), so nothing is built or downloaded."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT, binary

PRE_COMMIT = pathlib.Path(sys.executable).parent / "pre-commit"

needs_pre_commit = pytest.mark.skipif(
    not PRE_COMMIT.exists() and shutil.which("pre-commit") is None,
    reason="pre-commit is not installed (scripts/test installs tests/requirements.txt)",
)


def git(*args, cwd, env, check=True):
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture
def env(tmp_path):
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "mailflow").symlink_to(binary().resolve())
    pre_commit = PRE_COMMIT if PRE_COMMIT.exists() else pathlib.Path(shutil.which("pre-commit"))
    (tools / "pre-commit").symlink_to(pre_commit)
    return {
        **os.environ,
        "PATH": f"{tools}{os.pathsep}{pre_commit.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "NO_COLOR": "1",
        "HOME": str(tmp_path / "home"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }


@pytest.fixture
def hooks_repo(tmp_path, env):
    """A clean clone of this repository whose last commit holds the working tree's
    .pre-commit-hooks.yaml (so the test checks the file as it is, committed or not);
    returns (path, commit hash) for `repo:` and `rev:`."""
    clone = tmp_path / "hooks"
    git("clone", "--quiet", "--no-checkout", str(ROOT), str(clone), cwd=tmp_path, env=env)
    git("checkout", "--quiet", "HEAD", "--", ".", cwd=clone, env=env, check=False)
    shutil.copyfile(ROOT / ".pre-commit-hooks.yaml", clone / ".pre-commit-hooks.yaml")
    git("add", ".pre-commit-hooks.yaml", cwd=clone, env=env)
    git("commit", "--quiet", "--allow-empty", "-m", "hooks under test", cwd=clone, env=env)
    rev = git("rev-parse", "HEAD", cwd=clone, env=env).stdout.strip()
    return clone, rev


@pytest.fixture
def project(tmp_path, env, hooks_repo):
    """A scratch repository with pre-commit installed as its git hook, using mailflow-check,
    mailflow-check-all and mailflow-fmt from the hooks repository."""
    repo, rev = hooks_repo
    work = tmp_path / "work"
    work.mkdir()
    git("init", "--quiet", "-b", "main", cwd=work, env=env)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n"
        f"  - repo: {repo}\n"
        f"    rev: {rev}\n"
        f"    hooks:\n"
        f"      - id: mailflow-check\n"
        f"      - id: mailflow-check-all\n"
        f"      - id: mailflow-fmt\n"
    )
    git("add", ".pre-commit-config.yaml", cwd=work, env=env)
    install = subprocess.run(["pre-commit", "install"], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert install.returncode == 0, install.stdout + install.stderr
    return work


def commit(work, env, message):
    """`git commit` through the installed pre-commit hook; returns the CompletedProcess."""
    return git("commit", "-m", message, cwd=work, env=env, check=False)


def commits(work, env):
    done = git("rev-list", "--count", "HEAD", cwd=work, env=env, check=False)
    return int(done.stdout.strip()) if done.returncode == 0 else 0


@needs_pre_commit
@pytest.mark.parametrize("example", ["broken-missing-anti-loop.mailflow.yaml", "broken-missing-anti-loop.mailflow"])
def test_a_broken_example_blocks_the_commit_and_the_fixed_one_passes(project, env, example):
    path = project / example
    shutil.copyfile(EXAMPLES / example, path)
    git("add", ".", cwd=project, env=env)
    blocked = commit(project, env, "broken")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert commits(project, env) == 0
    assert "mailflow check" in output and "Failed" in output, output
    assert "MF301" in output, output  # the finding is shown to whoever commits

    fixed = subprocess.run(
        [str(binary()), "check", "--fix", "--unsafe-fixes", str(path)], capture_output=True, text=True, timeout=60
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    git("add", ".", cwd=project, env=env)
    passed = commit(project, env, "fixed")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert commits(project, env) == 1


@needs_pre_commit
def test_a_yaml_file_starting_with_mailflow_is_checked_by_mailflow_check_all(project, env):
    # Not named *.mailflow.yaml: mailflow-check leaves it, mailflow-check-all finds it.
    (project / "tenant.yaml").write_text((EXAMPLES / "broken-missing-anti-loop.mailflow.yaml").read_text())
    (project / "docker-compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    git("add", ".", cwd=project, env=env)
    blocked = commit(project, env, "broken")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "tenant.yaml" in output and "docker-compose" not in output, output

    (project / "tenant.yaml").write_text((EXAMPLES / "codetwo-mimecast.mailflow.yaml").read_text())
    git("add", ".", cwd=project, env=env)
    passed = commit(project, env, "fixed")
    assert passed.returncode == 0, passed.stdout + passed.stderr


@needs_pre_commit
def test_mailflow_fmt_rewrites_a_dsl_file_and_blocks_the_commit_until_it_is_staged(project, env):
    canonical = (EXAMPLES / "codetwo-mimecast.mailflow").read_text()
    messy = "\n".join(("    " + line.strip()) if line.strip() else "" for line in canonical.splitlines()) + "\n\n\n"
    assert messy != canonical
    path = project / "tenant.mailflow"
    path.write_text(messy)
    git("add", ".", cwd=project, env=env)
    blocked = commit(project, env, "messy")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "mailflow fmt" in output and "files were modified by this hook" in output, output
    assert path.read_text() == canonical

    git("add", ".", cwd=project, env=env)
    passed = commit(project, env, "formatted")
    assert passed.returncode == 0, passed.stdout + passed.stderr
