"""The API reference page, rendered by headless Chromium from the deployed stack.

The page, Swagger UI and the document all come from the docs function; Chromium's
background fetches are off, so the page renders from the stack or not at all.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from infra import openapi
from infra.template import routes

CHROMIUM = Path("/usr/bin/chromium")
# Swagger UI's summary of an operation: its method, then its path (in data-path).
OPERATION = re.compile(
    r'class="opblock-summary-method"[^>]*>(\w+)</span>.*?data-path="([^"]+)"', re.DOTALL
)


def render(url: str, profile: Path) -> str:
    """The DOM after Swagger UI's script has run (virtual time lets it finish first)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: `make chromium` installs it")
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        "--virtual-time-budget=20000", "--dump-dom", url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_docs_page_lists_every_endpoint(stack, anonymous, tmp_path):
    assert anonymous.get("/docs").status_code == 200  # keyless; warms the functions up

    dom = render(f"{stack.base_url}/docs", tmp_path / "profile")

    listed = {(method.upper(), path) for method, path in OPERATION.findall(dom)}
    expected = {
        (route.method, route.path) for route in routes()
        if (route.method.lower(), route.path) not in openapi.UNDOCUMENTED_ROUTES
    }
    assert "Shop API" in dom
    assert listed == expected, (
        f"not on the page: {sorted(expected - listed)}\nunexpected: {sorted(listed - expected)}"
    )
