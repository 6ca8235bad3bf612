"""The operator API called in process (httpx over ASGI): the console's only way in, so that
every page is answered by the API's own rules, with the logged-in user's key."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.types import ASGIApp


class ApiAnswer:
    def __init__(self, status: int, body: Any, text: str = "") -> None:
        self.status, self.body, self.text = status, body, text

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def document(self) -> dict[str, Any]:
        """The answer's JSON object when it succeeded, else an empty one."""
        return self.body if self.ok and isinstance(self.body, dict) else {}

    def listed(self, key: str) -> list[dict[str, Any]]:
        """The objects of the list ``key`` of a successful answer (else none)."""
        found = self.document.get(key)
        return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []

    @property
    def message(self) -> str:
        if isinstance(self.body, dict) and "error" in self.body:
            return str(self.body["error"])
        return ""


class ApiClient:
    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    def attach(self, app: ASGIApp) -> None:
        """The API app (the console is part of it, so it is known only once built)."""
        transport = httpx.ASGITransport(app=app)
        self._client = httpx.AsyncClient(transport=transport, base_url="http://console")

    async def call(
        self, api_key: str, method: str, path: str, *, json: Any = None, params: Any = None
    ) -> ApiAnswer:
        assert self._client is not None, "the console is not attached to the API"
        headers = {"Authorization": f"Bearer {api_key}"}
        answer = await self._client.request(method, path, json=json, params=params, headers=headers)
        self._client.cookies.clear()  # one client for every user: never carry a cookie over
        try:
            body = answer.json()
        except ValueError:
            body = answer.text
        return ApiAnswer(answer.status_code, body, answer.text)
