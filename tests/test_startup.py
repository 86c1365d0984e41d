"""Starting the service (issue #3): `tierpoints serve` refuses an unmigrated or empty database
and says what to run; `db migrate` and `packs sync` make it ready."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tierpoints.cli import main
from tierpoints.runtime import NotReady, build_runtime, database
from tierpoints.settings import Settings


def settings_for(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'fresh.sqlite'}",
                    production=False, secret="startup-test")


def cli(tmp_path, *args: str):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}", "TIERPOINTS_DATA": str(tmp_path)}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


async def start(settings: Settings):
    async with database(settings):
        return await build_runtime(settings)


def test_serve_refuses_an_unmigrated_database_then_an_empty_one_then_starts(tmp_path):
    import asyncio

    settings = settings_for(tmp_path)
    with pytest.raises(NotReady, match=r"migration\(s\) not applied: run `tierpoints db migrate` first"):
        asyncio.run(start(settings))

    migrated = cli(tmp_path, "db", "migrate")
    assert migrated.exit_code == 0 and "applied" in migrated.output
    assert "is up to date" in cli(tmp_path, "db", "migrate").output
    with pytest.raises(NotReady, match="holds no policy: run `tierpoints packs sync` first"):
        asyncio.run(start(settings))

    synced = cli(tmp_path, "packs", "sync")
    assert synced.exit_code == 0, synced.output
    assert "tenants added: hangzhou, ningbo, xiangshan, zhejiang" in synced.output
    runtime = asyncio.run(start(settings))
    assert sorted(runtime.catalog.tenants) == ["hangzhou", "ningbo", "xiangshan", "zhejiang"]
    assert [t.tenant for t in runtime.engine.score({}, at="xiangshan").tiers] == ["zhejiang", "ningbo", "xiangshan"]


def test_serve_command_names_what_to_run(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--port", "0"], env={
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}", "TIERPOINTS_DATA": str(tmp_path)})
    assert result.exit_code == 1
    assert "run `tierpoints db migrate` first" in result.output


def test_production_refuses_to_start_without_a_secret(tmp_path):
    result = CliRunner().invoke(main, ["db", "migrate"], env={
        "TIERPOINTS_ENV": "production", "TIERPOINTS_SECRET": "", "TIERPOINTS_DATA": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}"})
    assert result.exit_code == 1 and "TIERPOINTS_SECRET must be set in production" in result.output


def test_a_fixed_today_is_for_training_and_tests_only(tmp_path, monkeypatch):
    """TIERPOINTS_TODAY fixes the platform's day (clock.today), is checked, and production refuses it."""
    from tierpoints import clock

    base = {"TIERPOINTS_DATA": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}"}
    refused = CliRunner().invoke(main, ["db", "migrate"], env={
        **base, "TIERPOINTS_ENV": "production", "TIERPOINTS_SECRET": "s" * 40, "TIERPOINTS_TODAY": "2026-11-30"})
    assert refused.exit_code == 1 and "TIERPOINTS_TODAY fixes the date" in refused.output
    garbled = CliRunner().invoke(main, ["db", "migrate"], env={**base, "TIERPOINTS_TODAY": "30/11/2026"})
    assert garbled.exit_code == 1 and "TIERPOINTS_TODAY='30/11/2026': give a date as YYYY-MM-DD" in garbled.output
    monkeypatch.setenv("TIERPOINTS_TODAY", "2026-11-30")
    assert clock.today().isoformat() == "2026-11-30"
    monkeypatch.delenv("TIERPOINTS_TODAY")
    assert clock.today() == clock.dt.datetime.now(clock.CHINA).date()


def test_commands_on_an_unmigrated_database_say_what_to_run(tmp_path):
    """Bad state gets a clear error naming what to run, not a traceback."""
    for args in (("packs", "sync"), ("audit", "verify")):
        result = CliRunner().invoke(main, list(args), env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unmigrated.sqlite'}", "TIERPOINTS_DATA": str(tmp_path)})
        assert result.exit_code == 1, result.output
        assert "migration(s) not applied: run `tierpoints db migrate` first" in result.output


async def test_health_says_whether_the_instance_can_serve(platform):
    """Issue 8: a health endpoint for load balancers, without login."""
    response = await platform.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["tenants"] == 4
