"""Where the platform finds its packs and schemas.

The packs (`tenants/`) and the contract (`policy_schemas/`) live at the repository
root, beside `platform/`; `TIERPOINTS_HOME` points elsewhere (e.g. a deployment's copy).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_home() -> Path:
    configured = os.environ.get("TIERPOINTS_HOME")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2]


def tenants_dir() -> Path:
    return project_home() / "tenants"


def schemas_dir() -> Path:
    return project_home() / "policy_schemas"
