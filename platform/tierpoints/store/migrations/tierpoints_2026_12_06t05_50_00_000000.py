"""applicant.name_masked for the applicants stored before it was kept, and an index a round's read
of the ranking basis in force on a date is answered from (applicant, as_of, determination)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T05:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "applicant.name_masked of the applicants stored before; ranking_basis (applicant, as_of, determination)"

INDEX = "ranking_basis_applicant_as_of"
BATCH = 10_000


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tierpoints", description=DESCRIPTION)

    async def fill():
        from piccolo.querystring import QueryString

        from tierpoints.features.applicants.identity import mask_name
        from tierpoints.store import piccolo_conf
        from tierpoints.store.tables import Applicant
        from tierpoints.store.transactions import write_transaction

        await piccolo_conf.DB.run_ddl(f"CREATE INDEX IF NOT EXISTS {INDEX} "
                                      "ON ranking_basis (applicant, as_of, determination)")
        last = 0
        while rows := await piccolo_conf.DB.run_querystring(QueryString(
                "SELECT id, name FROM applicant WHERE name_masked IS NULL AND id > {} ORDER BY id LIMIT {}",
                last, BATCH)):
            async with write_transaction():
                for row in rows:
                    await Applicant.update({Applicant.name_masked: mask_name(row["name"])}).where(
                        Applicant.id == row["id"]).run()
            last = rows[-1]["id"]

    async def drop():
        from tierpoints.store import piccolo_conf

        await piccolo_conf.DB.run_ddl(f"DROP INDEX IF EXISTS {INDEX}")

    manager.add_raw(fill)
    manager.add_raw_backwards(drop)
    return manager
