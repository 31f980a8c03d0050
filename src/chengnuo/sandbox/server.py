"""The sandbox credit sharing platform "信用阜阳" (R-5.2, R-9.2): the HTTP contract the
credit push and pull connectors speak, with in-memory storage and synthetic data.

Requests are signed: ``X-App-Key``, ``X-Timestamp`` (unix seconds), ``X-Signature`` = hex
HMAC-SM3 (key: the shared secret) over ``"{timestamp}\\n{idempotency_key}\\n" + body`` where
the idempotency key and body are empty for GET requests.

    POST /api/credit/records                                  push a record (Idempotency-Key)
    POST /api/supervision/results                             the 互联网+监管 platform: an
         inspection result (Idempotency-Key; stored once per key)
    GET  /api/supervision/results                             what was received (for tests)
    POST /api/12345/replies                                   the 12345 hotline platform: the
         answer to a work order (回单; Idempotency-Key; stored once per key)
    GET  /api/12345/replies                                   what was received (for tests)
    GET  /api/credit/records                                  what was received (for tests)
    GET  /api/credit/subjects/<id_type>/<id_number>/records   a subject's dishonesty records
    GET  /api/share/<source>/<id_type>/<id_number>            the data-sharing platform (R-4.5):
         {"found": true, "source": …, "record": {…}}, or 404 {"found": false}; sources:
         household, marriage, social_insurance, education, criminal_record, business_licence,
         real_estate (synthetic records in `share_data`)
    GET  /healthz

The sandbox also plays the 12345 platform's side that sends: `hotline.send_order` posts a
signed work order to the platform's `/api/v1/complaints/hotline`.

Fault injection for tests and drills: `server.results_down` / `server.replies_down` (the next
N result pushes / replies answered 503), `server.down_sources` (source codes answering 503) and
`server.slow_sources` (source code -> seconds to wait before answering, to simulate a hang);
`server.share_hits` counts the share requests per (source, id_number).
"""

from __future__ import annotations

import hmac as std_hmac
import json
import logging
import os
import re
import threading
import time
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from chengnuo.core import signing

from . import data, share_data

logger = logging.getLogger("chengnuo.sandbox")

DEFAULT_APP_KEY = "chengnuo-demo"
DEFAULT_SECRET = "sandbox-secret"
MAX_BODY = 1_000_000
MAX_CLOCK_SKEW_SECONDS = 300
SUBJECT_RECORDS = re.compile(r"\A/api/credit/subjects/([a-z_]{1,30})/([^/]{1,64})/records/?\Z")
# POST route -> (store attribute, receipt prefix, outage counter attribute or "")
STORES = {
    "/api/credit/records": ("records", "XYFY-R", ""),
    "/api/supervision/results": ("results", "HLWJG", "results_down"),
    "/api/12345/replies": ("replies", "12345-HD", "replies_down"),
}
SHARE_RECORD = re.compile(r"\A/api/share/([a-z_]{1,30})/([a-z_]{1,30})/([^/]{1,64})/?\Z")


