"""Where ``job.properties`` and ``job.secrets`` live for a job that is not deployed.

Both are small JSON files under the job's ``.dataops/`` folder, readable by the owner only.
A deployed job gets stores backed by the control service behind the same interface.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any


class LocalStore(MutableMapping[str, Any]):
    """A JSON object in a file, read on every access so that several processes agree."""

    def __init__(self, path: Path, secret: bool = False) -> None:
        self.path = Path(path)
        self.secret = secret

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{self.path} is not a JSON object: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{self.path} is not a JSON object")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".store-")
        os.chmod(tmp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(tmp, self.path)

    def __getitem__(self, key: str) -> Any:
        return self._read()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        try:
            json.dumps(value)
        except TypeError:
            raise TypeError(
                f"{key!r}: only JSON values (str, numbers, bools, lists, dicts) can be stored"
            ) from None
        data = self._read()
        data[key] = value
        self._write(data)

    def __delitem__(self, key: str) -> None:
        data = self._read()
        del data[key]
        self._write(data)

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def update_all(self, values: dict[str, Any]) -> None:
        """Set many keys in one write."""
        data = self._read()
        data.update(values)
        self._write(data)

    def __repr__(self) -> str:
        if self.secret:
            return f"<secrets: {', '.join(sorted(self)) or 'none'}>"
        return repr(self._read())
