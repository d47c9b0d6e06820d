"""The jobs under a root, kept between calls: a job folder is loaded again only when the folder,
its ``job.toml`` or one of its notebooks changed (by modification time and size)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import JobDefinitionError, NotFoundError
from .config import JOB_FILE
from .model import Job, discover_jobs, load_job

#: ``(path, modification time in ns, size)`` of each file a load depends on; ``None`` if absent.
Fingerprint = tuple[tuple[str, int, int] | None, ...]


def _stat(path: Path) -> tuple[str, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (str(path), found.st_mtime_ns, found.st_size)


def _fingerprint(paths: list[Path]) -> Fingerprint:
    return tuple(_stat(path) for path in paths)


@dataclass
class _Entry:
    paths: list[Path]
    fingerprint: Fingerprint
    job: Job | None
    error: JobDefinitionError | NotFoundError | None


class JobCatalog:
    """:func:`discover_jobs` for one root, reloading only the job folders that changed.

    The folder's own modification time covers notebooks added, removed or renamed; the files
    a load read (``job.toml`` and the job's notebooks) cover edits. Safe to call from several
    threads at once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        #: Job folders loaded from disk so far (a folder found unchanged is not counted).
        self.loads = 0
        self._entries: dict[Path, _Entry] = {}
        self._lock = threading.Lock()

    def discover(self) -> tuple[list[Job], list[tuple[Path, str]]]:
        """Every job under the root, plus the folders that failed to load with their message."""
        with self._lock:
            seen: set[Path] = set()

            def load(folder: Path) -> Job:
                seen.add(folder)
                return self._load(folder)

            found = discover_jobs(self.root, load)
            for gone in set(self._entries) - seen:
                del self._entries[gone]
            return found

    def _load(self, folder: Path) -> Job:
        entry = self._entries.get(folder)
        if entry is None or _fingerprint(entry.paths) != entry.fingerprint:
            entry = self._read(folder)
            self._entries[folder] = entry
        if entry.error is not None:
            raise type(entry.error)(entry.error.message)  # a fresh one: no growing traceback
        assert entry.job is not None
        return entry.job

    def _read(self, folder: Path) -> _Entry:
        self.loads += 1
        # Taken before the load: a file changed while it is read is read again next time.
        before = [folder, folder / JOB_FILE, *sorted(folder.glob("*.ipynb"))]
        fingerprint = _fingerprint(before)
        try:
            job = load_job(folder)
        except (JobDefinitionError, NotFoundError) as exc:
            return _Entry(before, fingerprint, None, exc)
        extra = [job.folder / nb.notebook for nb in job.notebooks]
        extra = [path for path in extra if path not in before]
        paths = before + extra
        return _Entry(paths, fingerprint + _fingerprint(extra), job, None)
