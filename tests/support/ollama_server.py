"""A small HTTP server that speaks the part of Ollama's REST API postgraph uses.

It lets the `ollama` providers run end to end over HTTP with the unmodified client:
`/api/embed` is answered by the local MiniLM model, `/api/tags` lists the served models, and
`/api/chat` and `/api/generate` are answered by a real llama.cpp model when the stand-in is
built with one (`chat_model=LlamaCppChatModel(...)`, served under the tag `chat_tag`).

Like Ollama, chat and generate answers are NDJSON lines (several `"done": false` lines, then a
final `"done": true` line with `done_reason`, `prompt_eval_count` and `eval_count`) unless the
request says `"stream": false`. `format` (a JSON schema, or "json") switches on constrained
decoding; `options` gives temperature, num_predict, stop, seed.

Failure modes for tests: `fail_with = <HTTP status>` answers every POST with that error;
`garbage = True` answers every request that asks for a `format` with text that is not JSON.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from postgraph.search.embeddings import OnnxMiniLMEmbeddings

GARBAGE = "Sure! Here is what you asked for: a great angle, and three key points. Hope it helps"
DEFAULT_NUM_PREDICT = 128


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _pieces(text: str) -> list[str]:
    """The answer cut into word-sized pieces, as a streaming server sends it."""
    return re.findall(r"\s*\S+\s*", text) or ([text] if text else [])


def _messages(raw: list[dict[str, Any]]) -> list[BaseMessage]:
    kinds = {"system": SystemMessage, "assistant": AIMessage}
    return [kinds.get(m.get("role", "user"), HumanMessage)(m.get("content") or "") for m in raw]


def _schema(format_: Any) -> dict[str, Any] | None:
    if isinstance(format_, dict):
        return format_
    if format_ == "json":
        return {"type": "object"}
    return None


class OllamaStandIn:
    def __init__(
        self,
        model: str = "minilm-test",
        *,
        chat_model: Any = None,
        chat_tag: str = "gemma3:270m",
    ) -> None:
        self.model = model
        self.embedder = OnnxMiniLMEmbeddings()
        self.chat_model = chat_model
        self.chat_tag = chat_tag
        self.requests: list[tuple[str, dict]] = []
        self.fail_with: int | None = None
        self.garbage = False
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> OllamaStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def bodies(self, path: str) -> list[dict]:
        """The request bodies received on `path`, in order."""
        return [body for seen, body in self.requests if seen == path]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, lines: list[dict]) -> None:
                """NDJSON without a length: the body ends when the connection closes (HTTP/1.0)."""
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                for line in lines:
                    self.wfile.write(json.dumps(line).encode() + b"\n")
                    self.wfile.flush()

            def do_GET(self) -> None:
                if self.path == "/api/tags":
                    names = [stand_in.model] + ([stand_in.chat_tag] if stand_in.chat_model else [])
                    self._reply(200, {"models": [{"name": n, "model": n} for n in names]})
                else:
                    self._reply(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stand_in.requests.append((self.path, body))
                if stand_in.fail_with:
                    self._reply(stand_in.fail_with, {"error": "stand-in told to fail"})
                    return
                routes: dict[str, Callable[[dict], None]] = {
                    "/api/embed": self._embed,
                    "/api/chat": self._chat,
                    "/api/generate": self._generate,
                }
                route = routes.get(self.path)
                if route is None:
                    self._reply(404, {"error": f"no route {self.path}"})
                    return
                try:
                    route(body)
                except Exception as error:  # noqa: BLE001 - a server answers errors, it does not die
                    self._reply(500, {"error": f"{type(error).__name__}: {error}"})

            def _embed(self, body: dict) -> None:
                if body.get("model") != stand_in.model:
                    self._reply(404, {"error": f"model '{body.get('model')}' not found"})
                    return
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                vectors = stand_in.embedder.embed_documents(texts)
                self._reply(200, {"model": stand_in.model, "embeddings": vectors})

            # --- generation ------------------------------------------------------------

            def _served(self, body: dict) -> bool:
                if stand_in.chat_model is None or body.get("model") != stand_in.chat_tag:
                    self._reply(404, {"error": f"model '{body.get('model')}' not found"})
                    return False
                return True

            @staticmethod
            def _params(body: dict) -> dict[str, Any]:
                options = body.get("options") or {}
                num_predict = options.get("num_predict")
                params: dict[str, Any] = {
                    "temperature": options.get("temperature", 0.8),
                    "max_tokens": DEFAULT_NUM_PREDICT if num_predict in (None, -1, -2) else num_predict,
                }
                for ours, theirs in (("stop", "stop"), ("seed", "seed"), ("top_p", "top_p"),
                                     ("top_k", "top_k"), ("repeat_penalty", "repeat_penalty")):
                    if options.get(theirs) is not None:
                        params[ours] = options[theirs]
                return params

            def _answer(self, body: dict, key: str, text: str, done_reason: str,
                        prompt_tokens: int, output_tokens: int, started: float) -> None:
                def line(**extra: Any) -> dict:
                    return {"model": body["model"], "created_at": _now(), **extra}

                elapsed = int((time.perf_counter() - started) * 1e9)
                final = line(
                    done=True, done_reason=done_reason, total_duration=elapsed, load_duration=0,
                    prompt_eval_count=prompt_tokens, prompt_eval_duration=0,
                    eval_count=output_tokens, eval_duration=elapsed,
                )
                empty = {"role": "assistant", "content": ""} if key == "message" else ""
                if body.get("stream", True) is False:
                    whole = {"role": "assistant", "content": text} if key == "message" else text
                    self._reply(200, {**final, key: whole})
                    return
                lines = [
                    line(**{key: {"role": "assistant", "content": piece} if key == "message" else piece},
                         done=False)
                    for piece in _pieces(text)
                ]
                self._stream([*lines, {**final, key: empty}])

            def _chat(self, body: dict) -> None:
                if not self._served(body):
                    return
                started = time.perf_counter()
                messages = _messages(body.get("messages") or [])
                schema = _schema(body.get("format"))
                if schema is not None and stand_in.garbage:
                    self._answer(body, "message", GARBAGE, "stop", 1, len(GARBAGE.split()), started)
                    return
                params = self._params(body)
                if schema is not None:
                    params["response_format"] = {"type": "json_object", "schema": schema}
                answer = stand_in.chat_model.invoke(messages, **params)
                counts = answer.usage_metadata or {}
                self._answer(
                    body, "message", answer.text,
                    answer.response_metadata.get("finish_reason") or "stop",
                    counts.get("input_tokens", 0), counts.get("output_tokens", 0), started,
                )

            def _generate(self, body: dict) -> None:
                if not self._served(body):
                    return
                started = time.perf_counter()
                schema = _schema(body.get("format"))
                if schema is not None and stand_in.garbage:
                    self._answer(body, "response", GARBAGE, "stop", 1, len(GARBAGE.split()), started)
                    return
                prompt = body.get("prompt") or ""
                if body.get("system"):
                    prompt = f"{body['system']}\n\n{prompt}"
                params = self._params(body)
                completion = stand_in.chat_model.complete(
                    prompt, max_tokens=params.pop("max_tokens"), stop=params.pop("stop", None),
                    temperature=params.pop("temperature"), schema=schema, **params,
                )
                self._answer(
                    body, "response", completion.text, completion.finish_reason or "stop",
                    completion.usage["input_tokens"], completion.usage["output_tokens"], started,
                )

        return Handler
