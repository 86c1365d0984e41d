"""ranking_entry's indexes (a page by position, one's own entry by applicant or by whose points
rank it) and its rows for the versions stored before it was kept (the previous migration adds
the table; piccolo runs a migration's raw steps before its new tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T03:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ranking_entry: indexes, and the entries of the versions stored before"

INDEXES = {
    "ranking_entry_version_position": "UNIQUE INDEX IF NOT EXISTS ranking_entry_version_position "
                                      "ON ranking_entry (version, position)",
    "ranking_entry_version_applicant": "INDEX IF NOT EXISTS ranking_entry_version_applicant "
                                       "ON ranking_entry (version, applicant)",
    "ranking_entry_version_points_of": "INDEX IF NOT EXISTS ranking_entry_version_points_of "
                                       "ON ranking_entry (version, points_of)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tierpoints", description=DESCRIPTION)

    async def create_and_fill():
        from piccolo.querystring import QueryString

        from tierpoints.rounds.ranking import Ranking
        from tierpoints.store import piccolo_conf
        from tierpoints.store.entries import store_entries
        from tierpoints.store.transactions import write_transaction

        for target in INDEXES.values():
            await piccolo_conf.DB.run_ddl(f"CREATE {target}")
        versions = await piccolo_conf.DB.run_querystring(QueryString(
            "SELECT v.id FROM ranking_version v WHERE NOT EXISTS "
            "(SELECT 1 FROM ranking_entry e WHERE e.version = v.id) ORDER BY v.id"))
        for version in versions:
            row = (await piccolo_conf.DB.run_querystring(QueryString(
                "SELECT content_hash, document FROM ranking_version WHERE id = {}", version["id"])))[0]
            ranking = Ranking.from_document(row["document"].encode(), expected_hash=row["content_hash"])
            async with write_transaction():
                await store_entries(version["id"], ranking)

    async def drop():
        from tierpoints.store import piccolo_conf

        for name in INDEXES:
            await piccolo_conf.DB.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_and_fill)
    manager.add_raw_backwards(drop)
    return manager
