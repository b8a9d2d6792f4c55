"""What a visitor may ask of the server: the caps of the classroom dashboard, in one place.

Thirty students share one server, so nothing a visitor sets may make it allocate or
compute without bound. Every model the dashboard builds passes :func:`check_scenario`
first; an uploaded scenario beyond a cap is refused with a one-line error.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from leadsim.config import Scenario, ScenarioError, TomlError, decode_text

MAX_STAFF = 500  # staff per organisation
MAX_HORIZON = 520  # weeks: ten school years
MAX_ORGANISATIONS = 12  # organisations in one system (the learning-group scenarios have 6)
MAX_SPEED = 20.0  # weeks per second while playing
MIN_SPEED = 0.5
MAX_UPLOAD_BYTES = 64 * 1024  # a scenario file is a page of text
MAX_LIVE_PAGES = 100  # browser pages served at once (Solara's kernel limit); more wait
KERNEL_CULL_TIMEOUT = "3m"  # an abandoned page's models are freed after this
IDLE_PAUSE_SECONDS = 15.0  # playing stops when the browser has drawn nothing for this long
MAX_SEED = 2**31 - 1  # seeds a visitor can type (any shipped scenario's seed is smaller)


def check_scenario(scenario: Scenario) -> Scenario:
    """Return ``scenario`` if it is within the caps, else raise a one-line :class:`ScenarioError`."""
    source = scenario.source or f"scenario {scenario.name}"
    if scenario.params.n_staff > MAX_STAFF:
        raise ScenarioError(
            f"{source}: parameters.n_staff: {scenario.params.n_staff} is above the dashboard's cap; "
            f"allowed: 2 to {MAX_STAFF}",
            source=source,
            field="parameters.n_staff",
        )
    if scenario.horizon > MAX_HORIZON:
        raise ScenarioError(
            f"{source}: horizon: {scenario.horizon} is above the dashboard's cap; "
            f"allowed: 1 to {MAX_HORIZON}",
            source=source,
            field="horizon",
        )
    if scenario.organisations > MAX_ORGANISATIONS:
        raise ScenarioError(
            f"{source}: organisations: {scenario.organisations} is above the dashboard's cap; "
            f"allowed: 1 to {MAX_ORGANISATIONS}",
            source=source,
            field="organisations",
        )
    return scenario


def uploaded_text(data: Mapping[str, Any], name: str) -> str:
    """The text of a file the browser sent: ``{name, data}`` (its bytes, base64) or ``{name, text}``.

    The bytes are decoded by the rule of every entry point (:func:`leadsim.config.decode_text`:
    UTF-8 with or without a byte-order mark, or UTF-16 with one), so a file the command line
    refuses is refused here too. Raises a one-line :class:`ScenarioError` naming the file.
    """
    allowed = f"a scenario file (.toml) of at most {MAX_UPLOAD_BYTES // 1024} kB"

    def refuse(problem: str, why: str = allowed) -> ScenarioError:
        return ScenarioError(f"{name}: {problem}; allowed: {why}", source=name)

    if "error" in data:
        raise refuse(" ".join(str(data.get("error") or "could not be read").split())[:200])
    encoded, text = data.get("data"), data.get("text")
    if isinstance(encoded, str):
        if len(encoded) > 4 * (MAX_UPLOAD_BYTES // 3 + 1):
            raise refuse("file too large", f"at most {MAX_UPLOAD_BYTES // 1024} kB")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise refuse("the browser sent bytes that are not base64") from None
        if len(raw) > MAX_UPLOAD_BYTES:
            raise refuse("file too large", f"at most {MAX_UPLOAD_BYTES // 1024} kB")
        try:
            return decode_text(raw)
        except TomlError as err:
            raise refuse(err.problem, err.allowed) from None
    if isinstance(text, str):
        if len(text) > MAX_UPLOAD_BYTES or len(text.encode("utf-8", "replace")) > MAX_UPLOAD_BYTES:
            raise refuse("file too large", f"at most {MAX_UPLOAD_BYTES // 1024} kB")
        return text
    raise refuse("no text received")
