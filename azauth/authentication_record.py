"""``AuthenticationRecord``: non-secret account information of a signed-in user, in azure-identity's JSON format."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["AuthenticationRecord"]

SUPPORTED_VERSIONS = frozenset({"1.0"})
_FIELDS = {
    "authority": "authority",
    "clientId": "client_id",
    "homeAccountId": "home_account_id",
    "tenantId": "tenant_id",
    "username": "username",
}
MAX_SERIALIZED = 64 * 1024
"""A serialized record is a few hundred bytes; anything much larger is not one."""


class AuthenticationRecord:
    """Non-secret account information for an authenticated user

    This class enables :class:`DeviceCodeCredential` and :class:`InteractiveBrowserCredential` to access
    previously cached authentication data. Applications shouldn't construct instances of this class. They should
    instead acquire one from a credential's **authenticate** method, such as
    :func:`InteractiveBrowserCredential.authenticate`. A record serialized by azure-identity is read by azauth and
    the other way round.

    :param str tenant_id: The tenant the account should authenticate in.
    :param str client_id: The client ID of the application which performed the original authentication.
    :param str authority: The authority host used to authenticate the account.
    :param str home_account_id: A unique identifier of the account.
    :param str username: The user principal or service principal name of the account.
    """

    __slots__ = ("_authority", "_client_id", "_home_account_id", "_tenant_id", "_username")

    def __init__(self, tenant_id: str, client_id: str, authority: str, home_account_id: str, username: str) -> None:
        self._authority = authority
        self._client_id = client_id
        self._home_account_id = home_account_id
        self._tenant_id = tenant_id
        self._username = username

    @property
    def authority(self) -> str:
        """The authority host used to authenticate the account."""
        return self._authority

    @property
    def client_id(self) -> str:
        """The client ID of the application which performed the original authentication."""
        return self._client_id

    @property
    def home_account_id(self) -> str:
        """A unique identifier of the account."""
        return self._home_account_id

    @property
    def tenant_id(self) -> str:
        """The tenant the account should authenticate in."""
        return self._tenant_id

    @property
    def username(self) -> str:
        """The user principal or service principal name of the account."""
        return self._username

    @classmethod
    def deserialize(cls, data: str) -> AuthenticationRecord:
        """Deserialize a record.

        :param str data: A serialized record.
        :return: The deserialized record.
        :rtype: ~azauth.AuthenticationRecord
        :raises ValueError: ``data`` is not a serialized record (the message says which field is wrong).
        """
        if not isinstance(data, (str, bytes)):
            raise TypeError(f"an authentication record is deserialized from a str, not {type(data).__name__}")
        if len(data) > MAX_SERIALIZED:
            raise ValueError(f"not an authentication record: {len(data)} characters (a record has a few hundred)")
        try:
            value: Any = json.loads(data)
        except ValueError as exc:
            raise ValueError(f"not an authentication record: not JSON ({type(exc).__name__})") from None
        if not isinstance(value, dict):
            raise ValueError(f"not an authentication record: a JSON {type(value).__name__}, not an object")
        version = value.get("version")
        if version not in SUPPORTED_VERSIONS:
            raise ValueError(
                f'Unexpected version "{version}". This package supports these versions: {set(SUPPORTED_VERSIONS)}'
            )
        fields: dict[str, str] = {}
        for key, name in _FIELDS.items():
            item = value.get(key)
            if not isinstance(item, str) or not item:
                raise ValueError(f"not an authentication record: {key!r} is missing or not a non-empty string")
            fields[name] = item
        return cls(**fields)

    def serialize(self) -> str:
        """Serialize the record (azure-identity's format, version 1.0).

        :return: The serialized record.
        :rtype: str
        """
        record = {key: getattr(self, name) for key, name in _FIELDS.items()}
        return json.dumps({**record, "version": "1.0"})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AuthenticationRecord):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _FIELDS.values())

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in _FIELDS.values()))

    def __repr__(self) -> str:
        return (
            f"AuthenticationRecord(username={self._username!r}, tenant_id={self._tenant_id!r},"
            f" client_id={self._client_id!r}, authority={self._authority!r})"
        )
