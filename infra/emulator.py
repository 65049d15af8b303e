"""Start and stop the embedded MiniStack emulator, on 127.0.0.1 only.

MiniStack runs from its own virtualenv (it pins botocore). Its Lambda workers are
child processes, so the emulator gets its own process group and `stop()` ends the
whole group: nothing it started outlives it. Each worker unpacks its function and
layers (~35 MB) into a temporary directory it leaves behind when it is killed, so the
emulator gets a TMPDIR of its own, which `stop()` removes.

HTTPS by default, with the certificate of infra/local_tls.py (`tls=False`: plain HTTP).
Each emulator has a state dir of its own (MiniStack keeps its signing keys there, and,
with `persist=True`, every service's state, saved on a clean stop, reloaded on start).

Over HTTPS an emulator comes with a `JwksRelay`: MiniStack's API Gateway fetches a user
pool's keys from its own port with a plain-HTTP URL, which its TLS-only port cannot
answer, so every token would be refused (docs/emulator.md).
"""
from __future__ import annotations

import http.server
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from infra.local_tls import TLS_DIR, local_tls

ROOT = Path(__file__).resolve().parent.parent
EMULATOR_BIN = ROOT / ".venv-emulator" / "bin" / "ministack"
HOST = "127.0.0.1"
# Host variables a worker may inherit: everything else stays out, so a developer's
# AWS profile or a test's settings never leak into the functions.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")


class EmulatorError(RuntimeError):
    pass


