"""``ControlClient``: the control service's REST API over HTTP, one method per route.

Idempotent calls (GET, PUT, DELETE) are retried with exponential backoff when the service
cannot be reached or a gateway answers 502/503/504; POST and PATCH are sent once. Every
error is a :class:`ControlServiceError` carrying the HTTP status and the service's message.
"""

from __future__ import annotations

import codecs
import json
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3

from ..errors import DataOpsError

#: Seconds to connect, and to wait for an answer, for ordinary calls.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
#: A deploy installs requirements and runs the job's tests before it answers.
DEPLOY_READ_TIMEOUT = 1800.0
#: A log stream that stays silent this long is reopened where it stopped.
STREAM_READ_TIMEOUT = 30.0
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})


class ControlServiceError(DataOpsError):
    """The control service refused a call (``status`` is its HTTP status, ``message`` its
    message), or could not be reached."""

    def __init__(self, message: str, status: int = 500, kind: str = "error") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


class ControlServiceUnreachable(ControlServiceError):
    """No answer: connection refused, unknown host, or a timeout."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 503, "unreachable")


@dataclass
class LogEvent:
    """One event of a followed log: new ``text`` up to ``offset``, or the ``end`` with the
    execution's final ``status``."""

    kind: str
    text: str = ""
    offset: int = 0
    status: str | None = None


def _reason(exc: requests.RequestException) -> str:
    """A short human reason for a failed connection."""
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused (is the control service running?)"
    if "name resolution" in text or "not known" in text or "nodename nor servname" in text:
        return "unknown host"
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    return text


def _is_read_timeout(exc: requests.RequestException) -> bool:
    """A stream that stayed silent past its read timeout (requests reports it as a
    connection error once the body is being read)."""
    return isinstance(exc, requests.Timeout) or any(
        isinstance(arg, urllib3.exceptions.ReadTimeoutError) for arg in exc.args
    )


def _segment(value: str | int) -> str:
    return quote(str(value), safe="")


