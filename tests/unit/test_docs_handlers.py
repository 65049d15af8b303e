"""The docs function serves the reference page, Swagger UI's files and the document itself."""
from __future__ import annotations

import json

from docs import assets, handlers
from infra import openapi
from tests.unit.api_events import sample_event


def _get(handler, asset: str | None = None) -> dict:
    event = sample_event("GetProductFunction")
    event["pathParameters"] = {"asset": asset} if asset else None
    return handler(event, None)


def test_page_loads_everything_from_this_function():
    result = _get(handlers.docs_page)
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"].startswith("text/html")
    page = result["body"]
    assert 'src="docs/swagger-ui-bundle.js"' in page and 'href="docs/swagger-ui.css"' in page
    assert 'url: "docs/openapi.json"' in page
    assert "http" not in page.replace("<!DOCTYPE html>", "").lower(), "nothing from another host"


def test_page_cannot_be_framed():
    headers = _get(handlers.docs_page)["headers"]
    assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert headers["X-Frame-Options"] == "DENY"


def test_page_keeps_what_is_pasted_into_authorize_across_reloads():
    assert "persistAuthorization: true," in _get(handlers.docs_page)["body"]


def test_authorize_offers_the_api_key_and_the_id_token_and_try_it_out_sends_both():
    # Swagger UI's Authorize dialog lists the served document's schemes; "Try it out"
    # sends, for an operation, those of its security requirement.
    served = json.loads(_get(assets.docs_asset, "openapi.json")["body"])
    schemes = served["components"]["securitySchemes"]
    assert schemes["ApiKey"]["type"] == "apiKey"
    assert (schemes["CognitoAuth"]["type"], schemes["CognitoAuth"]["scheme"]) == ("http", "bearer")
    assert served["paths"]["/users/me"]["get"]["security"] == [{"ApiKey": [], "CognitoAuth": []}]
    assert served["paths"]["/products"]["get"]["security"] == [{"ApiKey": []}]


def test_assets_come_from_the_pinned_package():
    script = _get(assets.docs_asset, "swagger-ui-bundle.js")
    css = _get(assets.docs_asset, "swagger-ui.css")
    assert script["statusCode"] == css["statusCode"] == 200
    assert script["headers"]["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script["body"]
    assert css["headers"]["Content-Type"].startswith("text/css")


def test_serves_the_generated_document_with_a_relative_server():
    result = _get(assets.docs_asset, "openapi.json")
    served = json.loads(result["body"])
    assert served.pop("servers") == [{"url": "..", "description": "This deployment"}]
    assert served == json.loads(openapi.OUTPUTS[0].read_text())


def test_unknown_asset_is_404():
    result = _get(assets.docs_asset, "handlers.py")
    assert result["statusCode"] == 404
    assert json.loads(result["body"])["code"] == "not_found"


def test_an_asset_name_that_is_a_path_is_400():
    result = _get(assets.docs_asset, "../handlers.py")
    assert result["statusCode"] == 400
    assert [error["field"] for error in json.loads(result["body"])["errors"]] == ["asset"]
