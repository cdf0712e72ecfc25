"""A local HTTP server on 127.0.0.1 that speaks the wire formats of OpenAI's Chat Completions
and Responses and Anthropic's Messages, for the real SDK clients to talk to. It records every
request (path, headers, JSON body) and answers as the providers do, including the refusals a
request built by hand runs into:

- Chat Completions refuses `max_tokens` for the reasoning models (gpt-5*, o1/o3/o4), as
  OpenAI's API does ("use max_completion_tokens instead");
- Messages refuses `temperature` together with `top_p`, and a request without `max_tokens`;
- any endpoint refuses an unknown top-level field, so a body the SDKs would not send fails.

`script` queues answers to give first (a 429 with `Retry-After`, a 500...). `rule` answers
each request by what the test decides (a text, a tool call, a refusal: an `Answer`), as a
model would; `delay_s` holds every answer that long (a model's latency)."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
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
class Answer:
    """What the "model" says: text, or a tool call (arguments as the JSON text it writes),
    or a refusal; `tokens_out` as the usage reports it."""

    text: str = ""
    tool: tuple[str, str] | None = None
    refusal: bool = False
    tokens_out: int = 5


Rule = Callable[[str, dict[str, Any]], "str | Answer"]


def prompt_text(body: dict[str, Any]) -> str:
    """Every text the request carries (system, instructions, messages, input), joined: what
    a rule reads to decide its answer."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for k in ("content", "text", "system", "instructions", "input", "messages"):
                if k in value:
                    walk(value[k])

    walk({k: body.get(k) for k in ("system", "instructions", "input", "messages")})
    return "\n".join(parts)


@dataclasses.dataclass
class FakeAPI:
    url: str
    requests: list[Recorded] = dataclasses.field(default_factory=list)
    script: list[tuple[int, dict[str, str], dict[str, Any]]] = dataclasses.field(
        default_factory=list
    )
    reply: str = '{"answer": "Hold the button for 10 s.", "needs_human": false}'
    rule: Rule | None = None
    delay_s: float = 0.0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

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
    with api.lock:
        scripted = api.script.pop(0) if api.script else None
    if scripted is not None:
        return scripted
    model = str(body.get("model"))
    said = api.rule(path, body) if api.rule is not None else api.reply
    answer = said if isinstance(said, Answer) else Answer(said)
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
        message: dict[str, Any] = {"role": "assistant", "content": answer.text, "refusal": None}
        finish = "stop"
        if answer.refusal:
            message.update(content=None, refusal=answer.text)
        if answer.tool is not None:
            call = {"name": answer.tool[0], "arguments": answer.tool[1]}
            message.update(content=None, tool_calls=[
                {"id": "call_1", "type": "function", "function": call}
            ])  # fmt: skip
            finish = "tool_calls"
        out = answer.tokens_out
        return 200, {}, {
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": out, "total_tokens": 10 + out},
        }  # fmt: skip
    if path == "/v1/responses":
        unknown = set(body) - RESPONSES_FIELDS
        if unknown:
            return _error(400, f"Unknown parameter: '{sorted(unknown)[0]}'.")
        part: dict[str, Any] = {"type": "output_text", "text": answer.text, "annotations": []}
        if answer.refusal:
            part = {"type": "refusal", "refusal": answer.text}
        item: dict[str, Any] = {
            "type": "message",
            "id": "msg_1",
            "status": "completed",
            "role": "assistant",
            "content": [part],
        }
        if answer.tool is not None:
            item = {
                "type": "function_call", "id": "fc_1", "call_id": "call_1", "status": "completed",
                "name": answer.tool[0], "arguments": answer.tool[1],
            }  # fmt: skip
        return 200, {}, {
            "id": "resp_1", "object": "response", "created_at": 0, "model": model,
            "status": "completed", "output": [item], "parallel_tool_calls": True,
            "tool_choice": "auto", "tools": [], "error": None, "incomplete_details": None,
            "instructions": None, "metadata": {}, "temperature": None, "top_p": None,
            "usage": {"input_tokens": 10, "output_tokens": answer.tokens_out,
                      "total_tokens": 10 + answer.tokens_out,
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
        blocks: list[dict[str, Any]] = [{"type": "text", "text": answer.text}]
        stop = "refusal" if answer.refusal else "end_turn"
        if answer.tool is not None:
            args = json.loads(answer.tool[1])
            blocks = [{"type": "tool_use", "id": "toolu_1", "name": answer.tool[0], "input": args}]
            stop = "tool_use"
        return 200, {}, {
            "id": "msg_1", "type": "message", "role": "assistant", "model": model,
            "content": blocks, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": answer.tokens_out},
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
            with api.lock:
                api.requests.append(
                    Recorded(path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            if api.delay_s:
                time.sleep(api.delay_s)
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

    Handler.protocol_version = "HTTP/1.1"  # keep-alive, as the providers' APIs
    # headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds
    # the body until the client's delayed ACK (40 ms on Linux) on a kept-alive connection
    Handler.disable_nagle_algorithm = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["api"] = FakeAPI(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state["api"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
