"""The emulator's start-up fails loudly: a busy port is a clear error, never a hang or a skip."""
import os
import socket
import time
from pathlib import Path

import pytest

from infra.emulator import HOST, Emulator, EmulatorError, PortInUse, free_port, port_is_free


def test_a_port_in_use_is_refused_with_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]

        with pytest.raises(PortInUse) as refused:
            Emulator(port, tmp_path / "emulator.log", tmp_path / "state").start()

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
        Emulator(free_port(), tmp_path / "emulator.log", tmp_path / "state").start(timeout=10)


def test_the_workers_temporary_files_go_with_the_emulator(tmp_path, monkeypatch):
    # MiniStack's workers unpack their code under TMPDIR and leave it when killed: the
    # emulator's own TMPDIR is removed when it stops, even when it failed to start.
    stand_in = tmp_path / "ministack"
    seen = tmp_path / "tmpdir"
    stand_in.write_text(f'#!/bin/sh\necho "$TMPDIR" > {seen}\ntouch "$TMPDIR/worker-code"\nexit 3\n')
    stand_in.chmod(0o755)
    monkeypatch.setattr("infra.emulator.EMULATOR_BIN", stand_in)

    with pytest.raises(EmulatorError):
        Emulator(free_port(), tmp_path / "emulator.log", tmp_path / "state").start(timeout=10)

    emulator_tmp = Path(seen.read_text().strip())
    assert emulator_tmp.name.startswith("shop-emulator-")
    # Deleted in the background (see Emulator.stop): a moment for one file.
    deadline = time.monotonic() + 10
    while emulator_tmp.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not emulator_tmp.exists()


def test_the_emulator_serves_https_with_our_certificate_and_keeps_its_own_state(tmp_path, monkeypatch):
    # The stand-in records what MiniStack would be started with, then exits.
    stand_in = tmp_path / "ministack"
    seen = tmp_path / "env"
    stand_in.write_text(f"#!/bin/sh\nenv > {seen}\ngrep CapBnd /proc/self/status >> {seen}\nexit 3\n")
    stand_in.chmod(0o755)
    monkeypatch.setattr("infra.emulator.EMULATOR_BIN", stand_in)

    emulator = Emulator(free_port(), tmp_path / "emulator.log", tmp_path / "state", persist=True)
    with pytest.raises(EmulatorError):
        emulator.start(timeout=10)

    lines = seen.read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines if "=" in line)
    assert emulator.endpoint.startswith("https://127.0.0.1:")
    assert env["USE_SSL"] == "1"
    assert env["MINISTACK_SSL_CERT"] == str(emulator.tls.cert)
    assert env["MINISTACK_SSL_KEY"] == str(emulator.tls.key)
    # The functions' botocore (workers inherit this) verifies the emulator with our CA.
    assert env["AWS_CA_BUNDLE"] == str(emulator.tls.ca)
    assert env["AWS_ENDPOINT_URL"] == emulator.endpoint
    assert env["STATE_DIR"] == str(tmp_path / "state") and env["PERSIST_STATE"] == "1"
    if os.geteuid() == 0:
        # As root MiniStack would also bind 443: started without CAP_NET_BIND_SERVICE (bit 10).
        [bounding] = [line.split()[1] for line in lines if line.startswith("CapBnd:")]
        assert not int(bounding, 16) & (1 << 10)


def test_the_plain_http_switch(tmp_path, monkeypatch):
    stand_in = tmp_path / "ministack"
    seen = tmp_path / "env"
    stand_in.write_text(f"#!/bin/sh\nenv > {seen}\nexit 3\n")
    stand_in.chmod(0o755)
    monkeypatch.setattr("infra.emulator.EMULATOR_BIN", stand_in)

    emulator = Emulator(free_port(), tmp_path / "emulator.log", tmp_path / "state", tls=False)
    with pytest.raises(EmulatorError):
        emulator.start(timeout=10)

    env = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert emulator.endpoint.startswith("http://127.0.0.1:")
    assert "USE_SSL" not in env and "AWS_CA_BUNDLE" not in env
    assert env["PERSIST_STATE"] == "0"
