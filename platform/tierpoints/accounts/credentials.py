"""Passwords (argon2id) and bearer tokens (JWT, HS256)."""

from __future__ import annotations

import datetime as dt

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's recommended costs
ALGORITHM = "HS256"
MIN_PASSWORD = 10


class InvalidToken(Exception):
    pass


def use_test_hashing() -> None:
    """argon2id with minimal costs, for test suites that create many accounts."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(username: str, secret: str, minutes: int) -> tuple[str, int]:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": username, "iat": now, "exp": now + dt.timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM), minutes * 60


def token_subject(token: str, secret: str) -> str:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError:
        raise InvalidToken("the token has expired; log in again") from None
    except jwt.PyJWTError:
        raise InvalidToken("the token is not valid") from None
    return str(claims["sub"])
