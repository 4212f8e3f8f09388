"""Mock transports the way azure-identity's users write them: ``Mock(send=...)`` returning legacy responses
(``status_code``, ``headers``, ``text()``), one helper for both modes."""

from __future__ import annotations

import json
import time
from typing import Any
from unittest import mock

from tests.support import Mode


def legacy_response(status_code: int = 200, payload: dict[str, Any] | None = None) -> Any:
    """A response with only the legacy ``HttpResponse`` surface azure-identity's test helpers give it."""
    response = mock.Mock(status_code=status_code, headers={"content-type": "application/json"})
    body = json.dumps(payload if payload is not None else {})
    response.text = lambda encoding=None: body
    response.content_type = "application/json"
    return response


def token_payload(token: str = "***token***", expires_in: int = 3600) -> dict[str, Any]:
    return {"access_token": token, "expires_in": expires_in, "ext_expires_in": expires_in, "token_type": "Bearer"}


def mock_transport(mode: Mode, *responses: Any) -> Any:
    """A ``MagicMock`` transport whose ``send`` returns ``responses`` in turn (awaitable in async mode); it
    records the requests it was sent and supports ``with`` / ``async with`` as a real transport does."""
    transport = mock.MagicMock()
    sent: list[Any] = []

    def send(request: Any, **kwargs: Any) -> Any:
        sent.append(request)
        return responses[min(len(sent), len(responses)) - 1]

    if mode.is_async:

        async def asend(request: Any, **kwargs: Any) -> Any:
            return send(request, **kwargs)

        transport.send = mock.Mock(side_effect=asend)
    else:
        transport.send = mock.Mock(side_effect=send)
    transport.sent = sent
    return transport


def now() -> int:
    return int(time.time())
