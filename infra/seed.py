"""A small demo catalog, created through the public API like any client would.

Idempotent: a product whose SKU already exists (409) is left as it is.
"""
from __future__ import annotations

import requests

from infra.deploy import DeployedStack

DEMO_PRODUCTS = [
    {"sku": "MUG-CLASSIC", "name": "Classic mug", "description": "350 ml, stoneware",
     "price": {"amount": 1299, "currency": "EUR"}},
    {"sku": "TEE-LOGO-M", "name": "Logo T-shirt (M)", "description": "Organic cotton",
     "price": {"amount": 2499, "currency": "EUR"}},
    {"sku": "BOTTLE-750", "name": "Steel bottle", "description": "750 ml, insulated",
     "price": {"amount": 1999, "currency": "EUR"}},
    {"sku": "STICKERS-5", "name": "Sticker pack", "description": "Five vinyl stickers",
     "price": {"amount": 499, "currency": "EUR"}},
]


def seed_catalog(stack: DeployedStack, staff_token: str) -> list[str]:
    """Create the demo products as a staff member (`staff_token`, an IdToken); return the
    ids of those this call created."""
    created = []
    with requests.Session() as http:
        http.headers["x-api-key"] = stack.api_key
        http.headers["Authorization"] = staff_token
        for product in DEMO_PRODUCTS:
            answer = http.post(f"{stack.base_url}/products", json=product, timeout=30, verify=stack.verify)
            if answer.status_code == 201:
                created.append(answer.json()["id"])
            elif answer.status_code != 409:
                answer.raise_for_status()
    return created
