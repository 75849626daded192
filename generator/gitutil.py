"""A thin layer over the git command line, shared by `history` and `transitions`.

Every call is one `git` process with options that make its output stable
(no colours, no pager, no signature checks, no optional locks). Failures are
values the callers turn into what suits them: `transitions` into usage errors,
`history` into "no facts".
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Options for every git call: machine-readable, and never a pager or an editor.
_GIT_CONFIG = ("-c", "core.quotepath=off", "-c", "color.ui=never", "-c", "log.showSignature=false")


class GitError(Exception):
    """A git command failed; `message` is git's own first line of complaint."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        self.git_args = tuple(args)
        self.returncode = returncode
        self.stderr = stderr
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        self.message = lines[0].removeprefix("fatal: ").removeprefix("error: ") if lines else (
            f"git {' '.join(args[:1])} exited with status {returncode}"
        )
        super().__init__(self.message)


class GitMissing(Exception):
    """The git executable is not installed or not on PATH."""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # Reading must not take the index lock an editor or another git may hold.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.pop("GIT_PAGER", None)
    env["LC_ALL"] = "C"  # git's messages in English, whatever the user's locale
    return env


def run_git(cwd: Path, args: Sequence[str], stdin: bytes | None = None) -> bytes:
    """Run `git ARGS` in `cwd`; its stdout, or GitError / GitMissing."""
    command = ["git", *_GIT_CONFIG, *args]
    try:
        done = subprocess.run(
            command, cwd=cwd, input=stdin, capture_output=True, env=_environment(), check=False
        )
    except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
        if not Path(cwd).is_dir():
            raise GitError(args, -1, f"fatal: {cwd} is not a directory") from exc
        raise GitMissing("git is not installed (or not on PATH)") from exc
    if done.returncode != 0:
        raise GitError(args, done.returncode, done.stderr.decode("utf-8", "replace"))
    return done.stdout


def decode_path(raw: bytes) -> str:
    """A path as git prints it with -z: bytes in the file system's encoding."""
    return os.fsdecode(raw)


@dataclass(frozen=True)
class Worktree:
    """Where a knowledge-base root sits in its git checkout."""

    toplevel: Path
    prefix: str  # the root relative to the top of the checkout: "" or "sub/dir/"
    shallow: bool


def find_worktree(root: Path) -> Worktree:
    """The checkout holding `root` (one git process); GitError when there is none."""
    out = run_git(root, ["rev-parse", "--show-toplevel", "--show-prefix",
                         "--is-shallow-repository"])
    lines = out.decode("utf-8", "surrogateescape").split("\n")
    if len(lines) < 3:
        raise GitError(["rev-parse"], 0, f"fatal: unexpected output from git rev-parse: {out!r}")
    return Worktree(toplevel=Path(lines[0]), prefix=lines[1], shallow=lines[2] == "true")


def guess_worktree_prefix(root: Path) -> str | None:
    """The root's path inside its checkout, found without running git.

    Walks up to the folder holding `.git` (a directory, or a file in linked
    worktrees and submodules). None when there is none: not a checkout, or
    one configured through GIT_DIR, which callers treat as "no history".
    """
    root = root.resolve()
    for parent in (root, *root.parents):
        if (parent / ".git").exists():
            rel = root.relative_to(parent).as_posix()
            return "" if rel == "." else rel + "/"
    return None


def history_depth_marker(root: Path, prefix: str) -> str | None:
    """A token that changes when a clone gains history at the same HEAD (a
    shallow clone deepened): "complete", or the `shallow` file's stamp.

    None when it cannot be told without git (a linked worktree or submodule,
    whose `.git` is a file): callers then keep nothing across runs.
    """
    top = root.resolve()
    for _ in range(prefix.count("/")):
        top = top.parent
    git_dir = top / ".git"
    if not git_dir.is_dir():
        return None
    try:
        stat = (git_dir / "shallow").stat()
    except OSError:
        return "complete"
    return f"shallow:{stat.st_mtime_ns}:{stat.st_size}"


def split_nul(raw: bytes) -> list[bytes]:
    """Fields of -z output, without the empty field after the last NUL."""
    fields = raw.split(b"\0")
    if fields and fields[-1] == b"":
        fields.pop()
    return fields
