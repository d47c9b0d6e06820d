"""Finished run records are read from ``run.json`` once; runs still going, and records
rewritten since, are read again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dataops_jupyter.errors import NotFoundError
from dataops_jupyter.runner.records import RunRecord, RunStatus, run_folder, save_record
from dataops_jupyter.server.record_cache import RecordCache


def write(job: Path, run_id: str, status: RunStatus, message: str | None = None) -> Path:
    folder = run_folder(job, run_id)
    record = RunRecord(run_id=run_id, job="orders", path=str(job), status=status, message=message)
    save_record(folder, record)
    return folder


def test_a_finished_record_is_read_once_until_its_file_changes(tmp_path: Path) -> None:
    cache = RecordCache(tmp_path)
    folder = write(tmp_path / "orders", "20260101T120000-00000001", "succeeded")
    first = cache.load(folder)
    assert cache.load(folder) is first and cache.loads == 1
    assert cache.wire(first) is cache.wire(first)
    assert cache.wire(first).path == "orders"

    write(tmp_path / "orders", "20260101T120000-00000001", "failed", "rewritten by hand")
    stat = os.stat(folder / "run.json")
    os.utime(folder / "run.json", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    again = cache.load(folder)
    assert cache.loads == 2
    assert (again.status, again.message) == ("failed", "rewritten by hand")
    assert cache.wire(again).status == "failed"


def test_a_run_still_going_is_read_every_time(tmp_path: Path) -> None:
    cache = RecordCache(tmp_path)
    folder = write(tmp_path / "orders", "20260101T120000-00000001", "running")
    assert cache.load(folder).status == "running"
    assert cache.load(folder).status == "running"
    assert cache.loads == 2
    write(tmp_path / "orders", "20260101T120000-00000001", "succeeded")
    assert cache.load(folder).status == "succeeded"


def test_the_least_recently_used_records_are_dropped(tmp_path: Path) -> None:
    cache = RecordCache(tmp_path, capacity=2)
    folders = [
        write(tmp_path / "orders", f"20260101T12000{i}-00000001", "succeeded") for i in range(3)
    ]
    for folder in folders:
        cache.load(folder)
    cache.load(folders[2])
    cache.load(folders[1])
    assert cache.loads == 3
    cache.load(folders[0])  # dropped to keep two
    assert cache.loads == 4


def test_a_run_folder_without_its_record_is_not_found(tmp_path: Path) -> None:
    folder = run_folder(tmp_path / "orders", "20260101T120000-00000001")
    folder.mkdir(parents=True)
    with pytest.raises(NotFoundError):
        RecordCache(tmp_path).load(folder)
