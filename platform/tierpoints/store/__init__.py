"""Storage: piccolo tables, migrations, and the choice of engine (SQLite or PostgreSQL)."""

import os

os.environ.setdefault("PICCOLO_CONF", "tierpoints.store.piccolo_conf")
