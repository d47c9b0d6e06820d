"""Secrets encrypted at rest with Fernet; the key comes from config or ``DATAOPS_SECRET_KEY``."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from ..errors import DataOpsError


class SecretKeyError(DataOpsError):
    """No usable key: secrets can be neither stored nor read."""

    status = 503
    kind = "secret-key"


class SecretBox:
    """Encrypts and decrypts secret values; without a key every use is a clear error."""

    def __init__(self, key: str | None) -> None:
        self._fernet: Fernet | None = None
        if key:
            try:
                self._fernet = Fernet(key.encode() if isinstance(key, str) else key)
            except (ValueError, TypeError):
                raise SecretKeyError(
                    "DATAOPS_SECRET_KEY is not a Fernet key: create one with `python -c 'from "
                    "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
                ) from None

    @property
    def available(self) -> bool:
        return self._fernet is not None

    def _box(self) -> Fernet:
        if self._fernet is None:
            raise SecretKeyError(
                "secrets need a key: set DATAOPS_SECRET_KEY (a Fernet key) for the control service"
            )
        return self._fernet

    def encrypt(self, value: str) -> bytes:
        return self._box().encrypt(value.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        try:
            return self._box().decrypt(token).decode("utf-8")
        except InvalidToken:
            raise SecretKeyError(
                "a stored secret does not decrypt with this key: was the key changed?"
            ) from None
