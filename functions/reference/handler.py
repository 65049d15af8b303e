"""The benchmark's reference for GET /products/{id}: the least a function can do.

One module-level boto3 client, one GetItem on the products table, one log line (MiniStack
makes a silent handler wait for log output), no framework, no validation, no models.
`make bench` serves it beside GetProductFunction on the same stack, so the difference
between the two is what our code costs. Imports boto3 and the standard library only.
"""
from __future__ import annotations

import json
import os
import time

import boto3

_TABLE = os.environ["PRODUCTS_TABLE"]
_dynamodb = boto3.client("dynamodb")
_JSON = {"Content-Type": "application/json"}


def get_product(event: dict, context: object) -> dict:
    started = time.perf_counter()
    product_id = (event.get("pathParameters") or {}).get("product_id", "")
    item = _dynamodb.get_item(TableName=_TABLE, Key={"pk": {"S": f"PRODUCT#{product_id}"}}).get("Item")
    print(json.dumps({"level": "INFO", "message": "reference get_product", "product_id": product_id,
                      "found": item is not None, "ms": round((time.perf_counter() - started) * 1000, 2)}))
    if item is None:
        return {"statusCode": 404, "headers": _JSON, "body": json.dumps({"code": "not_found"})}
    # Each attribute's single typed value, as is ({"S": "x"} -> "x", {"N": "12"} -> "12").
    body = {name: next(iter(value.values())) for name, value in item.items()}
    return {"statusCode": 200, "headers": _JSON, "body": json.dumps(body)}
