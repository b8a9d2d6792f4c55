"""A small HTTP client for the workshop's API, as a page (or a forger) would use it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def call(url: str, path: str, token: str = "", body=None, *, raw: bytes | None = None, timeout=30):
    """``(status, data)`` of a request to ``url + path`` (POST when there is a body)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(
        url + path,
        data=data,
        method="POST" if data is not None else "GET",
        headers={"X-Room-Token": token, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content = response.read()
            status = response.status
            kind = response.headers.get("content-type", "")
    except urllib.error.HTTPError as err:
        content, status, kind = err.read(), err.code, err.headers.get("content-type", "")
    if "json" in kind:
        return status, json.loads(content)
    return status, content


def api(code: str, path: str) -> str:
    return f"/workshop/api/{code}{path}"
