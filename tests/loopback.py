"""A scripted HTTP server on 127.0.0.1 for the collectors' tests: nothing leaves the machine.

``Loopback(respond)`` answers each GET with ``respond(request)``, an :class:`Answer`; the
requests it saw are kept in order (``path`` and the headers). It is a context manager, and
``close()`` stops it where a fixture holds several.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Answer:
    """One scripted answer: its status, body and headers, sent after `delay` seconds, the body
    at once or, with `drip`, a byte every `drip` seconds (a slow server)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0


class Loopback:
    """A server on a free port of 127.0.0.1; ``url`` is its address with `path` appended."""

    def __init__(self, respond: Callable[[dict], Answer], path: str = ""):
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                request = {"path": self.path, **dict(self.headers)}
                server.requests.append(request)
                answer = respond(request)
                time.sleep(answer.delay)
                self.send_response(answer.status)
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                step = 1 if answer.drip else max(1, len(answer.body))
                try:
                    for i in range(0, len(answer.body), step):
                        self.wfile.write(answer.body[i : i + step])
                        self.wfile.flush()
                        time.sleep(answer.drip)
                except OSError:
                    pass  # the client gave up first (a timeout under test): nothing to say

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Loopback:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
