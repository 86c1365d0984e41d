"""Guards for the fixed layout (issue #2: platform/ has no __init__.py)."""

from __future__ import annotations

import platform as stdlib_platform
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_folder_does_not_shadow_the_standard_library():
    assert not (ROOT / "platform" / "__init__.py").exists()
    assert callable(stdlib_platform.system)


def test_packs_hold_no_python():
    assert not list((ROOT / "tenants").rglob("*.py"))
