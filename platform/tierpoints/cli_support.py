"""What every database-backed command needs: settings, and the database active while it runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from tierpoints.runtime import database
from tierpoints.settings import Settings, SettingsError
from tierpoints.store import db
from tierpoints.store.db import DatabaseError

T = TypeVar("T")


def settings_or_exit() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def run_with_database(work: Callable[[Settings], Awaitable[T]], migrated: bool = True) -> T:
    """Run `work(settings)` with the configured database active (and, unless `migrated` is
    False, fully migrated: else say what to run); errors become messages."""
    settings = settings_or_exit()

    async def run() -> T:
        async with database(settings):
            if migrated and (pending := await db.pending_migrations()):
                raise click.ClickException(f"the database has {len(pending)} migration(s) not applied: "
                                           "run `tierpoints db migrate` first")
            return await work(settings)

    try:
        return asyncio.run(run())
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    except (OSError, ConnectionError) as error:
        raise click.ClickException(f"cannot reach the database: {error}") from None
