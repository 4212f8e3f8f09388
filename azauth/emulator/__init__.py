"""Loopback Microsoft Entra ID emulator (HTTPS token/discovery endpoints and IMDS) for tests."""

from ._certs import CertificateBundle, make_certificate
from ._emulator import Emulator
from ._http import FaultSpec, LoggedRequest

__all__ = ["CertificateBundle", "Emulator", "FaultSpec", "LoggedRequest", "make_certificate"]
