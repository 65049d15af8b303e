"""HTTPS for the local emulator: a CA of this checkout and a certificate it signs.

Made once into .local/tls/ by trustme (a CA, and a leaf certificate for `localhost` and
`127.0.0.1`) and reused by every emulator of this checkout (`make run`, each test
session). Everything of ours that calls an emulator verifies against `ca.pem`: the SAM
CLI and the functions inside the emulator (AWS_CA_BUNDLE), our tools, the tests and the
bench (`verify=`), curl (`--cacert`). Nothing is added to the system's trust store.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import trustme

ROOT = Path(__file__).resolve().parent.parent
TLS_DIR = ROOT / ".local" / "tls"
# The names the emulator is reached by; the leaf certificate carries exactly these.
LOCAL_NAMES = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class LocalTls:
    ca: Path      # what clients trust
    cert: Path    # what the emulator serves (MINISTACK_SSL_CERT)
    key: Path     # its private key (MINISTACK_SSL_KEY)


def local_tls(directory: Path = TLS_DIR) -> LocalTls:
    """The CA and the emulator's certificate, made on first use."""
    files = _files(directory)
    if files.ca.exists():
        return files
    directory.parent.mkdir(parents=True, exist_ok=True)
    # Made in a directory of its own, then renamed into place in one step: two processes
    # making it at once (parallel test workers) never pair one's key with the other's CA.
    staging = Path(tempfile.mkdtemp(prefix=".tls-", dir=directory.parent))
    made = _files(staging)
    authority = trustme.CA(organization_name="serverless shop (local)")
    leaf = authority.issue_cert(*LOCAL_NAMES)
    leaf.private_key_pem.write_to_path(str(made.key))
    made.key.chmod(0o600)
    leaf.cert_chain_pems[0].write_to_path(str(made.cert))
    authority.cert_pem.write_to_path(str(made.ca))
    staging.chmod(0o755)
    try:
        staging.rename(directory)
    except OSError:  # another process was first: use its CA
        shutil.rmtree(staging, ignore_errors=True)
    return files


def _files(directory: Path) -> LocalTls:
    return LocalTls(ca=directory / "ca.pem", cert=directory / "server.pem", key=directory / "server.key")


def ca_bundle_for(endpoint: str, directory: Path = TLS_DIR) -> str | None:
    """The CA to verify `endpoint` with: ours for an HTTPS emulator on this machine; None
    (the system's trust) for anything else, such as AWS or a plain-HTTP emulator."""
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or parts.hostname not in LOCAL_NAMES:
        return None
    return str(local_tls(directory).ca)
