"""Settings for kpcs, read from ``KPCS_*`` environment variables.

Settings are a value: nothing here touches the disk or the network at import time.
Call :func:`get_settings` where a component needs them; tests build ``Settings(...)``
directly and hand it to ``create_app`` or the CLI.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kpcs.signing.domain import KeyStorage

if TYPE_CHECKING:
    from kpcs.signing.pkcs11 import Pkcs11Config


class Environment(StrEnum):
    """Where this instance runs; production refuses demo data unless forced."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting of one kpcs instance (see the README for the full table)."""

    model_config = SettingsConfigDict(env_prefix="KPCS_", extra="ignore")

    data_dir: Path = Field(
        default=Path("./var"),
        description="Where the embedded database, signing keys and uploaded files live.",
    )
    database_url: str | None = Field(
        default=None,
        description="Any SQLAlchemy URL; defaults to SQLite in data_dir.",
    )
    environment: Environment = Environment.DEVELOPMENT
    node: str = Field(default="hub", description="`hub` or the participant code of a node.")
    hub_url: str | None = Field(
        default=None, description="A national node's hub, e.g. https://hub.example.org (nodes only)."
    )
    enrollment_token: str | None = Field(
        default=None, description="The one-time token from `kpcs nodes enroll` on the hub (nodes only)."
    )
    smtp_url: str | None = Field(
        default=None,
        description="Where notifications are e-mailed: smtp://host:port or smtps://user:pass@host:port; "
        "none: they stay in the app's inbox.",
    )
    mail_from: str = Field(default="kpcs@localhost", description="The From address of notification e-mails.")
    deadline_sweep: bool = Field(
        default=True,
        description="`kpcs serve` announces deadlines due within seven days at start-up and daily "
        "(as `kpcs notifications deadlines` does); `false` where cron runs that command instead.",
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 14)
    threads: int = Field(
        default=2, ge=1, le=200, description="threads per web worker for database-bound requests"
    )
    cookie_secure: bool = Field(
        default=False,
        description="Always mark the session cookie Secure (it is anyway on requests that came over HTTPS).",
    )
    trust_proxy: bool = Field(
        default=False,
        description="Served behind a reverse proxy: take the client's address from the last "
        "X-Forwarded-For entry and the scheme from X-Forwarded-Proto. Only set it when clients "
        "cannot reach kpcs but through that proxy, or they can claim any address.",
    )
    rate_limits: bool = Field(
        default=True,
        description="Per-client limits on sign-in and the public endpoints that cost work; "
        "`false` for load tests. Counted in each worker process.",
    )
    rate_limit_public: int = Field(
        default=120,
        ge=1,
        le=1_000_000,
        description="Requests a minute one client may make to verification and the log (bursts up to it).",
    )
    rate_limit_sign_in: int = Field(
        default=10, ge=1, le=1_000_000, description="Sign-in attempts a minute from one client."
    )
    key_store: KeyStorage = Field(
        default=KeyStorage.FILE,
        description="Where new signing keys are made: `file` (data_dir/keys) or `pkcs11` (a hardware token).",
    )
    pkcs11_module: Path | None = Field(
        default=None, description="The PKCS#11 library of the module, e.g. /usr/lib/softhsm/libsofthsm2.so."
    )
    pkcs11_token: str | None = Field(default=None, description="The label of the token holding kpcs's keys.")
    pkcs11_pin: SecretStr | None = Field(default=None, description="The token's user PIN.")
    pkcs11_pin_file: Path | None = Field(
        default=None, description="A file whose first line is the user PIN (instead of KPCS_PKCS11_PIN)."
    )

    @field_validator("node")
    @classmethod
    def _node_is_hub_or_code(cls, value: str) -> str:
        if value != "hub" and not (value.isalpha() and value.isupper() and len(value) == 2):
            raise ValueError("KPCS_NODE must be 'hub' or a participant code such as 'BW' or 'EU'")
        return value

    @model_validator(mode="after")
    def _pkcs11_complete(self) -> Self:
        if self.key_store is KeyStorage.PKCS11 and self.pkcs11_module is None:
            raise ValueError("KPCS_KEY_STORE=pkcs11 needs KPCS_PKCS11_MODULE (the module's PKCS#11 library)")
        if self.pkcs11_module is not None:
            if not self.pkcs11_token:
                raise ValueError("KPCS_PKCS11_MODULE needs KPCS_PKCS11_TOKEN (the token's label)")
            if self.pkcs11_pin is None and self.pkcs11_pin_file is None:
                raise ValueError("KPCS_PKCS11_MODULE needs KPCS_PKCS11_PIN or KPCS_PKCS11_PIN_FILE")
        return self

    def pkcs11_config(self) -> Pkcs11Config:
        """How to reach the PKCS#11 token (only when ``pkcs11_module`` is set)."""
        from kpcs.signing.pkcs11 import Pkcs11Config

        assert self.pkcs11_module is not None and self.pkcs11_token is not None
        return Pkcs11Config(
            module=self.pkcs11_module,
            token_label=self.pkcs11_token,
            pin=self.pkcs11_pin.get_secret_value() if self.pkcs11_pin is not None else None,
            pin_file=self.pkcs11_pin_file,
        )

    @property
    def is_node(self) -> bool:
        """True for a participant's national node, False for the hub."""
        return self.node != "hub"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL in effect: the configured one, or SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kpcs.db').as_posix()}"

    def ensure_data_dir(self) -> Path:
        """Create the data directory (mode 0700) on first need and return it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        return self.data_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
