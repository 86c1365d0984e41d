"""residence_permit.changed_on for the permits stored before it was kept: the latest day of
their events, where every event has its day (else left NULL: a round reads those events)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T05:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "residence_permit.changed_on of the permits stored before"

BACKFILL = (
    "UPDATE residence_permit SET changed_on = "
    "(SELECT MAX(e.day) FROM permit_event e WHERE e.permit = residence_permit.id) "
    "WHERE changed_on IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM permit_event e WHERE e.permit = residence_permit.id AND e.day IS NULL)"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tierpoints", description=DESCRIPTION)

    async def fill():
        from tierpoints.store import piccolo_conf

        await piccolo_conf.DB.run_ddl(BACKFILL)

    manager.add_raw(fill)
    return manager
