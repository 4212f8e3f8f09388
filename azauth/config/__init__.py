"""Declarative configuration: credentials described in YAML, TOML, JSON, a mapping or ``AZAUTH_*`` variables.

::

    from azauth.config import load_config
    document = load_config("auth.yaml")          # the validated document; nothing built yet

    from azauth import credential_from_config    # or azauth.aio for the async credential
    credential = credential_from_config("auth.yaml", profile="app")

The models are derived from the credential constructors (see :mod:`azauth.config.models`); the JSON schema and
``docs/configuration.md`` are generated from the same models.
"""

from __future__ import annotations

from ..errors import ConfigError, ConfigProblem
from .factory import async_credential_from_config, credential_from_config
from .loader import CheckResult, check, load_config
from .models import ConfigDocument

__all__ = [
    "CheckResult",
    "ConfigDocument",
    "ConfigError",
    "ConfigProblem",
    "async_credential_from_config",
    "check",
    "credential_from_config",
    "load_config",
]
