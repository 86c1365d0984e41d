"""Fill ranking_version.refused_count for the versions stored before it was kept (the previous
migration adds the column; piccolo runs a migration's raw steps before its new columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-28T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "backfill ranking_version.refused_count"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tierpoints", description=DESCRIPTION)

    async def backfill():
        import msgspec
        from piccolo.querystring import QueryString

        from tierpoints.store import piccolo_conf

        for row in await piccolo_conf.DB.run_querystring(QueryString("SELECT id, refused FROM ranking_version")):
            count = len(msgspec.json.decode(row["refused"]))
            await piccolo_conf.DB.run_querystring(
                QueryString("UPDATE ranking_version SET refused_count = {} WHERE id = {}", count, row["id"]))

    manager.add_raw(backfill)
    return manager
