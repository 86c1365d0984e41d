"""What every database-backed command needs: settings, and the database active while it runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from tierpoints.authz import PermissionDenied
from tierpoints.features.applications.errors import ApplicationError
from tierpoints.packs.catalog import UnknownTenant
from tierpoints.runtime import NotReady, Runtime, build_runtime, database
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


AS = click.option("--as", "username", required=True, help="The account acting (its roles are checked).")


def run_with_runtime(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run `work(runtime)` over the configured, migrated and seeded database, as a use case acting
    for an account (`--as`): refusals (permission, state, bad data) become messages."""
    async def run(settings: Settings) -> T:
        try:
            runtime = await build_runtime(settings)
        except NotReady as error:
            raise click.ClickException(str(error)) from None
        return await work(runtime)

    try:
        return run_with_database(run)
    except ApplicationError as error:
        raise click.ClickException(error.detail) from None
    except (PermissionDenied, UnknownTenant) as error:
        raise click.ClickException(str(error)) from None

