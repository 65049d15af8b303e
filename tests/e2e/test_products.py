"""The catalog through API Gateway, Lambda and DynamoDB on the emulator."""


def new_product(unique: str, **overrides) -> dict:
    product = {"sku": f"SKU-{unique}", "name": f"Product {unique}", "description": "e2e",
               "price": {"amount": 1299, "currency": "EUR"}}
    return {**product, **overrides}


def test_create_then_get_a_product(api, unique):
    created = api.post("/products", json=new_product(unique, sku=f"sku-{unique.lower()}"))
    assert created.status_code == 201
    product = created.json()
    assert product["sku"] == f"SKU-{unique}"  # SKUs are stored upper-case
    assert product["price"] == {"amount": 1299, "currency": "EUR"}
    assert created.headers["Location"] == f"/products/{product['id']}"

    fetched = api.get(f"/products/{product['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == product


def test_invalid_product_is_rejected_naming_each_field_and_nothing_is_written(api, unique):
    answer = api.post("/products", json={"sku": "no spaces", "name": "", "price": {"amount": 12.5, "currency": "eur"}})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid_request"
    assert {error["field"] for error in body["errors"]} == {"sku", "name", "price.amount", "price.currency"}

    # A valid product may still take the SKU: the bad request claimed nothing.
    assert api.post("/products", json=new_product(unique)).status_code == 201


def test_malformed_json_is_a_400(api):
    answer = api.post("/products", data="{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request"


def test_duplicate_sku_is_a_409_in_any_case(api, unique):
    assert api.post("/products", json=new_product(unique)).status_code == 201
    duplicate = api.post("/products", json=new_product(unique, sku=f"sku-{unique.lower()}", name="Other"))
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "conflict"


def test_unknown_product_is_a_404(api, unique):
    for method in ("GET", "PATCH", "DELETE"):
        answer = api.request(method, f"/products/missing-{unique}", json={"name": "x"})
        assert answer.status_code == 404, method
        assert answer.json()["code"] == "not_found"


def test_patch_changes_only_the_given_fields_and_moves_the_sku(api, unique):
    product = api.post("/products", json=new_product(unique)).json()

    patched = api.patch(f"/products/{product['id']}", json={"sku": f"NEW-{unique}", "price": {"amount": 999, "currency": "EUR"}})
    assert patched.status_code == 200
    body = patched.json()
    assert (body["sku"], body["price"]["amount"], body["name"]) == (f"NEW-{unique}", 999, product["name"])

    # The old SKU is free again, the new one is taken.
    assert api.post("/products", json=new_product(unique)).status_code == 201
    assert api.post("/products", json=new_product(f"X{unique}", sku=f"NEW-{unique}")).status_code == 409


def test_empty_patch_is_a_400(api, unique):
    product = api.post("/products", json=new_product(unique)).json()
    answer = api.patch(f"/products/{product['id']}", json={})
    assert answer.status_code == 400


def test_delete_removes_the_product_and_frees_its_sku(api, unique):
    product = api.post("/products", json=new_product(unique)).json()
    assert api.delete(f"/products/{product['id']}").status_code == 204
    assert api.get(f"/products/{product['id']}").status_code == 404
    assert api.post("/products", json=new_product(unique)).status_code == 201


def test_listing_pages_through_every_product_once(api, unique):
    created = {api.post("/products", json=new_product(f"{unique}{n}")).json()["id"] for n in range(5)}

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/products", params=params)
        assert page.status_code == 200
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert created <= set(seen)
    assert len(seen) == len(set(seen)), "a product appeared on two pages"
    assert pages >= 3


def test_listing_limit_and_cursor_are_validated(api):
    for params, field in (({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"cursor": "garbage"}, "cursor")):
        answer = api.get("/products", params=params)
        assert answer.status_code == 400, params
        assert field in {error["field"] for error in answer.json()["errors"]}