class ControlClient:
    """A client of one control service, for one team.

    ``team`` may be left out: it is then asked from the service (``GET /api/v1/whoami``) on
    first use. An admin token has no team of its own, so it needs ``team``.
    """

    def __init__(
        self,
        url: str,
        token: str,
        team: str | None = None,
        *,
        timeout: float = READ_TIMEOUT,
        retries: int = 3,
        stream_timeout: float = STREAM_READ_TIMEOUT,
        backoff: float = 0.25,
        session: requests.Session | None = None,
    ) -> None:
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ControlServiceError(
                f"{url!r} is not a control service URL: use http://host:port", 400, "invalid"
            )
        self.url = url.rstrip("/")
        self._team = team or None
        self.timeout = timeout
        self.retries = retries
        self.stream_timeout = stream_timeout
        self.backoff = backoff
        self.session = session or requests.Session()
        self.closed = False
        self.session.headers["Authorization"] = f"Bearer {token.strip()}"
        self.session.headers["Accept"] = "application/json"

    def close(self) -> None:
        """Release connections; a log being followed ends at its next event or pause."""
        self.closed = True
        self.session.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def team(self) -> str:
        """The team every team-scoped call is made for."""
        return self.resolve_team()

    def resolve_team(self, fallback: str | None = None) -> str:
        """The given team, else the token's own, else ``fallback`` (for an admin token)."""
        if self._team is None:
            who = self.whoami()
            team = who.get("team") or fallback
            if not team:
                raise ControlServiceError(
                    "this is an admin token, which has no team of its own: name the team "
                    "(--team or DATAOPS_TEAM)",
                    400,
                    "invalid",
                )
            self._team = str(team)
        return self._team

    def _team_path(self, *parts: str | int) -> str:
        return "/api/v1/teams/" + "/".join(_segment(p) for p in (self.team, *parts))

    def _error(self, response: requests.Response) -> ControlServiceError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return ControlServiceError(
                body["message"], response.status_code, str(body.get("error") or "error")
            )
        text = " ".join(response.text.split())[:300]
        return ControlServiceError(
            f"the control service at {self.url} answered {response.status_code} "
            f"{response.reason}" + (f": {text}" if text else ""),
            response.status_code,
        )

    @staticmethod
    def _is_service_answer(response: requests.Response) -> bool:
        """A JSON error of the service itself (a deliberate answer, not a gateway's)."""
        if "json" not in response.headers.get("Content-Type", ""):
            return False
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and "message" in body

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send one call (retrying idempotent ones) and return the successful response."""
        attempts = self.retries + 1 if method in IDEMPOTENT else 1
        timeout = (CONNECT_TIMEOUT, read_timeout or self.timeout)
        url = self.url + path
        for attempt in range(attempts):
            last = attempt + 1 == attempts
            try:
                response = self.session.request(
                    method, url, params=params, json=json_body, data=data,
                    headers=dict(headers or {}), timeout=timeout, stream=stream,
                )  # fmt: skip
            except requests.ConnectionError as exc:
                if last:
                    raise ControlServiceUnreachable(
                        f"cannot reach the control service at {self.url}: {_reason(exc)}"
                    ) from None
            except requests.exceptions.InvalidHeader:
                raise ControlServiceError(  # the message would show the token: not used
                    "the token has characters a request cannot carry (spaces, line breaks)",
                    400,
                    "invalid",
                ) from None
            except requests.exceptions.InvalidURL as exc:
                raise ControlServiceError(f"{self.url}{path}: {exc}", 400, "invalid") from None
            except requests.Timeout:
                if last:
                    raise ControlServiceUnreachable(
                        f"the control service at {self.url} did not answer {method} {path} "
                        f"within {timeout[1]:.0f} s"
                    ) from None
            else:
                retry = response.status_code in RETRY_STATUSES and not (
                    self._is_service_answer(response)
                )
                if not retry or last:
                    if response.status_code >= 400:
                        error = self._error(response)
                        response.close()
                        raise error
                    return response
                response.close()
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ControlServiceError(
                f"the control service at {self.url} sent an answer that is not JSON "
                f"({method} {path})",
                502,
            ) from None

    # -- service ------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """``GET /healthz``."""
        result: dict[str, Any] = self._json("GET", "/healthz")
        return result

    def whoami(self) -> dict[str, Any]:
        """``GET /api/v1/whoami``: ``{name, team, admin}`` of the token."""
        result: dict[str, Any] = self._json("GET", "/api/v1/whoami")
        return result

    def metrics(self) -> str:
        """``GET /metrics`` (Prometheus text; needs an admin token)."""
        return self.request("GET", "/metrics", headers={"Accept": "text/plain"}).text

    # -- jobs ---------------------------------------------------------------------------------

    def every_job(self) -> list[dict[str, Any]]:
        """The jobs this token may see across teams (every team's for an admin token)."""
        result: list[dict[str, Any]] = self._json("GET", "/api/v1/jobs")["jobs"]
        return result

    def jobs(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("GET", self._team_path("jobs"))["jobs"]
        return result

    def job(self, job: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", self._team_path("jobs", job))
        return result

    def create_job(self, job: str, description: str = "") -> dict[str, Any]:
        body = {"name": job, "description": description}
        result: dict[str, Any] = self._json("POST", self._team_path("jobs"), json_body=body)
        return result

    def update_job(
        self, job: str, *, description: str | None = None, enabled: bool | None = None
    ) -> dict[str, Any]:
        body = {
            k: v for k, v in (("description", description), ("enabled", enabled)) if v is not None
        }
        result: dict[str, Any] = self._json("PATCH", self._team_path("jobs", job), json_body=body)
        return result

    def delete_job(self, job: str) -> None:
        """Delete a job with its deployments, executions, properties and secrets. Refused
        (409) while one of its executions runs."""
        self._json("DELETE", self._team_path("jobs", job))

    # -- deployments --------------------------------------------------------------------------

    def deployments(self, job: str) -> list[dict[str, Any]]:
        """Newest first."""
        path = self._team_path("jobs", job, "deployments")
        result: list[dict[str, Any]] = self._json("GET", path)["deployments"]
        return result

    def deployment(self, job: str, version: int) -> dict[str, Any]:
        path = self._team_path("jobs", job, "deployments", version)
        result: dict[str, Any] = self._json("GET", path)
        return result

    def deploy(
        self, job: str, bundle: bytes, reason: str = "", *, force: bool = False
    ) -> dict[str, Any]:
        """Upload a zipped job folder (see ``control_service.bundles.make_bundle``) as the
        job's next version; the first accepted deploy creates the job. Content equal to the
        current version's is refused (409, kind ``unchanged``: "no change since vN") unless
        ``force``."""
        params = {"reason": reason} if reason else {}
        if force:
            params["force"] = "true"
        result: dict[str, Any] = self._json(
            "POST",
            self._team_path("jobs", job, "deployments"),
            params=params or None,
            data=bundle,
            headers={"Content-Type": "application/zip"},
            read_timeout=DEPLOY_READ_TIMEOUT,
        )
        return result

    def activate(self, job: str, version: int) -> dict[str, Any]:
        """Make ``version`` the one that runs (roll back or forward); the job."""
        path = self._team_path("jobs", job, "active-deployment")
        result: dict[str, Any] = self._json("PUT", path, json_body={"version": version})
        return result

    # -- executions ---------------------------------------------------------------------------

    def executions(
        self,
        job: str,
        limit: int = 50,
        before: str | None = None,
        statuses: Sequence[str] = (),
    ) -> dict[str, Any]:
        """``{executions: [...], next_cursor}``, newest first; only those with one of
        ``statuses`` when any are given."""
        params: dict[str, Any] = {"limit": limit}
        if before:
            params["before"] = before
        if statuses:
            params["status"] = list(statuses)
        path = self._team_path("jobs", job, "executions")
        result: dict[str, Any] = self._json("GET", path, params=params)
        return result

    def trigger(self, job: str, arguments: Mapping[str, Any] | None = None) -> dict[str, Any]:
        path = self._team_path("jobs", job, "executions")
        body = {"arguments": dict(arguments or {})}
        result: dict[str, Any] = self._json("POST", path, json_body=body)
        return result

    def execution(self, job: str, execution: str) -> dict[str, Any]:
        path = self._team_path("jobs", job, "executions", execution)
        result: dict[str, Any] = self._json("GET", path)
        return result

    def find_execution(self, execution: str) -> dict[str, Any]:
        """An execution of any of the team's jobs, by its id alone."""
        result: dict[str, Any] = self._json("GET", self._team_path("executions", execution))
        return result

    def cancel(self, job: str, execution: str) -> dict[str, Any]:
        path = self._team_path("jobs", job, "executions", execution, "cancel")
        result: dict[str, Any] = self._json("POST", path)
        return result

    def logs(
        self, job: str, execution: str, offset: int = 0, tail: int | None = None
    ) -> dict[str, Any]:
        """``{text, offset, complete}`` from byte ``offset`` (or the last ``tail`` bytes)."""
        params: dict[str, Any] = {"offset": offset}
        if tail is not None:
            params["tail"] = tail
        path = self._team_path("jobs", job, "executions", execution, "logs")
        result: dict[str, Any] = self._json("GET", path, params=params)
        return result

    def follow_logs(
        self, job: str, execution: str, offset: int = 0
    ) -> Generator[LogEvent, None, None]:
        """The log as it grows (server-sent events), ending with an ``end`` event.

        A dropped or silent stream is reopened where it stopped; the service must stay
        unreachable through every retry for this to fail.
        """
        path = self._team_path("jobs", job, "executions", execution, "logs", "stream")
        failures = 0
        while not self.closed:
            response = self.request(
                "GET", path, params={"offset": offset}, stream=True,
                headers={"Accept": "text/event-stream"}, read_timeout=self.stream_timeout,
            )  # fmt: skip
            try:
                for event in _server_sent_events(response):
                    failures = 0
                    if event.kind == "end":
                        yield event
                        return
                    offset = event.offset
                    yield event
                failures += 1  # closed without an end: reopen, but not in a tight loop
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                if self.closed:
                    return
                if _is_read_timeout(exc):
                    continue  # a quiet step: open the stream again from the same offset
                failures += 1
            finally:
                response.close()
            if failures > self.retries:
                raise ControlServiceUnreachable(f"the log stream from {self.url} kept breaking off")
            time.sleep(self.backoff * 2 ** (failures - 1))

    def output_notebook(self, job: str, execution: str) -> dict[str, Any]:
        path = self._team_path("jobs", job, "executions", execution, "notebook")
        result: dict[str, Any] = self._json("GET", path)
        return result

    # -- properties and secrets ---------------------------------------------------------------

    def properties(self, job: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", self._team_path("jobs", job, "properties"))
        return result

    def set_properties(self, job: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Replace all properties of the job with ``values``."""
        path = self._team_path("jobs", job, "properties")
        result: dict[str, Any] = self._json("PUT", path, json_body=dict(values))
        return result

    def secrets(self, job: str) -> list[str]:
        """The names of the job's secrets (values never leave the service)."""
        names: list[str] = self._json("GET", self._team_path("jobs", job, "secrets"))["names"]
        return names

    def set_secret(self, job: str, name: str, value: str) -> None:
        path = self._team_path("jobs", job, "secrets", name)
        self._json("PUT", path, json_body={"value": value})

    def delete_secret(self, job: str, name: str) -> None:
        self._json("DELETE", self._team_path("jobs", job, "secrets", name))


def _server_sent_events(response: requests.Response) -> Iterator[LogEvent]:
    """Parse ``text/event-stream``: ``data:`` lines per event, ``event: end`` at the end."""
    buffer = ""
    name = "message"
    data: list[str] = []
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    for chunk in response.iter_content(chunk_size=None):
        buffer += decoder.decode(chunk)
        while "\n" in buffer:
            line, buffer = buffer.split("\n", 1)
            line = line.rstrip("\r")
            if line == "":
                if data:
                    payload = json.loads("\n".join(data))
                    if name == "end":
                        yield LogEvent("end", status=payload.get("status"))
                    else:
                        yield LogEvent("log", payload.get("text", ""), int(payload["offset"]))
                name = "message"
                data = []
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
