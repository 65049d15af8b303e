"""`GET /docs`: the API's reference (Swagger UI), served by this function alone.

The page, Swagger UI's script and stylesheet, and the OpenAPI document all come from
here: nothing is fetched from a CDN. Swagger UI's files come from the pinned
`swagger-ui-bundle` package (DocsAssetsLayer, for this function only); the document is
functions/docs/openapi.json, which `make openapi` writes next to docs/openapi.json.
"""
from __future__ import annotations

import json
from pathlib import Path

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
    from swagger_ui_bundle import swagger_ui_path  # the layer: imported only when served

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

# Relative URLs: the page is …/docs, so "docs/x" is …/docs/x on any stage or host.
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Shop API reference</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "docs/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      docExpansion: "list",
    });
  </script>
</body>
</html>
"""


@lambda_endpoint(responses={200: "text/html"})
def docs_page(request: ApiRequest) -> ApiResponse:
    """The API reference page (Swagger UI)"""
    return ApiResponse(200, PAGE, {"Content-Type": "text/html; charset=utf-8"})


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
