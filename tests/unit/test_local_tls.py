"""The local CA: a real TLS handshake verifies the emulator's certificate with it, for
both names the emulator is reached by, and nothing else is trusted by it."""
from __future__ import annotations

import socket
import ssl
import threading

import pytest

from infra import local_tls as tls
from infra.local_tls import LOCAL_NAMES, ca_bundle_for, local_tls


def handshake(files: tls.LocalTls, server_name: str, cafile: str | None) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(files.cert, files.key)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        def serve() -> None:
            connection, _ = listener.accept()
            try:
                with server_context.wrap_socket(connection, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass  # the client refused us

        threading.Thread(target=serve, daemon=True).start()
        client_context = ssl.create_default_context(cafile=cafile)
        with socket.create_connection(listener.getsockname()) as raw:
            with client_context.wrap_socket(raw, server_hostname=server_name):
                pass


@pytest.mark.parametrize("name", LOCAL_NAMES)
def test_the_certificate_verifies_against_the_ca_for_each_local_name(tmp_path, name):
    files = local_tls(tmp_path)
    handshake(files, name, str(files.ca))


def test_without_the_ca_the_certificate_is_refused(tmp_path):
    files = local_tls(tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(files, "localhost", None)


def test_made_once_then_reused(tmp_path):
    first = local_tls(tmp_path)
    ca = first.ca.read_bytes()
    assert local_tls(tmp_path) == first
    assert first.ca.read_bytes() == ca
    assert first.key.stat().st_mode & 0o077 == 0


def test_only_a_local_https_endpoint_is_verified_with_our_ca(tmp_path):
    assert ca_bundle_for("https://127.0.0.1:4566", tmp_path) == str(tmp_path / "ca.pem")
    assert ca_bundle_for("https://localhost:4566", tmp_path) == str(tmp_path / "ca.pem")
    assert ca_bundle_for("http://127.0.0.1:4566", tmp_path) is None  # the plain-HTTP switch
    aws = "https://abc123.execute-api.us-east-1.amazonaws.com"
    assert ca_bundle_for(aws, tmp_path) is None  # AWS: the system's trust


def test_two_processes_making_it_at_once_still_get_a_matching_pair(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(4) as pool:
        made = list(pool.map(local_tls, [tmp_path / "tls"] * 8))
    assert len(set(made)) == 1
    handshake(made[0], "127.0.0.1", str(made[0].ca))
    assert [path.name for path in tmp_path.iterdir()] == ["tls"]  # no staging dir left
