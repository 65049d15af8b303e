"""The emulator's start-up fails loudly: a busy port is a clear error, never a hang or a skip."""
import http.server
import json
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from infra.emulator import HOST, Emulator, EmulatorError, JwksRelay, PortInUse, free_port, port_is_free
from infra.local_tls import local_tls


def test_a_port_in_use_is_refused_with_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]

        with pytest.raises(PortInUse) as refused:
            Emulator(port, tmp_path / "emulator.log", tmp_path / "state", tls_dir=tmp_path / "tls").start()

    assert f"Port {port}" in str(refused.value)
    assert "PORT=" in str(refused.value)  # tells how to pick another one


def test_free_port_is_free():
    port = free_port()
    assert port_is_free(port)


def test_an_emulator_that_exits_at_once_is_an_error(tmp_path, monkeypatch):
    # A stand-in binary that dies immediately, as MiniStack would on a broken install.
    broken = tmp_path / "ministack"
    broken.write_text("#!/bin/sh\necho 'boom' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr("infra.emulator.EMULATOR_BIN", broken)

    with pytest.raises(EmulatorError, match="exited with code 3"):
        Emulator(free_port(), tmp_path / "emulator.log", tmp_path / "state", tls_dir=tmp_path / "tls").start(timeout=10)


def started_with(emulator: Emulator, tmp_path: Path, monkeypatch) -> dict[str, str]:
    """What MiniStack would be started with: a stand-in records its environment and its
    capability bounding set, leaves a file in its TMPDIR as a worker would, then exits."""
    stand_in = tmp_path / "ministack"
    seen = tmp_path / "env"
    stand_in.write_text(f"#!/bin/sh\nenv > {seen}\necho CapBnd=$(grep CapBnd /proc/self/status | cut -f2) >> {seen}\n"
                        'touch "$TMPDIR/worker-code"\nexit 3\n')
    stand_in.chmod(0o755)
    monkeypatch.setattr("infra.emulator.EMULATOR_BIN", stand_in)
    with pytest.raises(EmulatorError):
        emulator.start(timeout=10)
    return dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)


def test_the_workers_temporary_files_go_with_the_emulator(tmp_path, monkeypatch):
    # MiniStack's workers unpack their code under TMPDIR and leave it when killed: the
    # emulator's own TMPDIR is removed when it stops, even when it failed to start.
    env = started_with(Emulator(free_port(), tmp_path / "emulator.log", tmp_path / "state", tls_dir=tmp_path / "tls"), tmp_path, monkeypatch)

    emulator_tmp = Path(env["TMPDIR"])
    assert emulator_tmp.name.startswith("shop-emulator-")
    # Deleted in the background (see Emulator.stop): a moment for one file.
    deadline = time.monotonic() + 10
    while emulator_tmp.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not emulator_tmp.exists()


def test_the_emulator_serves_https_with_our_certificate_and_keeps_its_own_state(tmp_path, monkeypatch):
    emulator = Emulator(free_port(), tmp_path / "emulator.log", tmp_path / "state", persist=True, tls_dir=tmp_path / "tls")
    env = started_with(emulator, tmp_path, monkeypatch)
    assert emulator.endpoint.startswith("https://127.0.0.1:")
    assert env["USE_SSL"] == "1"
    assert env["MINISTACK_SSL_CERT"] == str(emulator.tls.cert)
    assert env["MINISTACK_SSL_KEY"] == str(emulator.tls.key)
    # The functions' botocore (workers inherit this) verifies the emulator with our CA.
    assert env["AWS_CA_BUNDLE"] == str(emulator.tls.ca)
    assert env["AWS_ENDPOINT_URL"] == emulator.endpoint
    assert env["STATE_DIR"] == str(tmp_path / "state") and env["PERSIST_STATE"] == "1"
    # SAM's uploaded packages kept too: a deploy after a restart uploads only what changed.
    assert (env["S3_PERSIST"], env["S3_DATA_DIR"]) == ("1", str(tmp_path / "state" / "s3"))
    # Its API Gateway fetches user-pool keys with plain HTTP: through the relay, over HTTPS.
    assert env["MINISTACK_HOST"] == HOST
    assert env["http_proxy"].startswith(f"http://{HOST}:")
    if os.geteuid() == 0:
        # As root MiniStack would also bind 443: started without CAP_NET_BIND_SERVICE (bit 10).
        assert not int(env["CapBnd"], 16) & (1 << 10)


def test_the_plain_http_switch(tmp_path, monkeypatch):
    emulator = Emulator(free_port(), tmp_path / "emulator.log", tmp_path / "state", tls=False, tls_dir=tmp_path / "tls")
    env = started_with(emulator, tmp_path, monkeypatch)
    assert emulator.endpoint.startswith("http://127.0.0.1:")
    assert "USE_SSL" not in env and "AWS_CA_BUNDLE" not in env
    assert "http_proxy" not in env  # its own port answers the key fetch itself
    assert env["PERSIST_STATE"] == "0"


JWKS = {"keys": [{"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}]}


@pytest.fixture
def https_emulator_stand_in(tmp_path):
    """An HTTPS server with our local CA's certificate that serves one pool's keys, as the
    emulator does: (its port, its CA)."""
    tls = local_tls(tmp_path / "tls")

    class Keys(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            found = self.path == "/us-east-1_pool/.well-known/jwks.json"
            body = json.dumps(JWKS if found else {"message": "no"}).encode()
            self.send_response(200 if found else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer((HOST, 0), Keys)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert, tls.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], tls.ca
    server.shutdown()
    server.server_close()


def through(proxy: str, url: str) -> tuple[int, bytes]:
    """A plain-HTTP GET sent through `proxy`, as the emulator's urllib sends it with http_proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    try:
        with opener.open(url, timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def relay(https_emulator_stand_in):
    """A relay for the stand-in emulator: (the proxy URL it serves on, the emulator's port)."""
    port, ca = https_emulator_stand_in
    running = JwksRelay(port, ca)
    yield running.start(), port
    running.stop()


def test_the_relay_fetches_a_pools_keys_over_verified_https(relay):
    proxy, port = relay
    status, body = through(proxy, f"http://{HOST}:{port}/us-east-1_pool/.well-known/jwks.json")
    assert (status, json.loads(body)) == (200, JWKS)
    # The emulator's own answer, passed on: an unknown pool is its 404.
    assert through(proxy, f"http://{HOST}:{port}/us-east-1_other/.well-known/jwks.json")[0] == 404


@pytest.mark.parametrize("path", ["/", "/restapis", "/us-east-1_pool/.well-known/openid-configuration",
                                  "/a/b/.well-known/jwks.json"])
def test_the_relay_relays_nothing_but_key_sets(relay, path):
    proxy, port = relay
    assert through(proxy, f"http://{HOST}:{port}{path}")[0] == 403


def test_the_relay_reaches_only_its_own_emulator(relay):
    proxy, _ = relay
    assert through(proxy, f"http://{HOST}:{free_port()}/us-east-1_pool/.well-known/jwks.json")[0] == 403


def test_the_relay_verifies_the_emulator_with_our_ca(https_emulator_stand_in, tmp_path):
    port, _ = https_emulator_stand_in
    untrusting = JwksRelay(port, local_tls(tmp_path / "another-ca").ca)  # not the CA that signed it
    proxy = untrusting.start()
    try:
        assert through(proxy, f"http://{HOST}:{port}/us-east-1_pool/.well-known/jwks.json")[0] == 502
    finally:
        untrusting.stop()
