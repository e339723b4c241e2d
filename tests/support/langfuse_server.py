"""A tiny stand-in for a Langfuse server, speaking the endpoints the Python SDK uses, so the
real, unmodified SDK can be exercised over HTTP on 127.0.0.1:

    GET   /api/public/health
    POST  /api/public/v2/prompts                                create a prompt version
    GET   /api/public/v2/prompts/{name}?label=|version=         one version (default: production)
    PATCH /api/public/v2/prompts/{name}/versions/{version}      add labels ({"newLabels": [...]})
    POST  /api/public/scores                                    a batch of scores (JSON list)
    POST  /api/public/otel/v1/traces                            OTLP/HTTP protobuf spans (gzip or not)

Prompt semantics follow Langfuse: versions are numbered 1, 2, 3... per name; a label sits on
one version at a time (a version that takes it removes it from the others); `latest` always
names the newest version; labels are only ever added through PATCH. Requests must carry the
Basic auth of the configured keys (else 401).

Also here, for "Langfuse is down" tests: `closed_port()` (nothing listens) and `SilentServer`
(accepts connections, never answers).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

PUBLIC_KEY = "pk-lf-test"
SECRET_KEY = "sk-lf-test"


class LangfuseTestServer:
    def __init__(self, public_key: str = PUBLIC_KEY, secret_key: str = SECRET_KEY) -> None:
        self.public_key = public_key
        self.secret_key = secret_key
        self.prompts: dict[str, list[dict[str, Any]]] = {}
        self.scores: list[dict[str, Any]] = []
        self.spans: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> Self:
        owner = self

        class Handler(_Handler):
            server_state = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- prompt store -----------------------------------------------------------------------
    def _now(self) -> str:
        return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")

    def _move_labels(self, name: str, labels: list[str], onto: dict[str, Any]) -> None:
        for version in self.prompts.get(name, []):
            if version is not onto:
                version["labels"] = [label for label in version["labels"] if label not in labels]

    def create_prompt(self, body: dict[str, Any]) -> dict[str, Any]:
        name = body["name"]
        versions = self.prompts.setdefault(name, [])
        labels = [label for label in dict.fromkeys(body.get("labels") or []) if label != "latest"]
        prompt = {
            "type": body.get("type") or "text", "name": name, "version": len(versions) + 1,
            "prompt": body["prompt"], "config": body.get("config") or {}, "labels": [*labels, "latest"],
            "tags": body.get("tags") or [], "commitMessage": body.get("commitMessage"),
            "createdAt": self._now(),
        }
        versions.append(prompt)
        self._move_labels(name, [*labels, "latest"], prompt)
        return prompt

    def find_prompt(self, name: str, label: str | None, version: int | None) -> dict[str, Any] | None:
        versions = self.prompts.get(name, [])
        if version is not None:
            return next((v for v in versions if v["version"] == version), None)
        label = label or "production"
        return next((v for v in versions if label in v["labels"]), None)

    def add_labels(self, name: str, version: int, labels: list[str]) -> dict[str, Any] | None:
        prompt = self.find_prompt(name, None, version)
        if prompt is not None:
            prompt["labels"] = list(dict.fromkeys([*prompt["labels"], *labels]))
            self._move_labels(name, labels, prompt)
        return prompt


class _Handler(BaseHTTPRequestHandler):
    server_state: LangfuseTestServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing -----------------------------------------------------------------------
    def _body(self) -> bytes:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        return gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw

    def _send(self, status: int, payload: Any = None, content_type: str = "application/json") -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload if payload is not None else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        state = self.server_state
        expected = "Basic " + base64.b64encode(f"{state.public_key}:{state.secret_key}".encode()).decode()
        return self.headers.get("Authorization") == expected

    def _route(self, method: str) -> None:
        state = self.server_state
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/")]
        query = dict(urllib.parse.parse_qsl(url.query))
        body = self._body() if method in ("POST", "PATCH") else b""
        with state.lock:
            state.requests.append((method, url.path))
        if parts[:3] == ["api", "public", "health"]:
            return self._send(200, {"status": "OK", "version": "test"})
        if not self._authorised():
            return self._send(401, {"message": "Invalid credentials"})
        with state.lock:
            if parts[:4] == ["api", "public", "v2", "prompts"]:
                return self._prompts(method, parts[4:], query, body)
            if parts == ["api", "public", "scores"] and method == "POST":
                scores = json.loads(body)
                state.scores.extend(scores if isinstance(scores, list) else [scores])
                return self._send(202, {"message": "Accepted"})
            if parts == ["api", "public", "otel", "v1", "traces"] and method == "POST":
                state.spans.extend(_decode_spans(body))
                return self._send(200, b"", "application/x-protobuf")
        return self._send(404, {"message": f"no route {method} {url.path}"})

    def _prompts(self, method: str, rest: list[str], query: dict[str, str], body: bytes) -> None:
        state = self.server_state
        if method == "POST" and not rest:
            return self._send(200, state.create_prompt(json.loads(body)))
        if method == "GET" and len(rest) == 1:
            version = int(query["version"]) if "version" in query else None
            found = state.find_prompt(rest[0], query.get("label"), version)
            return self._send(200, found) if found else self._send(404, {"message": "Prompt not found"})
        if method == "PATCH" and len(rest) == 3 and rest[1] == "versions":
            labels = json.loads(body).get("newLabels") or []
            if "latest" in labels:
                return self._send(400, {"message": "Label 'latest' is always assigned to the latest prompt version"})
            found = state.add_labels(rest[0], int(rest[2]), labels)
            return self._send(200, found) if found else self._send(404, {"message": "Prompt not found"})
        return self._send(404, {"message": "no such prompt route"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def _decode_spans(body: bytes) -> list[dict[str, Any]]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append({
                    "name": span.name,
                    "trace_id": span.trace_id.hex(),
                    "attributes": {a.key: _value(a.value) for a in span.attributes},
                })
    return spans


def closed_port() -> int:
    """A local port nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentServer:
    """Accepts TCP connections (the kernel completes them) and never answers: every request to
    it hangs until the client's own timeout."""

    def __enter__(self) -> Self:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(128)
        return self

    def __exit__(self, *exc: object) -> None:
        self.socket.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"
