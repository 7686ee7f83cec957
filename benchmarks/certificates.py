"""Certificates: verification in-process against bare Ed25519, and issuing and verifying
through HTTP on PostgreSQL with `kpcs serve --workers 2` under `wrk`."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from benchmarks.common import KPCS, Result, served
from kpcs.certificates.credential import JWS_TYPE, CredentialData, CredentialLine, build_payload
from kpcs.certificates.verification import verify_offline
from kpcs.signing import ed25519
from kpcs.signing.jws import b64url_decode, parse_compact, public_x, sign_compact, thumbprint
from kpcs.signing.models import KeyPurpose
from kpcs.signing.trust_list import TrustedKey, TrustList

NOW = datetime(2025, 3, 3, tzinfo=UTC)


def _credentials(count: int) -> tuple[list[str], TrustList, bytes]:
    key = Ed25519PrivateKey.generate()
    x = public_x(key)
    kid = thumbprint(x)
    trust = TrustList.of(
        [
            TrustedKey(
                kid=kid,
                purpose=KeyPurpose.CERTIFICATES,
                owner="BW",
                x=x,
                valid_from=datetime(2025, 1, 1, tzinfo=UTC),
            )
        ]
    )
    tokens = []
    for serial in range(count):
        data = CredentialData(
            number=f"BW-2025-{serial:06d}",
            issuing_participant="BW",
            issuing_authority="Ministry of Minerals, Energy and Water Resources",
            exporting_country="BW",
            importing_country="BE",
            importing_participant="EU",
            exporter_name="Okavango Diamond Company",
            exporter_address="Plot 63016, Gaborone, Botswana",
            importer_name="Antwerp Rough NV",
            importer_address="Hoveniersstraat 2, 2018 Antwerpen, Belgium",
            parcel_count=3,
            lines=(
                CredentialLine("7102.31", "BW", Decimal("1520.35"), Decimal("310250.00")),
                CredentialLine("7102.21", "mixed", Decimal("200.00"), Decimal("5000.50")),
            ),
            issued_on=date(2025, 3, 3),
            expires_on=date(2025, 5, 2),
            issued_at=NOW,
        )
        tokens.append(sign_compact(build_payload(data), private_key=key, kid=kid, typ=JWS_TYPE))
    return tokens, trust, b64url_decode(x)


def bench_verify_in_process() -> list[Result]:
    """Distinct credentials, one core: full verification against bare Ed25519 of the same bytes."""
    tokens, trust, public_key = _credentials(3000)
    name, bare_verify = ed25519.chosen()
    parsed = [parse_compact(token) for token in tokens]
    full_rates, bare_rates = [], []
    for _ in range(5):
        start = time.perf_counter()
        for token in tokens:
            if not verify_offline(token, trust, now=NOW).valid:
                raise AssertionError("a benchmark credential did not verify")
        full_rates.append(len(tokens) / (time.perf_counter() - start))
        start = time.perf_counter()
        for item in parsed:
            if not bare_verify(public_key, item.signing_input, item.signature):
                raise AssertionError("a benchmark signature did not verify")
        bare_rates.append(len(tokens) / (time.perf_counter() - start))
    full, bare = statistics.median(full_rates), statistics.median(bare_rates)
    ratio = statistics.median(f / b for f, b in zip(full_rates, bare_rates, strict=True))
    length = statistics.median(len(t) for t in tokens)
    return [
        Result(
            "certificates",
            f"verify a credential in-process (offline check, {length:.0f}-char JWS, "
            "3,000 distinct credentials, one core)",
            "—",
            f"{full:,.0f} /s (median of 5 rounds; best {max(full_rates):,.0f} /s)",
            "≥ 10,000 /s",
            full >= 10_000,
        ),
        Result(
            "certificates",
            f"the same, as a share of bare Ed25519 verification of the same bytes with {name}, "
            f"round by round (bare: median {bare:,.0f} /s, best {max(bare_rates):,.0f} /s)",
            "—",
            f"{ratio:.0%}",
            "≥ 50 %",
            ratio >= 0.5,
        ),
    ]


def _wrk(url: str, script: Path, seconds: int) -> tuple[float, int]:
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rate, int(errors.group(1)) if errors else 0


def _lua(path: Path, body: str, token: str | None = None) -> Path:
    lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    lines.append(f"wrk.body = [[{body}]]")
    path.write_text("\n".join(lines) + "\n")
    return path


def bench_http(database_url: str) -> tuple[list[Result], list[str]]:
    """Issue and verify through HTTP against a 2-worker server on PostgreSQL."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: `make bench` installs Debian's wrk package")
    work = Path(tempfile.mkdtemp(prefix="kpcs-bench-"))
    # Load from one address: the per-client limits would answer most of it with 429.
    env = os.environ | {
        "KPCS_DATABASE_URL": database_url,
        "KPCS_DATA_DIR": str(work / "data"),
        "KPCS_RATE_LIMITS": "false",
    }
    subprocess.run([*KPCS, "db", "upgrade"], env=env, check=True, capture_output=True)
    token = (
        subprocess.run(
            [*KPCS, "tokens", "create", "--participant", "BW", "--role", "authority"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    try:
        with served(env, workers=2) as (_pid, base):
            body = json.dumps(
                {
                    "exporting_country": "BW",
                    "importing_country": "BE",
                    "exporter": {"name": "Okavango Diamond Company", "address": "Plot 63016, Gaborone"},
                    "importer": {"name": "Antwerp Rough NV", "address": "Hoveniersstraat 2, Antwerpen"},
                    "parcel_count": 3,
                    "lines": [
                        {"hs_code": "7102.31", "origin": "BW", "carats": 1520.35, "value_usd": 310250.00},
                        {"hs_code": "7102.21", "origin": "mixed", "carats": 200, "value_usd": 5000.5},
                    ],
                }
            )
            issue = _lua(work / "issue.lua", body, token)
            _wrk(f"{base}/api/v1/certificates", issue, 3)  # warm-up: keys, caches, prepared statements
            issue_runs = [_wrk(f"{base}/api/v1/certificates", issue, 10) for _ in range(5)]
            issued = httpx.post(
                f"{base}/api/v1/certificates",
                content=body,
                timeout=10,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            credential = issued.json()["credential"]
            verify = _lua(work / "verify.lua", json.dumps({"credential": credential}))
            _wrk(f"{base}/api/v1/verify", verify, 3)
            verify_runs = [_wrk(f"{base}/api/v1/verify", verify, 10) for _ in range(5)]
            authorised = {"Authorization": f"Bearer {token}"}
            listed = httpx.get(f"{base}/api/v1/certificates?limit=1", timeout=10, headers=authorised)
            count = listed.status_code
    finally:
        shutil.rmtree(work, ignore_errors=True)
    issue_rate = statistics.median(rate for rate, _ in issue_runs)
    verify_rate = statistics.median(rate for rate, _ in verify_runs)
    issue_errors = sum(errors for _, errors in issue_runs)
    verify_errors = sum(errors for _, errors in verify_runs)
    runs = lambda values: ", ".join(f"{rate:,.0f}" for rate, _ in values)  # noqa: E731
    results = [
        Result(
            "certificates",
            "issue through `POST /api/v1/certificates` (signing, storing, auditing; one "
            "authority, 16 connections)",
            "PostgreSQL 15",
            f"{issue_rate:,.0f} /s (runs: {runs(issue_runs)}; {issue_errors} errors)",
            "≥ 200 /s on 2 cores",
            issue_rate >= 200 and issue_errors == 0,
        ),
        Result(
            "certificates",
            "verify through `POST /api/v1/verify` (signature, trust list, registry facts; 16 connections)",
            "PostgreSQL 15",
            f"{verify_rate:,.0f} /s (runs: {runs(verify_runs)}; {verify_errors} errors)",
            "≥ 1,000 /s on 2 cores",
            verify_rate >= 1000 and verify_errors == 0,
        ),
    ]
    notes = [f"HTTP check after the runs answered {count} (the server stayed healthy)."]
    return results, notes