class SandboxServer(ThreadingHTTPServer):
    """Threaded HTTP server holding the received pushes in memory."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        port: int = 0,
        *,
        app_key: str | None = None,
        secret: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.app_key = app_key or os.environ.get("CHENGNUO_SANDBOX_APP_KEY") or DEFAULT_APP_KEY
        self.secret = secret or os.environ.get("CHENGNUO_SANDBOX_SECRET") or DEFAULT_SECRET
        self.records: dict[str, dict[str, Any]] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, dict[str, Any]] = {}
        # fault injection: answer the next N result pushes / hotline replies with 503 (an
        # outage of that platform)
        self.results_down = 0
        self.replies_down = 0
        self.lock = threading.Lock()
        # fault injection (tests): sources answering 503, sources answering only after a delay
        self.down_sources: set[str] = set()
        self.slow_sources: dict[str, float] = {}
        self.share_hits: dict[tuple[str, str], int] = {}
        self._thread: threading.Thread | None = None
        super().__init__((host, port), SandboxHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout drills) is not an error worth a traceback."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.info("client %s went away", client_address)
            return
        super().handle_error(request, client_address)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def received(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.records.values())

    def start_in_thread(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (a new server may bind it again)."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()


def start(port: int = 0, **kwargs: Any) -> SandboxServer:
    """A sandbox serving in a daemon thread on 127.0.0.1 (port 0: a free one)."""
    return SandboxServer(port, **kwargs).start_in_thread()


class SandboxHandler(BaseHTTPRequestHandler):
    server: SandboxServer
    server_version = "chengnuo-sandbox/1"
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without TCP_NODELAY a keep-alive client
    # waits ~40 ms per response on Nagle + delayed ACK
    disable_nagle_algorithm = True

    # --- plumbing ----------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)

    def _json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"code": code, "message": message})

    def _read_body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "bad_length", "请求体长度无效")
            return None
        return self.rfile.read(length) if length else b""

    def _authentic(self, idempotency_key: str, body: bytes) -> bool:
        """Checks app key, timestamp window and signature; answers 401 itself when wrong."""
        app_key = self.headers.get("X-App-Key", "")
        timestamp = self.headers.get("X-Timestamp", "")
        given = self.headers.get("X-Signature", "")
        try:
            fresh = abs(time.time() - int(timestamp)) <= MAX_CLOCK_SKEW_SECONDS
        except ValueError:
            fresh = False
        if (
            std_hmac.compare_digest(app_key.encode(), self.server.app_key.encode())
            and fresh
            and signing.verify(self.server.secret, timestamp, idempotency_key, body, given)
        ):
            return True
        self._error(HTTPStatus.UNAUTHORIZED, "bad_signature", "应用标识、时间戳或签名无效")
        return False

    # --- routes --------------------------------------------------------------------------------

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/healthz":
            self._json(HTTPStatus.OK, {"status": "ok", "platform": "信用阜阳（沙箱）"})
        elif path.rstrip("/") == "/api/supervision/results":
            with self.server.lock:
                results = list(self.server.results.values())
            self._json(HTTPStatus.OK, {"count": len(results), "results": results})
        elif path.rstrip("/") == "/api/12345/replies":
            with self.server.lock:
                replies = list(self.server.replies.values())
            self._json(HTTPStatus.OK, {"count": len(replies), "replies": replies})
        elif path.rstrip("/") == "/api/credit/records":
            records = self.server.received()
            self._json(HTTPStatus.OK, {"count": len(records), "records": records})
        elif match := SUBJECT_RECORDS.match(path):
            if not self._authentic("", b""):
                return
            id_type, id_number = match.group(1), unquote(match.group(2))
            records = data.records_of(id_type, id_number)
            self._json(HTTPStatus.OK, {"count": len(records), "records": records})
        elif match := SHARE_RECORD.match(path):
            self._share(match.group(1), match.group(2), unquote(match.group(3)))
        else:
            self._error(HTTPStatus.NOT_FOUND, "not_found", "接口不存在")

    def _share(self, source: str, id_type: str, id_number: str) -> None:
        """One record of the data-sharing platform (R-4.5)."""
        if source not in share_data.SOURCES:
            self._error(HTTPStatus.NOT_FOUND, "unknown_source", "数据源不存在")
            return
        if not self._authentic("", b""):
            return
        with self.server.lock:
            key = (source, id_number)
            self.server.share_hits[key] = self.server.share_hits.get(key, 0) + 1
        delay = self.server.slow_sources.get(source)
        if delay:
            time.sleep(delay)
        if source in self.server.down_sources:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "unavailable", "数据源暂时不可用")
            return
        record = share_data.record_of(source, id_type, id_number)
        if record is None:
            self._json(HTTPStatus.NOT_FOUND, {"found": False, "source": source})
            return
        self._json(HTTPStatus.OK, {"found": True, "source": source, "record": record})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if body is None:
            return
        route = path.rstrip("/")
        if route not in STORES:
            self._error(HTTPStatus.NOT_FOUND, "not_found", "接口不存在")
            return
        store_name, prefix, outage = STORES[route]
        key = self.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 128:
            self._error(HTTPStatus.BAD_REQUEST, "missing_idempotency_key", "缺少Idempotency-Key")
            return
        if not self._authentic(key, body):
            return
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._error(HTTPStatus.BAD_REQUEST, "bad_json", "请求体不是有效的JSON")
            return
        if not isinstance(payload, dict):
            self._error(HTTPStatus.BAD_REQUEST, "bad_json", "请求体应为JSON对象")
            return
        if outage:
            with self.server.lock:
                down = getattr(self.server, outage) > 0
                if down:
                    setattr(self.server, outage, getattr(self.server, outage) - 1)
            if down:
                self._error(HTTPStatus.SERVICE_UNAVAILABLE, "unavailable", "平台暂时不可用")
                return
        store = getattr(self.server, store_name)
        with self.server.lock:
            if key in store:
                receipt = store[key]["receipt"]
                duplicate = True
            else:
                receipt = f"{prefix}-{len(store) + 1:06d}"
                store[key] = {
                    "idempotency_key": key,
                    "receipt": receipt,
                    "received_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "body": payload,
                }
                duplicate = False
        if duplicate:
            self._json(HTTPStatus.OK, {"duplicate": True, "receipt": receipt})
        else:
            self._json(HTTPStatus.CREATED, {"duplicate": False, "receipt": receipt})


def serve(port: int, *, host: str = "127.0.0.1") -> None:
    """Serve in the foreground until interrupted (the CLI entry point)."""
    server = SandboxServer(port, host=host)
    print(
        f"信用阜阳 sandbox on {server.base_url} (app key {server.app_key!r}); Ctrl-C to stop",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
