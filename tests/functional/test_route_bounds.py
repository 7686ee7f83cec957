"""No 5xx on numbers too big or too small for the database: every int parameter of every
route (API and pages, path, query and form), found by walking the app's routes, gets
numbers past 64 bits (and past PostgreSQL's 32-bit INTEGER) and must answer a 4xx that
names it, or refuse the caller."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.config import Settings
from kpcs.web.app import create_app
from tests.conftest import auth

# Past 64 bits either way, far past, and just past PostgreSQL's 32-bit INTEGER columns.
OUT_OF_RANGE = (2**64, -(2**64), 99999999999999999999999, 2**31)

# Callers that get past the permission checks of the routes with int parameters, so the
# number reaches the handler (an administrator alone would be refused an authority's answer).
CALLERS = {
    "admin": (Role.ADMIN, None),
    "statistics": (Role.STATISTICS, None),
    "authority": (Role.AUTHORITY, "BW"),
}


@dataclass(frozen=True)
class IntParameter:
    """One int parameter of one route."""

    method: str
    path: str
    name: str
    where: str  # path, query or form
    required_query: tuple[tuple[str, object], ...]  # what else the route needs to be called

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.where}:{self.name}"


def _is_int(annotation: object) -> bool:
    if annotation is int:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_int(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_int(arg) for arg in typing.get_args(annotation))
    return False


def _parameters(dependant: Dependant) -> Iterator[tuple[str, typing.Any]]:
    for where, params in (
        ("path", dependant.path_params),
        ("query", dependant.query_params),
        ("form", dependant.body_params),
    ):
        for param in params:
            yield where, param
    for sub in dependant.dependencies:
        yield from _parameters(sub)


def _stand_in(name: str, annotation: object) -> object:
    """A valid value for a parameter that is not the one under test."""
    if _is_int(annotation):
        return 2024 if name == "year" else 1
    return "BW"


def int_parameters(app: FastAPI) -> list[IntParameter]:
    """Every int parameter of every route of ``app``."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        params = list(_parameters(route.dependant))
        for method in sorted(context.methods):
            for where, param in params:
                if not _is_int(param.field_info.annotation):
                    continue
                others = tuple(
                    (p.name, _stand_in(p.name, p.field_info.annotation))
                    for w, p in params
                    if w == "query" and p.name != param.name and p.field_info.is_required()
                )
                found.append(IntParameter(method, context.path, param.name, where, others))
    return found


ROUTE_PARAMETERS = int_parameters(create_app(Settings(database_url="sqlite://")))


def test_the_walk_finds_the_int_parameters() -> None:
    """The walk sees the parameters of the routes (a walk finding none would prove nothing)."""
    names = {str(p) for p in ROUTE_PARAMETERS}
    assert "GET /api/v1/statistics/questionnaires/{questionnaire_id} path:questionnaire_id" in names
    assert "GET /api/v1/fraud-reports/{report_id}/evidence path:report_id" in names
    assert "GET /api/v1/certificates query:offset" in names
    assert "GET /api/v1/audit query:before_id" in names
    assert len(ROUTE_PARAMETERS) >= 30


@pytest.mark.parametrize("parameter", ROUTE_PARAMETERS, ids=str)
def test_out_of_range_numbers_are_refused(client: TestClient, make_token, parameter: IntParameter) -> None:  # type: ignore[no-untyped-def]
    tokens = {caller: make_token(*spec) for caller, spec in CALLERS.items()}
    for value in OUT_OF_RANGE:
        path = parameter.path
        for name in ("questionnaire_id", "report_id", "number", "code", "participant", "part", "name"):
            replacement = str(value) if (parameter.where, parameter.name) == ("path", name) else "1"
            if name in ("code", "participant"):
                replacement = "BW"
            path = path.replace("{" + name + "}", replacement)
        query = dict(parameter.required_query)
        form = None
        if parameter.where == "query":
            query[parameter.name] = value
        elif parameter.where == "form":
            form = {parameter.name: str(value)}
        for caller, token in tokens.items():
            response = client.request(
                parameter.method,
                path,
                params={k: str(v) for k, v in query.items()},
                data=form,
                headers=auth(token) | {"Accept": "application/json"},
                follow_redirects=False,
            )
            assert 400 <= response.status_code < 500, (caller, value, response.status_code, response.text)
            if response.status_code == 422:
                assert parameter.name in response.text, (caller, value, response.text)


# Forms that pages read by hand (FastAPI does not see their fields), each with a number field.
HAND_READ_FORMS = [
    ("/statistics/questionnaires", {"participant": "BW"}, "year"),
    ("/statistics/anomalies/questionnaires", {"finding": "x"}, "year"),
]


@pytest.mark.parametrize(("path", "form", "field"), HAND_READ_FORMS, ids=lambda v: str(v))
def test_hand_read_form_numbers_are_refused(client: TestClient, make_token, path, form, field) -> None:  # type: ignore[no-untyped-def]
    token = make_token(Role.STATISTICS)
    for value in OUT_OF_RANGE:
        response = client.post(
            path, data=form | {field: str(value)}, headers=auth(token), follow_redirects=False
        )
        assert response.status_code == 303, response.text
        assert "error=" in response.headers["location"] and field in response.headers["location"]


def test_a_certificate_naming_a_dossier_past_64_bits_is_refused(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import certificate_body

    token = make_token(Role.AUTHORITY, "BW")
    for value in OUT_OF_RANGE:
        response = client.post(
            "/api/v1/certificates", json=certificate_body(export_dossier=value), headers=auth(token)
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["field"] == "export_dossier"


@pytest.mark.parametrize(
    ("path", "name"),
    [("/api/v1/fraud-reports", "q"), ("/api/v1/audit", "object_type"), ("/fraud-register", "q")],
)
def test_a_parameter_holding_nul_is_refused_naming_it(client: TestClient, make_token, path, name) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL cannot compare text holding NUL: it was a 500 there."""
    headers = auth(make_token(Role.ADMIN)) | {"Accept": "application/json"}
    response = client.get(path, params={name: "BW\x00-1"}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == [
        {"field": name, "message": "must not contain the NUL character (0x00)"}
    ]


def test_a_body_holding_nul_is_bad_input_not_a_server_error(
    client: TestClient, make_token, database_url
) -> None:  # type: ignore[no-untyped-def]
    form = {"number": "BW-FAKE\x00-1", "claimed_participant": "BW", "notes": "forged seal"}
    response = client.post("/api/v1/fraud-reports", data=form, headers=auth(make_token(Role.AUTHORITY, "BW")))
    if database_url.startswith("postgresql"):  # SQLite stores such text; PostgreSQL cannot
        assert response.status_code == 422, response.text
        assert "NUL" in response.json()["detail"][0]["message"]
    else:
        assert response.status_code == 201, response.text
