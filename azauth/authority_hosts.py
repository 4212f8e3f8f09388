"""Well-known Microsoft Entra authority hosts."""

from __future__ import annotations

import warnings

__all__ = ["AzureAuthorityHosts", "KnownAuthorities"]


class _AuthorityHostsMeta(type):
    def __getattr__(cls, name: str) -> str:
        if name == "AZURE_GERMANY":
            warnings.warn(
                "AZURE_GERMANY is deprecated. Microsoft Cloud Germany was closed on October 29th, 2021.",
                DeprecationWarning,
                stacklevel=2,
            )
            return "login.microsoftonline.de"
        raise AttributeError(f"{name} not found in {cls.__name__}")


class AzureAuthorityHosts(metaclass=_AuthorityHostsMeta):
    """Constants for Microsoft Entra ID authority hosts, one per national cloud."""

    AZURE_CHINA = "login.chinacloudapi.cn"
    AZURE_GOVERNMENT = "login.microsoftonline.us"
    AZURE_PUBLIC_CLOUD = "login.microsoftonline.com"


class KnownAuthorities(AzureAuthorityHosts):
    """Alias of :class:`AzureAuthorityHosts`."""
