"""A small on-disk cache under `<root>/.incidentkb-cache/`.

Entries are pickles, and unpickling runs code, so every entry is signed with
a key that lives in the user's own cache directory, never in the repository:
a cache folder committed into a repository (or planted by a pull request)
fails the signature check and is ignored instead of being loaded.
Writes are atomic (temporary file + rename), so an interrupted run leaves the
previous entry intact.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import tempfile
from pathlib import Path
from typing import Any

CACHE_DIR_NAME = ".incidentkb-cache"
_FORMAT = b"incidentkb-cache-1\n"


# The modules whose code decides what validation finds in a file.
_VALIDATION_SOURCES = ("loading.py", "schema.py", "documents.py", "facts.py", "findings.py",
                       "rules/*.py")


def code_fingerprint() -> str:
    """A hash of the validation code: cached results die with the rules that made them."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        digest = hashlib.blake2b(digest_size=12)
        package = Path(__file__).parent
        sources = sorted({p for pattern in _VALIDATION_SOURCES for p in package.glob(pattern)})
        for source in sources:
            digest.update(source.relative_to(package).as_posix().encode())
            digest.update(source.read_bytes())
        _FINGERPRINT = digest.hexdigest()
    return _FINGERPRINT


_FINGERPRINT: str | None = None


def _user_key() -> bytes | None:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "incidentkb"
    key_file = base / "cache-key"
    try:
        return key_file.read_bytes()
    except OSError:
        pass
    try:
        base.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        return key
    except FileExistsError:
        return key_file.read_bytes()
    except OSError:
        return None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so readers see the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


class Cache:
    """Signed pickles by name; a miss (absent, stale, foreign, broken) is None."""

    def __init__(self, root: Path, directory: Path | None = None) -> None:
        configured = os.environ.get("INCIDENTKB_CACHE_DIR")
        self.dir = directory or (Path(configured) if configured else root / CACHE_DIR_NAME)
        self._key = _user_key()

    @property
    def enabled(self) -> bool:
        return self._key is not None

    def path(self, name: str) -> Path:
        return self.dir / name

    def _ensure_dir(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        ignore = self.dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by incidentkb: never commit this folder\n*\n")

    def load(self, name: str) -> Any:
        if self._key is None:
            return None
        try:
            blob = (self.dir / f"{name}.pickle").read_bytes()
        except OSError:
            return None
        if not blob.startswith(_FORMAT):
            return None
        digest, payload = blob[len(_FORMAT): len(_FORMAT) + 32], blob[len(_FORMAT) + 32:]
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(digest, expected):
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # a cache from an older version of the code: a miss
            return None

    def save(self, name: str, value: Any) -> None:
        if self._key is None:
            return
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            digest = hmac.new(self._key, payload, hashlib.sha256).digest()
            self._ensure_dir()
            atomic_write_bytes(self.dir / f"{name}.pickle", _FORMAT + digest + payload)
        except (OSError, pickle.PicklingError, RecursionError):
            pass  # the cache is an optimisation; failing to write it is not an error
