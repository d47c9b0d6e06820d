"""Errors a user can cause, each mapped to one HTTP status and a clear message."""

from __future__ import annotations


class DataOpsError(Exception):
    """Base class of every error the product raises on purpose.

    ``status`` is the HTTP status the server extension answers with; ``kind`` is a short
    machine-readable name sent next to the message.
    """

    status = 500
    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputError(DataOpsError):
    """Input the user can fix: a bad job.toml, notebook, argument or request body."""

    status = 400
    kind = "invalid"


class JobDefinitionError(InvalidInputError):
    """A job folder that does not describe a valid job (names the file, key and fix)."""

    kind = "invalid-job"


class ArgumentError(InvalidInputError):
    """Job arguments that are unknown or do not match the parameters cell's types."""

    kind = "invalid-arguments"


class NotFoundError(DataOpsError):
    """A job or run that does not exist."""

    status = 404
    kind = "not-found"


class ConflictError(DataOpsError):
    """A request that clashes with existing state (for example a job that already exists)."""

    status = 409
    kind = "conflict"


class UnchangedError(ConflictError):
    """A deploy of the same content as the job's current version (no new version is made)."""

    kind = "unchanged"
