"""``/openapi.json`` documents the error body kpcs really sends and the statuses it answers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth


def _resolve(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    name = ref.rsplit("/", 1)[-1]
    found: dict[str, Any] = schema["components"]["schemas"][name]
    return found


def test_the_validation_error_body_is_the_one_the_app_sends(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    issue = schema["paths"]["/api/v1/certificates"]["post"]["responses"]
    error = _resolve(schema, issue["422"]["content"]["application/json"]["schema"]["$ref"])
    problems = next(choice for choice in error["properties"]["detail"]["anyOf"] if choice["type"] == "array")
    problem = _resolve(schema, problems["items"]["$ref"])
    assert {"field", "message"} <= set(problem["properties"]) and "loc" not in problem["properties"]

    # What the app answers has that shape: field and message.
    sent = client.post(
        "/api/v1/certificates", json={"parcel_count": "x"}, headers=auth(make_token(Role.AUTHORITY, "BW"))
    )
    assert sent.status_code == 422
    assert all(
        set(p) >= {"field", "message"} and set(p) <= set(problem["properties"]) for p in sent.json()["detail"]
    )


def test_every_status_an_operation_answers_is_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    documented = lambda path, method: set(paths[path][method]["responses"])  # noqa: E731
    assert {"201", "400", "401", "403", "409", "413", "422", "429"} <= documented(
        "/api/v1/certificates", "post"
    )
    assert {"401", "403", "404", "422"} <= documented(
        "/api/v1/statistics/questionnaires/{questionnaire_id}", "get"
    )
    assert {"401", "403"} <= documented("/api/v1/audit", "get")
    # A public read neither refuses a role nor takes a body.
    assert "403" not in documented("/api/v1/trust-list", "get")
    assert "413" not in documented("/api/v1/log/sth", "get")
    # Each is described, with the error body.
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }, (path, method, status)
