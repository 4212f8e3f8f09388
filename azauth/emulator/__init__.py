"""Loopback Microsoft Entra ID emulator for tests (HTTPS token/discovery endpoints plus IMDS).

Notes on behaviour:

* Access tokens are RS256 JWTs signed by a process-wide key (``kid`` = ``x5t``), shaped per resource as
  Entra issues them — also for managed-identity tokens: v1.0 (``iss = https://sts.windows.net/{tenant_id}/``,
  ``ver`` "1.0", ``appid``/``appidacr``, ``aud`` the resource URI) for Microsoft's first-party resources
  (storage, Key Vault, ARM, Graph...), v2.0 (``iss = {authority}/{tenant_id}/v2.0``, ``azp``/``azpacr``) for
  the others; ``Emulator.access_token_version = "1.0"`` / ``"2.0"`` forces one shape. The v1.0
  (``/{tenant}/.well-known/openid-configuration``) and v2.0 discovery documents name those issuers, and
  the keys behind either ``jwks_uri`` validate both. Only the v2.0 grant endpoints are served.
* Client assertions: RS256 or PS256; ``x5t#S256``/``x5t`` select the registered certificate; an ``x5c``
  leaf must itself be a registered certificate (no chain building). ``aud`` must be the token endpoint with
  the tenant as GUID, as a registered domain, or as written in the request path. Replayed ``jti`` is
  rejected with AADSTS700024.
* ``token_delay`` applies to both the Entra token endpoint and the IMDS token endpoint.
* ``LoggedRequest.headers`` keys are lower-cased.
* Users sign in on real HTML pages: ``GET /{tenant}/oauth2/v2.0/authorize`` (username, password, the user's
  ``mfa_code`` when ``mfa_required``, consent; PKCE checked at redemption) and ``/devicelogin`` for device codes
  (``approve_device_code``/``decline_device_code`` do the same from a test; ``emu.clock`` is their time).
"""

from ._azurite import Azurite, AzuriteError
from ._certs import CertificateBundle, make_certificate
from ._emulator import Emulator
from ._http import FaultSpec, LoggedRequest

__all__ = ["Azurite", "AzuriteError", "CertificateBundle", "Emulator", "FaultSpec", "LoggedRequest", "make_certificate"]
