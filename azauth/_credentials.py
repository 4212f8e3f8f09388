"""The sync public credential classes: a core plus the sync driver mixin, same names as azure-identity."""

from __future__ import annotations

from ._core.certificate import CertificateCore
from ._core.chained import ChainedCore
from ._core.client_assertion import ClientAssertionCore
from ._core.client_secret import ClientSecretCore
from ._core.managed_identity import ManagedIdentityCore
from ._io.sync import SyncCredential

__all__ = [
    "CertificateCredential",
    "ChainedTokenCredential",
    "ClientAssertionCredential",
    "ClientSecretCredential",
    "ManagedIdentityCredential",
]


class ClientSecretCredential(ClientSecretCore, SyncCredential):
    __doc__ = ClientSecretCore.__doc__


class CertificateCredential(CertificateCore, SyncCredential):
    __doc__ = CertificateCore.__doc__


class ClientAssertionCredential(ClientAssertionCore, SyncCredential):
    __doc__ = ClientAssertionCore.__doc__


class ChainedTokenCredential(ChainedCore, SyncCredential):
    __doc__ = ChainedCore.__doc__


class ManagedIdentityCredential(ManagedIdentityCore, SyncCredential):
    __doc__ = ManagedIdentityCore.__doc__
