"""Platform settings, from the environment (documented in the README).

TIERPOINTS_DATA      data directory (default: data/ beside the packs); the SQLite file lives here
DATABASE_URL         sqlite:///path/to/file.sqlite or postgresql://user:password@host:port/db
TIERPOINTS_ENV       development (default) or production
TIERPOINTS_SECRET    signs tokens and keys identity-number lookups; required in production,
                     generated once into the data directory in development
TIERPOINTS_TODAY     YYYY-MM-DD: a fixed "today" for training and test set-ups (not in production)
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from tierpoints import paths


class SettingsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    production: bool
    secret: str
    token_minutes: int = 60
    replica_url: str | None = None  # a PostgreSQL read replica for the public pages

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("TIERPOINTS_DATA") or paths.project_home() / "data")
        production = os.environ.get("TIERPOINTS_ENV", "development") == "production"
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'tierpoints.sqlite'}"
        secret = os.environ.get("TIERPOINTS_SECRET", "")
        if not secret:
            if production:
                raise SettingsError("TIERPOINTS_SECRET must be set in production (a long random string)")
            secret = _development_secret(data_dir)
        fixed_today = os.environ.get("TIERPOINTS_TODAY")
        if fixed_today:
            if production:
                raise SettingsError("TIERPOINTS_TODAY fixes the date for training and tests: unset it in production")
            try:
                dt.date.fromisoformat(fixed_today)
            except ValueError:
                raise SettingsError(f"TIERPOINTS_TODAY={fixed_today!r}: give a date as YYYY-MM-DD") from None
        replica = os.environ.get("DATABASE_REPLICA_URL") or None
        return cls(data_dir=data_dir, database_url=url, production=production, secret=secret, replica_url=replica)


def _development_secret(data_dir: Path) -> str:
    """A per-checkout secret kept in the data directory, so tokens survive restarts."""
    path = data_dir / "development-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
