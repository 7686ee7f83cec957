"""The permission matrix over HTTP: each protected route, each kind of caller."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth

STATUS_BODY = {"status": "suspended", "reason": "matrix", "effective_on": "2025-03-03"}

# (method, path, body) -> expected status per caller
ROUTES = {
    ("GET", "/api/v1/participants", None): {
        "anonymous": 200,
        "admin": 200,
        "authority": 200,
        "customs": 200,
        "statistics": 200,
        "monitoring": 200,
    },
    ("GET", "/api/v1/participants/BW", None): {
        "anonymous": 200,
        "admin": 200,
        "authority": 200,
        "customs": 200,
        "statistics": 200,
        "monitoring": 200,
    },
    ("GET", "/api/v1/working-bodies", None): {
        "anonymous": 200,
        "admin": 200,
        "authority": 200,
        "customs": 200,
        "statistics": 200,
        "monitoring": 200,
    },
    ("POST", "/api/v1/participants/ZW/status", "status"): {
        "anonymous": 401,
        "admin": 201,
        "authority": 403,
        "customs": 403,
        "statistics": 403,
        "monitoring": 403,
    },
    ("GET", "/api/v1/audit", None): {
        "anonymous": 401,
        "admin": 200,
        "authority": 403,
        "customs": 403,
        "statistics": 403,
        "monitoring": 403,
    },
    ("GET", "/api/v1/me", None): {
        "anonymous": 200,
        "admin": 200,
        "authority": 200,
        "customs": 200,
        "statistics": 200,
        "monitoring": 200,
    },
}

CALLERS = {
    "anonymous": None,
    "admin": (Role.ADMIN, None),
    "authority": (Role.AUTHORITY, "BW"),
    "customs": (Role.CUSTOMS, "EU"),
    "statistics": (Role.STATISTICS, None),
    "monitoring": (Role.MONITORING, None),
}


@pytest.mark.parametrize("route", list(ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_matrix(client: TestClient, make_token, route) -> None:  # type: ignore[no-untyped-def]
    method, path, body = route
    for caller, spec in CALLERS.items():
        headers = auth(make_token(*spec)) if spec else {}
        response = client.request(method, path, json=STATUS_BODY if body else None, headers=headers)
        expected = ROUTES[route][caller]
        assert response.status_code == expected, (caller, response.text)
        if expected == 201:  # undo, so the next caller's attempt is judged on permission alone
            client.post(
                "/api/v1/participants/ZW/status",
                headers=headers,
                json={"status": "active", "reason": "undo", "effective_on": "2025-03-03"},
            )
