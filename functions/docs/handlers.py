"""`GET /docs`: the API's reference page (Swagger UI), served by this function alone.

The page loads Swagger UI's script and stylesheet and the OpenAPI document from
`GET /docs/{asset}` (docs/assets.py): nothing is fetched from a CDN.

"Try it out": the Authorize dialog lists the document's two schemes, the API key
(`x-api-key`) and the Cognito IdToken (pasted alone: Swagger UI sends it as
`Authorization: Bearer <token>`, which API Gateway takes). Both are kept in the browser's
local storage across reloads (persistAuthorization), on this origin only; the IdToken
expires within the hour anyway.
"""
from __future__ import annotations

from shared.http import ApiRequest, ApiResponse, lambda_endpoint

# No page may show this one in a frame (clickjacking): the modern header and the old one,
# for browsers that predate frame-ancestors. Not a full CSP: Swagger UI starts from the
# inline script below.
NO_FRAMING = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY"}

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
      persistAuthorization: true,
    });
  </script>
</body>
</html>
"""


@lambda_endpoint(responses={200: "text/html"})
def docs_page(request: ApiRequest) -> ApiResponse:
    """The API reference page (Swagger UI)"""
    return ApiResponse(200, PAGE, {"Content-Type": "text/html; charset=utf-8", **NO_FRAMING})
