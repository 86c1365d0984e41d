"""Piccolo's settings module. DB is replaced by store.db.activate() before any query."""

from piccolo.conf.apps import AppRegistry

from tierpoints.settings import Settings
from tierpoints.store.db import engine_for

DB = engine_for(Settings.from_env().database_url)
APP_REGISTRY = AppRegistry(apps=["tierpoints.store.piccolo_app"])
