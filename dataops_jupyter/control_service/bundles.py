"""Job bundles: the zip a deploy uploads, checked before anything is written where it stays.

Refused with a reason (400): not a zip, too large, too many files, paths that leave the bundle
(``../``, absolute), symlinks, damaged archives (corrupt data, sizes or checksums that do not
match), bundles without ``job.toml``, contracts (``contracts/*.odcs.yaml``) with lint errors, and
archives that would expand far beyond their size (zip
bombs). Messages name files as the bundle does, never where the service keeps them. Accepted
bundles are unpacked with notebook outputs stripped, and hashed.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import shutil
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import nbformat

from ..contracts.lint import check_job_contracts
from ..errors import DataOpsError, InvalidInputError
from ..jobs import JOB_FILE, Job, load_job

MAX_BUNDLE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_FILES = 2000
MAX_RATIO = 200
SKIPPED_PARTS = {".dataops", ".ipynb_checkpoints", "__pycache__", ".git"}
#: What reading a damaged archive raises. The archive is in memory, so none of these can be
#: the server's own trouble: ``BadZipFile``/``LargeZipFile`` (headers, sizes, CRCs),
#: ``zlib.error`` and ``lzma.LZMAError`` (a stream that does not decompress), ``OSError``
#: (what ``bz2`` raises for one), ``EOFError`` (truncated data), ``ValueError`` (impossible
#: header values), ``NotImplementedError`` (a compression method zipfile lacks) and
#: ``RuntimeError`` (an encrypted entry, which needs a password).
UNREADABLE = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, ValueError,
    NotImplementedError, RuntimeError, OSError,
)  # fmt: skip


class BundleError(InvalidInputError):
    """A bundle refused for a reason the message gives."""

    kind = "invalid-bundle"


@dataclass
class Bundle:
    folder: Path
    job: Job
    content_hash: str


def make_bundle(job_folder: Path) -> bytes:
    """Zip a job folder for upload (run records, checkpoints and caches left out)."""
    buffer = io.BytesIO()
    root = Path(job_folder)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if any(part in SKIPPED_PARTS for part in relative.parts) or path.is_symlink():
                continue
            if path.is_file() and not path.name.endswith((".duckdb", ".duckdb.wal")):
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


def _check_entries(archive: zipfile.ZipFile, size: int) -> list[zipfile.ZipInfo]:
    entries = archive.infolist()
    if len(entries) > MAX_FILES:
        raise BundleError(f"the bundle has {len(entries)} files; at most {MAX_FILES} are allowed")
    total = 0
    for entry in entries:
        name = entry.filename
        path = PurePosixPath(name)
        if (
            name.startswith("/")
            or "\\" in name
            or ".." in path.parts
            or (path.parts and ":" in path.parts[0])
        ):
            raise BundleError(
                f"the bundle has an unsafe path {name!r}: paths must stay inside the job folder"
            )
        mode = entry.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BundleError(f"the bundle has a symbolic link {name!r}; links are not allowed")
        total += entry.file_size
        if total > MAX_UNPACKED_BYTES:
            raise BundleError(
                f"the bundle unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB; "
                "keep data out of job folders"
            )
    if size and total / size > MAX_RATIO and total > 10 * 2**20:
        raise BundleError(
            f"the bundle would expand {total / size:.0f} times its size; refused as a zip bomb"
        )
    return entries


def _strip_outputs(path: Path) -> None:
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return  # the job model reports unreadable notebooks with a clear message
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, str(path))


def _content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's bytes in chunks; damaged data (bad deflate stream, a size or CRC that does
    not match) is a :class:`BundleError` naming the file."""
    try:
        with archive.open(entry) as source:
            while chunk := source.read(1 << 20):
                yield chunk
    except UNREADABLE as exc:
        raise BundleError(
            f"the bundle's file {entry.filename!r} is damaged ({exc or type(exc).__name__}); "
            "zip the job folder again"
        ) from None


def _unpack(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], folder: Path) -> None:
    written = 0
    for entry in entries:
        target = folder / entry.filename
        if entry.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            for chunk in _read(archive, entry):
                written += len(chunk)
                if written > MAX_UNPACKED_BYTES:  # sizes in the header can lie
                    raise BundleError("the bundle unpacks to more than it declares; refused")
                out.write(chunk)


def _load(folder: Path) -> Job:
    """The job in an unpacked bundle; messages name files as the bundle does, not where the
    service keeps them."""
    if not (folder / JOB_FILE).is_file():
        raise BundleError(
            f"the bundle has no {JOB_FILE} at its top level: zip the job folder's contents "
            "(job.toml beside the notebooks), as `dataops deploy JOB_DIR` does"
        )
    try:
        return load_job(folder)
    except DataOpsError as exc:
        message = exc.message
        for prefix in {str(folder), str(folder.resolve())}:
            message = message.replace(prefix + "/", "").replace(prefix, "the bundle")
        exc.message = message
        exc.args = (message,)
        raise


def unpack_bundle(data: bytes, destination: Path) -> Bundle:
    """Check ``data``, unpack it into ``destination`` (a new or empty folder) and load the job
    from it. On any refusal ``destination`` is removed again."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError(
            f"the bundle is {len(data) / 2**20:.1f} MiB; at most {MAX_BUNDLE_BYTES // 2**20} MiB"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except UNREADABLE:
        raise BundleError("the upload is not a zip archive; send the job folder zipped") from None
    destination.mkdir(parents=True, exist_ok=True)
    try:
        with archive:
            _unpack(archive, _check_entries(archive, len(data)), destination)
        for notebook in destination.rglob("*.ipynb"):
            _strip_outputs(notebook)
        job = _load(destination)  # refuse an invalid job before it is kept
        check_job_contracts(destination)  # messages name contracts/… as the bundle does
        return Bundle(destination, job, _content_hash(destination))
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise
