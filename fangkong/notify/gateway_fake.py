"""A fake SMS gateway on 127.0.0.1 for tests and the benchmark: checks the signature, dedupes on the message id.

    with FakeGateway(secret="s") as gateway:   # gateway.url to put in NOTIFY_SMS_URL
        gateway.reject("13800000000")          # this number is invalid
        gateway.script("13900000000", [503, "failed", "delivered"])   # answers, one per request
        ...
        gateway.delivered                      # [(id, to, text)], each id once however often it was posted

GET <url>/stats answers {"requests", "delivered", "unique_delivered", "bad_signatures"}, for a gateway run in
another process (the benchmark).
"""

import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGateway:
    def __init__(self, *, secret: str, latency: float = 0):
        self.secret = secret
        # Seconds each answer waits, outside the lock: a remote gateway's round trip (the benchmark).
        self.latency = latency
        self.requests = 0
        self.bad_signatures = 0
        self.delivered: list[tuple[int, str, str]] = []
        self.timestamps: list[str] = []
        self._outcome_of_id: dict[int, str] = {}
        self._rejected: set[str] = set()
        self._scripts: dict[str, list] = defaultdict(list)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/send"

    def reject(self, phone: str) -> None:
        self._rejected.add(phone)

    def script(self, phone: str, answers: list) -> None:
        """Answers for the next requests to `phone`: an int is an HTTP status, a str a reply status."""
        self._scripts[phone].extend(answers)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def answer(self, body: bytes, signature: str) -> tuple[int, dict]:
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        with self._lock:
            self.requests += 1
            if not hmac.compare_digest(expected, signature or ""):
                self.bad_signatures += 1
                return 400, {"error": "bad signature"}
            payload = json.loads(body)
            message_id, phone = payload["id"], payload["to"]
            if message_id in self._outcome_of_id:
                # A repeated id (a retry after a crash): the first outcome again, never a second text.
                return 200, {"status": self._outcome_of_id[message_id], "duplicate": True}
            scripted = self._scripts[phone].pop(0) if self._scripts.get(phone) else None
            if isinstance(scripted, int):
                return scripted, {"error": "scripted"}
            status = scripted or ("rejected" if phone in self._rejected else "delivered")
            if status in ("delivered", "accepted", "rejected"):
                self._outcome_of_id[message_id] = status
            if status in ("delivered", "accepted"):
                self.delivered.append((message_id, phone, payload["text"]))
            return 200, {"status": status}

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per answer, sent at once: no 40 ms wait on a delayed ACK between headers and body.
            wbufsize = -1
            disable_nagle_algorithm = True

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.timestamps.append(self.headers.get("X-Fangkong-Timestamp", ""))
                if gateway.latency:
                    time.sleep(gateway.latency)
                code, reply = gateway.answer(body, self.headers.get("X-Fangkong-Signature", ""))
                data = json.dumps(reply).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                with gateway._lock:
                    stats = {"requests": gateway.requests, "delivered": len(gateway.delivered),
                             "unique_delivered": len({d[0] for d in gateway.delivered}),
                             "bad_signatures": gateway.bad_signatures}
                data = json.dumps(stats).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
