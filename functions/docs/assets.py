"""`GET /docs/{asset}`: the files of the API reference page (docs/handlers.py).

Swagger UI's script and stylesheet come from the pinned `swagger-ui-bundle` package, in
a layer of this function only (infra/template.yaml): a module apart from the page's, so
that each docs function imports what its layers hold and nothing more. The document is
functions/docs/openapi.json, which `make openapi` writes next to docs/openapi.json.
"""
from __future__ import annotations

import json
from pathlib import Path

from swagger_ui_bundle import swagger_ui_path

from shared.errors import NotFound
from shared.http import ApiRequest, ApiResponse, lambda_endpoint

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"
# Assets change only with a new deploy: browsers may keep them for a day.
_CACHE = "public, max-age=86400"


def _openapi() -> str:
    document = json.loads(OPENAPI_PATH.read_text())
    # Swagger UI resolves a relative server against the document's URL (…/docs/openapi.json):
    # "Try it out" then calls this very stage, wherever it is deployed.
    document["servers"] = [{"url": "..", "description": "This deployment"}]
    return json.dumps(document)


def _swagger_ui_file(name: str) -> str:
    return (swagger_ui_path / name).read_text(encoding="utf-8")


# asset name -> (Content-Type, loader)
ASSETS = {
    "openapi.json": ("application/json", _openapi),
    "swagger-ui.css": ("text/css; charset=utf-8", lambda: _swagger_ui_file("swagger-ui.css")),
    "swagger-ui-bundle.js": (
        "application/javascript; charset=utf-8",
        lambda: _swagger_ui_file("swagger-ui-bundle.js"),
    ),
}


@lambda_endpoint(
    responses={200: ("application/json", "text/css", "application/javascript")}, errors=(404,)
)
def docs_asset(request: ApiRequest) -> ApiResponse:
    """A file of the reference page: openapi.json, swagger-ui.css, swagger-ui-bundle.js"""
    name = request.path_params.get("asset", "")
    if name not in ASSETS:
        raise NotFound(f"No docs asset {name!r}")
    content_type, load = ASSETS[name]
    return ApiResponse(200, load(), {"Content-Type": content_type, "Cache-Control": _CACHE})
