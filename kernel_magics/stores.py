"""Where ``job.properties`` and ``job.secrets`` live for a job that is not deployed.

Both are small JSON files under the job's ``.dataops/`` folder, readable by the owner only.
A deployed job gets stores backed by the control service behind the same interface.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping, MutableMapping
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

    def items(self) -> Any:
        """All pairs from one read of the file."""
        return self._read().items()

    def update_all(self, values: dict[str, Any]) -> None:
        """Set many keys in one write."""
        data = self._read()
        data.update(values)
        self._write(data)

    def __repr__(self) -> str:
        if self.secret:
            return f"<secrets: {', '.join(sorted(self)) or 'none'}>"
        return repr(self._read())


class RemoteProperties(MutableMapping[str, Any]):
    """``job.properties`` of a deployed job: the control service's properties of the job,
    read and written over its REST API with the execution's own token."""

    def __init__(self, url: str, token: str, team: str, job: str) -> None:
        from urllib.parse import quote

        self._endpoint = (
            f"{url.rstrip('/')}/api/v1/teams/{quote(team)}/jobs/{quote(job)}/properties"
        )
        self._token = token

    def _call(self, method: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import urllib.request

        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self._endpoint, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            result: dict[str, Any] = json.loads(response.read() or b"{}")
        return result

    def __getitem__(self, key: str) -> Any:
        return self._call("GET")[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update_all({key: value})

    def __delitem__(self, key: str) -> None:
        data = self._call("GET")
        del data[key]
        self._call("PUT", data)

    def __iter__(self) -> Iterator[str]:
        return iter(self._call("GET"))

    def __len__(self) -> int:
        return len(self._call("GET"))

    def items(self) -> Any:
        """All pairs from one request."""
        return self._call("GET").items()

    def update_all(self, values: dict[str, Any]) -> None:
        data = self._call("GET")
        data.update(values)
        self._call("PUT", data)

    def __repr__(self) -> str:
        return repr(self._call("GET"))


class ReadOnlySecrets(Mapping[str, str]):
    """``job.secrets`` of a deployed job: handed over by the control service in a file only
    the execution can read; values are not shown in reprs."""

    def __init__(self, path: Path) -> None:
        self._values: dict[str, str] = json.loads(Path(path).read_text(encoding="utf-8"))

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"<secrets: {', '.join(sorted(self._values)) or 'none'}>"
