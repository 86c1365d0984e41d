"""The piccolo app that owns the platform's tables and migrations."""

import os

from piccolo.conf.apps import AppConfig

from tierpoints.store.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="tierpoints",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
