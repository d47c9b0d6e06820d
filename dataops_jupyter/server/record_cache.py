"""Finished run records kept in memory, read from disk again only when ``run.json`` changed."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from ..errors import NotFoundError
from ..runner import RunRecord, load_record
from ..runner.records import RUN_FILE, Run

#: Finished records kept, the least recently used dropped first (a few KB each).
CAPACITY = 20_000


class _Entry(NamedTuple):
    stamp: tuple[int, int]
    record: RunRecord


class RecordCache:
    """``load_record`` for many reads of the same runs (the sidebar's poll, a job's history).

    A finished run's record no longer changes, so it is kept with its ``run.json``'s modification
    time and size and read again only when they differ (a record rewritten by hand or by a
    rerun of the same id), and so is its client form (paths relative to ``root``). A run still
    queued or running is read from disk every time. Safe to call from several threads at
    once."""

    def __init__(self, root: Path, capacity: int = CAPACITY) -> None:
        self.root = root
        self.capacity = capacity
        #: ``run.json`` files read from disk so far.
        self.loads = 0
        self._entries: OrderedDict[Path, _Entry] = OrderedDict()
        #: The client form of kept records, by ``id()`` of the record (kept alive by its entry).
        self._wires: dict[int, Run | None] = {}
        self._lock = threading.Lock()

    def wire(self, record: RunRecord) -> Run:
        """``record.wire(root)``, made once for a record this cache keeps."""
        with self._lock:
            run = self._wires.get(id(record))
        if run is not None:
            return run
        run = record.wire(self.root)
        with self._lock:
            if id(record) in self._wires:
                self._wires[id(record)] = run
        return run

    def load(self, folder: Path) -> RunRecord:
        """The record of the run folder; NotFoundError when it has no ``run.json``."""
        try:
            stat = os.stat(os.path.join(folder, RUN_FILE))
        except (FileNotFoundError, NotADirectoryError):
            raise NotFoundError(f"run {folder.name!r} not found") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            entry = self._entries.get(folder)
            if entry is not None and entry.stamp == stamp:
                self._entries.move_to_end(folder)
                return entry.record
        record = load_record(folder)
        with self._lock:
            self.loads += 1
            self._drop(self._entries.pop(folder, None))
            if record.finished:
                self._entries[folder] = _Entry(stamp, record)
                self._wires[id(record)] = None
                while len(self._entries) > self.capacity:
                    self._drop(self._entries.popitem(last=False)[1])
        return record

    def _drop(self, entry: _Entry | None) -> None:
        if entry is not None:
            self._wires.pop(id(entry.record), None)
