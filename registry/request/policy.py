"""The unit's `routing` as a retry policy an app runs, instead of re-typing it per service:

    policy = unit.retry_policy()
    client = OpenAI(**policy.client_options())          # timeout_s; the SDK's own retries off
    send = lambda model: client.chat.completions.create(**unit.request(inputs, model=model))
    reply = policy.run(send)

`run` tries the unit's model up to `attempts` times, waiting `delays` between tries (or longer,
when the server's `Retry-After` says so), then each fallback model the same way. Only what
retrying can fix is retried: 408, 409, 429, any 5xx, a connection error or a timeout; any
other error is raised at once. A `Retry-After` longer than `max_delay_s` is not waited out:
the next model is tried instead. SDK-agnostic: it reads `status_code` and the response headers
of the exception, as the openai and anthropic SDKs raise them.
"""

from __future__ import annotations

import dataclasses
import email.utils
import math
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

T = TypeVar("T")
RETRYABLE_STATUS = frozenset({408, 409, 429})
TRANSIENT = ("APIConnectionError", "APITimeoutError", "ConnectError", "ReadTimeout")


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries per model; `delays[k]` seconds before try k+2; `timeout_s` per
    request (None: the SDK's default); `fallback` model ids, in order."""

    model: str | None
    attempts: int
    delays: tuple[float, ...]
    timeout_s: float | None
    fallback: tuple[str, ...]
    max_delay_s: float | None = None

    @classmethod
    def from_routing(cls, model: str | None, routing: Mapping[str, Any]) -> RetryPolicy:
        retries = routing.get("retries") or {}
        attempts = max(1, int(retries.get("max_attempts") or 1))
        backoff = retries.get("backoff") or "exponential"
        base = float(retries.get("base_delay_s", 1.0))
        cap = retries.get("max_delay_s")
        delays = []
        for k in range(1, attempts):
            delay = {
                "none": 0.0,
                "constant": base,
                "linear": base * k,
                "exponential": base * 2 ** (k - 1),
            }[backoff]
            delays.append(min(delay, float(cap)) if cap is not None else delay)
        timeout = routing.get("timeout_s")
        return cls(
            model,
            attempts,
            tuple(delays),
            float(timeout) if timeout is not None else None,
            tuple(routing.get("fallback") or ()),
            float(cap) if cap is not None else None,
        )

    @property
    def models(self) -> tuple[str, ...]:
        """The unit's model, then its fallbacks."""
        return ((self.model,) if self.model else ()) + self.fallback

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for `OpenAI(...)` / `Anthropic(...)`: the timeout, and the SDK's
        own retries off (this policy retries; both would multiply the attempts)."""
        out: dict[str, Any] = {"max_retries": 0}
        if self.timeout_s is not None:
            out["timeout"] = self.timeout_s
        return out

    def run(
        self,
        send: Callable[[str], T],
        sleep: Callable[[float], None] = time.sleep,
    ) -> T:
        """`send(model_id)` under this policy; the last error when every try failed."""
        if not self.models:
            raise ValueError("the unit has no model to send to")
        last: BaseException | None = None
        for model in self.models:
            for attempt in range(self.attempts):
                try:
                    return send(model)
                except Exception as exc:
                    if not retryable(exc):
                        raise
                    last = exc
                    if attempt + 1 == self.attempts:
                        break
                    wait = self.delays[attempt]
                    told = retry_after(exc)
                    if told is not None:
                        if self.max_delay_s is not None and told > self.max_delay_s:
                            break  # not worth waiting for: the next model
                        wait = max(wait, told)
                    sleep(wait)
        assert last is not None
        raise last


def retryable(exc: BaseException) -> bool:
    """A failure another try may not meet: throttling, a server error, the network."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status in RETRYABLE_STATUS or status >= 500
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    return any(cls.__name__ in TRANSIENT for cls in type(exc).__mro__)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked to wait (`retry-after-ms`, or `Retry-After` in seconds or as
    an HTTP date), when it did."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    millis = _seconds(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _seconds(value: Any) -> float | None:
    try:
        found = float(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, found) if math.isfinite(found) else None
