"""A small HTTP server that speaks the part of Ollama's REST API postgraph uses.

It lets the `ollama` providers run end to end over HTTP with the unmodified client:
`/api/embed` is answered by the local MiniLM model, `/api/tags` lists the served models.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from postgraph.tools.embeddings import OnnxMiniLMEmbeddings


class OllamaStandIn:
    def __init__(self, model: str = "minilm-test") -> None:
        self.model = model
        self.embedder = OnnxMiniLMEmbeddings()
        self.requests: list[tuple[str, dict]] = []
        self.fail_with: int | None = None
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

            def do_GET(self) -> None:
                if self.path == "/api/tags":
                    self._reply(200, {"models": [{"name": stand_in.model, "model": stand_in.model}]})
                else:
                    self._reply(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stand_in.requests.append((self.path, body))
                if stand_in.fail_with:
                    self._reply(stand_in.fail_with, {"error": "stand-in told to fail"})
                    return
                routes: dict[str, Callable[[dict], None]] = {"/api/embed": self._embed}
                route = routes.get(self.path)
                if route is None:
                    self._reply(404, {"error": f"no route {self.path}"})
                    return
                route(body)

            def _embed(self, body: dict) -> None:
                if body.get("model") != stand_in.model:
                    self._reply(404, {"error": f"model '{body.get('model')}' not found"})
                    return
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                vectors = stand_in.embedder.embed_documents(texts)
                self._reply(200, {"model": stand_in.model, "embeddings": vectors})

        return Handler
