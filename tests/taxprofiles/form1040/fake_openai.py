"""A small local stand-in for OpenAI's Chat Completions API, for testing
``taxprofiles.form1040.openai_extract`` through the real ``openai`` client.

``POST /v1/chat/completions`` (the client appends ``/chat/completions`` to ``base_url=f"{fake.url}/v1"``)
records the request's JSON body, answers 401 unless ``Authorization: Bearer <api_key>``, then plays the next
scripted reply: a ``chat.completion`` whose message content is a given string (``answer_json``,
``answer_content``), a refusal (``refuse_next``), an error status (``fail_next``), raw bytes (``answer_raw``), or
a delay before answering (``delay_next``, longer than the client's timeout = a timeout). Without a script it
answers 500, so a test that forgot to script its answer fails loudly. Error answers carry ``retry-after-ms: 1``
so the client's single retry does not wait its usual half second.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

API_KEY = "sk-test-fake-openai"
COMPLETIONS_PATH = "/v1/chat/completions"


@dataclass
class Scripted:
    """One reply: ``status`` with ``body`` (verbatim bytes), after sleeping ``delay`` seconds."""

    status: int = 200
    body: bytes = b""
    delay: float = 0.0


def completion_json(content: str | None, *, refusal: str | None = None, finish_reason: str = "stop") -> dict[str, Any]:
    """A chat.completion as the API sends it, with one choice whose message holds ``content``."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": "gpt-fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    }


def error_json(message: str) -> dict[str, Any]:
    """An error body in the API's shape."""
    return {"error": {"message": message, "type": "fake_error", "param": None, "code": None}}


class FakeOpenAI:
    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.lock = threading.Lock()
        self.scripts: list[Scripted] = []
        self.requests: list[dict[str, Any]] = []  # the JSON body of every request, in order
        self.paths: list[str] = []
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeOpenAI:
        class Handler(_Handler):
            fake = self

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(5)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # ----------------------------------------------------------------- controls

    def answer_json(self, data: object) -> None:
        """The next request gets a completion whose content is ``data`` written as JSON."""
        self.answer_content(json.dumps(data))

    def answer_content(self, content: str | None, *, finish_reason: str = "stop") -> None:
        """The next request gets a completion whose content is exactly ``content``."""
        self._script(200, completion_json(content, finish_reason=finish_reason))

    def refuse_next(self, refusal: str) -> None:
        self._script(200, completion_json(None, refusal=refusal))

    def fail_next(self, status: int, message: str = "scripted failure") -> None:
        self._script(status, error_json(message))

    def answer_raw(self, body: bytes, *, status: int = 200) -> None:
        """The next request gets ``body`` verbatim (for malformed answers)."""
        with self.lock:
            self.scripts.append(Scripted(status=status, body=body))

    def delay_next(self, seconds: float, content: str = "{}") -> None:
        """The next request is answered with ``content`` only after ``seconds``."""
        body = json.dumps(completion_json(content)).encode()
        with self.lock:
            self.scripts.append(Scripted(body=body, delay=seconds))

    def _script(self, status: int, payload: dict[str, Any]) -> None:
        with self.lock:
            self.scripts.append(Scripted(status=status, body=json.dumps(payload).encode()))

    def take_script(self) -> Scripted:
        with self.lock:
            if self.scripts:
                return self.scripts.pop(0)
        return Scripted(status=500, body=json.dumps(error_json("the fake has no scripted answer")).encode())


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
        pass

    def _send(self, status: int, payload: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if status >= 400:
                self.send_header("retry-after-ms", "1")
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode())

    def do_POST(self) -> None:
        fake = self.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != COMPLETIONS_PATH:
            self._send_json(404, error_json(f"no route {self.path}"))
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send_json(400, error_json("the body is not JSON"))
            return
        with fake.lock:
            fake.requests.append(body)
            fake.paths.append(self.path)
        if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            self._send_json(HTTPStatus.UNAUTHORIZED, error_json("Incorrect API key provided"))
            return
        script = fake.take_script()
        time.sleep(script.delay)
        self._send(script.status, script.body)


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI API on 127.0.0.1 (random port), stopped after the test."""
    fake = FakeOpenAI().start()
    try:
        yield fake
    finally:
        fake.stop()