class PortInUse(EmulatorError):
    def __init__(self, port: int) -> None:
        super().__init__(
            f"Port {port} on {HOST} is already in use. Stop whatever listens there "
            f"(`ss -ltnp 'sport = :{port}'` shows it) or pick another port: make run PORT=4570"
        )


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As a server binds: the connections of an emulator just stopped (TIME_WAIT) do
        # not keep the next one, on the same port, from starting.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _without_port_443(command: list[str]) -> list[str]:
    """MiniStack with USE_SSL also binds 443 when the process may (as root): one emulator
    would hold it and the next would race for it. Run as root, it starts without the
    capability to bind ports below 1024 (`setpriv`), so it serves on its own port only."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--bounding-set=-net_bind_service", "--inh-caps=-net_bind_service", *command]


# The one thing the relay fetches: a user pool's public keys (MiniStack's Cognito path).
_JWKS_PATH = re.compile(r"^/[\w-]+/\.well-known/jwks\.json$")


class JwksRelay:
    """A loopback HTTP proxy, for the HTTPS emulator, that serves one kind of request.

    MiniStack 1.5.33's API Gateway checks a Cognito token against the pool's keys, which
    it fetches from `http://{MINISTACK_HOST}:{GATEWAY_PORT}/{poolId}/.well-known/jwks.json`:
    plain HTTP, to its own port, which under USE_SSL speaks only TLS. The emulator is
    started with `http_proxy` naming this relay, so urllib sends that fetch here; the
    relay makes it again over HTTPS, verified with our CA, and answers with the keys.
    Anything else is refused: the emulator makes no other plain-HTTP call we rely on.
    """

    def __init__(self, port: int, ca_bundle: Path) -> None:
        self._target = f"{HOST}:{port}"
        self._context = ssl.create_default_context(cafile=str(ca_bundle))
        self._server: http.server.ThreadingHTTPServer | None = None

    def start(self) -> str:
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                # A proxy request names the whole URL: http://127.0.0.1:PORT/{pool}/...
                url = urlsplit(self.path)
                if url.netloc != relay._target or not _JWKS_PATH.match(url.path):
                    self.send_error(403, "only the emulator's user-pool keys are relayed")
                    return
                try:
                    with urllib.request.urlopen(f"https://{relay._target}{url.path}", timeout=5,
                                                context=relay._context) as answer:
                        status, body = answer.status, answer.read()
                except urllib.error.HTTPError as error:
                    status, body = error.code, error.read()
                except (urllib.error.URLError, OSError):
                    self.send_error(502, "the emulator did not answer")
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the emulator's own log has the request

        self._server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="jwks-relay", daemon=True).start()
        return f"http://{HOST}:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class Emulator:
    def __init__(self, port: int, log_path: Path, state_dir: Path, *, persist: bool = False,
                 tls: bool = True, tls_dir: Path = TLS_DIR) -> None:
        self.port = port
        self.tls = local_tls(tls_dir) if tls else None
        self.endpoint = f"{'https' if tls else 'http'}://{HOST}:{port}"
        self.log_path = log_path
        self.state_dir = state_dir
        self.persist = persist
        self._process: subprocess.Popen | None = None
        self._tmpdir: str | None = None
        self._relay: JwksRelay | None = None

    def start(self, timeout: float = 60.0) -> Emulator:
        if not EMULATOR_BIN.exists():
            raise EmulatorError(f"{EMULATOR_BIN} is missing: run `make install`")
        if not port_is_free(self.port):
            raise PortInUse(self.port)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
        self._tmpdir = tempfile.mkdtemp(prefix=f"shop-emulator-{self.port}-")
        env.update(
            TMPDIR=self._tmpdir,
            BIND_HOST=HOST,
            GATEWAY_PORT=str(self.port),
            # Lambda workers call back here for DynamoDB, SQS, ...
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_DEFAULT_REGION="us-east-1",
            # Off: they open extra listeners on fixed ports we do not use.
            IOT_MTLS_ENABLED="0",
            SFTP_ENABLED="0",
            # Signing keys, and with PERSIST_STATE every service's state: never the
            # fixed /tmp path all emulators would share.
            STATE_DIR=str(self.state_dir),
            PERSIST_STATE="1" if self.persist else "0",
            # S3 keeps only bucket metadata in that state: the objects' bodies (the SAM
            # CLI's uploaded packages) are written here as they arrive, so a deploy after
            # a restart finds them and uploads only what changed.
            S3_PERSIST="1" if self.persist else "0",
            S3_DATA_DIR=str(self.state_dir / "s3"),
            # Its API Gateway fetches a user pool's keys (JWKS) from its own Cognito at this
            # host to check tokens; the default, `localhost`, may resolve to ::1 first.
            MINISTACK_HOST=HOST,
        )
        if self.tls:
            env.update(
                USE_SSL="1",
                MINISTACK_SSL_CERT=str(self.tls.cert),
                MINISTACK_SSL_KEY=str(self.tls.key),
                # The workers inherit it: their botocore verifies the emulator with our CA.
                AWS_CA_BUNDLE=str(self.tls.ca),
            )
            self._relay = JwksRelay(self.port, self.tls.ca)
            # urllib (the emulator's JWKS fetch) honours it; the workers' botocore calls
            # an https endpoint, which http_proxy does not concern.
            env["http_proxy"] = self._relay.start()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                _without_port_443([str(EMULATOR_BIN)]),
                env=env,
                cwd=str(self.log_path.parent),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._wait_until_ready(timeout)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        context = ssl.create_default_context(cafile=str(self.tls.ca)) if self.tls else None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self.stop()
                raise EmulatorError(f"MiniStack exited with code {code}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/_ministack/health", timeout=2,
                                            context=context) as answer:
                    if answer.status == 200 and json.load(answer).get("services"):
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                pass
            time.sleep(0.2)
        self.stop()
        raise EmulatorError(f"MiniStack did not answer on {self.endpoint} within {timeout:.0f} s; see {self.log_path}")

    def stop(self, grace: float = 40.0) -> None:
        """SIGTERM: MiniStack closes its connections, then (PERSIST_STATE) saves its state.
        Over TLS, closing a connection a client keeps idle in its pool waits for that
        client's close_notify up to asyncio's 30 s: close clients before stopping (ours
        do), or the stop takes that long; `grace` covers it, then the group is killed."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            self._stop_group(process, grace)
        if self._relay is not None:
            self._relay.stop()
            self._relay = None
        if self._tmpdir:
            # After a busy session the workers' copies add up to hundreds of thousands of
            # files, a minute of deleting on a slow disk: done by a detached `rm` that
            # finishes on its own, so a test session or `make run` does not wait for it.
            subprocess.Popen(["rm", "-rf", self._tmpdir], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._tmpdir = None

    @staticmethod
    def _stop_group(process: subprocess.Popen, grace: float) -> None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # Workers that ignored SIGTERM would keep the group alive.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
