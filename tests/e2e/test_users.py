"""Users through API Gateway, Lambda and DynamoDB on the emulator."""


def test_register_then_get_a_user(api, unique):
    created = api.post("/users", json={"email": f"ada.{unique}@example.com", "name": "Ada"})
    assert created.status_code == 201
    user = created.json()
    assert user["name"] == "Ada"

    fetched = api.get(f"/users/{user['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == user


def test_email_is_unique_regardless_of_case(api, unique):
    assert api.post("/users", json={"email": f"grace.{unique}@example.com", "name": "Grace"}).status_code == 201
    duplicate = api.post("/users", json={"email": f"GRACE.{unique}@Example.COM", "name": "Grace"})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "conflict"


def test_invalid_user_names_each_field(api):
    answer = api.post("/users", json={"email": "not-an-email", "name": "", "admin": True})
    assert answer.status_code == 400
    assert {error["field"] for error in answer.json()["errors"]} == {"email", "name", "admin"}


def test_unknown_user_is_a_404(api, unique):
    answer = api.get(f"/users/missing-{unique}")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
