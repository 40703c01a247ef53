"""A small typed client for the end-to-end tests: one service of the running stack, as one department and role."""
from __future__ import annotations

from typing import Any

import requests

TIMEOUT_S = 10


class ServiceClient:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url, self.headers = base_url.rstrip("/"), headers

    def url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.url(path), params=params, headers=self.headers, timeout=TIMEOUT_S)

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> requests.Response:
        return requests.post(self.url(path), json=body or {}, headers={**self.headers, **headers}, timeout=TIMEOUT_S)

    def patch(self, path: str, body: dict[str, Any], **headers: str) -> requests.Response:
        return requests.patch(self.url(path), json=body, headers={**self.headers, **headers}, timeout=TIMEOUT_S)

    def command(self, path: str, body: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
        """POSTs a command that must succeed with ``status``; returns the record it answers with."""
        response = self.post(path, body)
        assert response.status_code == status, response.text
        found: dict[str, Any] = response.json()
        return found

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """The items of one page of a list."""
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["items"]
        return found

    def knows(self, enterprise_id: str) -> bool:
        """Whether this service has learned of the enterprise from registry events."""
        return self.get(f"/enterprises/{enterprise_id}").status_code == 200
