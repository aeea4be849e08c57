"""Reading series from Prometheus's HTTP API (query_range): what the API charts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import httpx

from zaneops.common.errors import Unavailable

MAX_ANSWER_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: list[tuple[float, float]]  # (unix seconds, value)


class Prometheus:
    def __init__(self, url: str, timeout_seconds: float = 5.0) -> None:
        self._http = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout_seconds)

    async def close(self) -> None:
        await self._http.aclose()

    async def value(self, query: str) -> float | None:
        """An instant query's single value now; None: no data (or NaN)."""
        body = await self._ask("/api/v1/query", {"query": query})
        result = body["data"]["result"]
        if not result:
            return None
        found = float(result[0]["value"][1])
        return None if math.isnan(found) else found  # NaN: nothing to compare

    async def vector(self, query: str) -> list[tuple[dict[str, str], float]]:
        """An instant query's series now, each with its labels (NaN values left out)."""
        body = await self._ask("/api/v1/query", {"query": query})
        found = []
        for item in body["data"]["result"]:
            value = float(item["value"][1])
            if not math.isnan(value):
                found.append((dict(item.get("metric") or {}), value))
        return found

    async def _ask(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        try:
            answer = await self._http.post(path, data=params)
        except httpx.HTTPError as exc:
            raise Unavailable(f"the metrics store cannot be reached: {exc}") from None
        if len(answer.content) > MAX_ANSWER_BYTES:
            raise Unavailable("the metrics store answered more than a chart can show")
        json_type = answer.headers.get("content-type", "").startswith("application/json")
        body: dict[str, Any] = answer.json() if json_type else {}
        if answer.status_code != 200 or body.get("status") != "success":
            said = body.get("error") or answer.text[:200]
            raise Unavailable(f"the metrics store refused the query: {said}")
        return body

    async def query_range(self, query: str, start: float, end: float, step: float) -> list[Series]:
        params = {"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        body = await self._ask("/api/v1/query_range", params)
        return [
            Series(
                labels=dict(item.get("metric") or {}),
                points=[(float(t), float(v)) for t, v in item.get("values") or []],
            )
            for item in body["data"]["result"]
        ]
