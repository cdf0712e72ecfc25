"""A local HTTP server on 127.0.0.1 that speaks the wire formats of OpenAI's Chat Completions
and Responses and Anthropic's Messages, for the real SDK clients to talk to. It records every
request (path, headers, JSON body) and answers as the providers do, including the refusals a
request built by hand runs into:

- Chat Completions refuses `max_tokens` for the reasoning models (gpt-5*, o1/o3/o4), as
  OpenAI's API does ("use max_completion_tokens instead");
- Messages refuses `temperature` together with `top_p`, and a request without `max_tokens`;
- any endpoint refuses an unknown top-level field, so a body the SDKs would not send fails.

`script` queues answers to give first (a 429 with `Retry-After`, a 500...)."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REASONING = re.compile(r"^(gpt-5|o1|o3|o4)")
CHAT_FIELDS = {
    "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens",
    "frequency_penalty", "presence_penalty", "seed", "stop", "reasoning_effort",
    "parallel_tool_calls", "tools", "tool_choice", "response_format", "stream", "n", "user",
}  # fmt: skip
RESPONSES_FIELDS = {
    "model", "input", "instructions", "temperature", "top_p", "max_output_tokens", "reasoning",
    "parallel_tool_calls", "tools", "tool_choice", "text", "stream", "store", "user",
}  # fmt: skip
MESSAGES_FIELDS = {
    "model", "messages", "system", "max_tokens", "temperature", "top_p", "top_k",
    "stop_sequences", "tools", "tool_choice", "output_config", "stream", "metadata", "thinking",
}  # fmt: skip


@dataclasses.dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclasses.dataclass
class FakeAPI:
    url: str
    requests: list[Recorded] = dataclasses.field(default_factory=list)
    script: list[tuple[int, dict[str, str], dict[str, Any]]] = dataclasses.field(
        default_factory=list
    )
    reply: str = '{"answer": "Hold the button for 10 s.", "needs_human": false}'

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests]


def _error(
    status: int, message: str, kind: str = "invalid_request_error"
) -> tuple[int, dict[str, str], dict[str, Any]]:
    return status, {}, {"error": {"message": message, "type": kind}}


def _answer(
    api: FakeAPI, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, str], dict[str, Any]]:
    if api.script:
        return api.script.pop(0)
    model = str(body.get("model"))
    if path == "/v1/chat/completions":
        unknown = set(body) - CHAT_FIELDS
        if unknown:
            return _error(400, f"Unrecognized request argument supplied: {sorted(unknown)[0]}")
        if "max_tokens" in body and REASONING.match(model):
            return _error(
                400,
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
            )
        message = {"role": "assistant", "content": api.reply, "refusal": None}
        return 200, {}, {
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }  # fmt: skip
    if path == "/v1/responses":
        unknown = set(body) - RESPONSES_FIELDS
        if unknown:
            return _error(400, f"Unknown parameter: '{sorted(unknown)[0]}'.")
        text = {"type": "output_text", "text": api.reply, "annotations": []}
        item = {
            "type": "message",
            "id": "msg_1",
            "status": "completed",
            "role": "assistant",
            "content": [text],
        }
        return 200, {}, {
            "id": "resp_1", "object": "response", "created_at": 0, "model": model,
            "status": "completed", "output": [item], "parallel_tool_calls": True,
            "tool_choice": "auto", "tools": [], "error": None, "incomplete_details": None,
            "instructions": None, "metadata": {}, "temperature": None, "top_p": None,
            "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15,
                      "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}},
        }  # fmt: skip
    if path == "/v1/messages":
        unknown = set(body) - MESSAGES_FIELDS
        if unknown:
            return _error(400, f"{sorted(unknown)[0]}: Extra inputs are not permitted")
        if "max_tokens" not in body:
            return _error(400, "max_tokens: Field required")
        if "temperature" in body and "top_p" in body:
            return _error(400, "`temperature` and `top_p` cannot both be specified for this model.")
        return 200, {}, {
            "id": "msg_1", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": api.reply}], "stop_reason": "end_turn",
            "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 5},
        }  # fmt: skip
    return _error(404, f"no such endpoint {path}", "not_found_error")


@contextmanager
def serve() -> Iterator[FakeAPI]:
    """A FakeAPI listening on 127.0.0.1 (an ephemeral port) while the block runs."""
    state: dict[str, FakeAPI] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            api = state["api"]
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            path = self.path.split("?", 1)[0]
            api.requests.append(
                Recorded(path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            status, headers, payload = _answer(api, path, body)
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["api"] = FakeAPI(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["api"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
