"""Write the database's policy back as pack files, so published policy stays reviewable as code.

A file whose data already equals the database's is left alone: exporting into tenants/
keeps the hand-written files (and their comments) and adds only what was published since.
Keys keep the documents' own order, so the output is stable and `packs sync` compares equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import yaml

from tierpoints.packs.sources import INDICATORS, MANIFEST, ROLES, SERVICES, WORKFLOW
from tierpoints.packs.yaml_source import PackLoader
from tierpoints.store.policy import PUBLISHED_STATES
from tierpoints.store.tables import IndicatorSetVersion as V
from tierpoints.store.tables import TenantRecord


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_database: list[str] = field(default_factory=list)  # indicator files in DIR the database lacks


def to_yaml(data: Any, header: str) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
    return f"# {header}\n{body}"


def _same_data(path: Path, data: Any) -> bool:
    if not path.exists():
        return False
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=PackLoader) == data
    except yaml.YAMLError:
        return False


def _write(path: Path, data: Any, header: str, report: ExportReport) -> None:
    if _same_data(path, data):
        report.unchanged.append(str(path))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_yaml(data, header), encoding="utf-8")
    report.written.append(str(path))


async def export_packs(directory: Path) -> ExportReport:
    """tenant.yaml, roles.yaml (when the tenant declares roles) and indicators/<date>.yaml for
    every published or superseded version; drafts are not policy and stay in the database."""
    report = ExportReport()
    versions = await V.select(V.tenant, V.effective_from, V.status, V.content).where(
        V.status.is_in(list(PUBLISHED_STATES))).order_by(V.tenant, V.effective_from).run()
    for tenant in await TenantRecord.select().order_by(TenantRecord.code).run():
        code, pack = tenant["code"], directory / tenant["code"]
        source = "exported from the Tierpoints database (tierpoints packs export)"
        _write(pack / MANIFEST, msgspec.json.decode(tenant["manifest"]), f"{code}: manifest, {source}",
               report)
        if tenant["roles"] is not None:
            _write(pack / ROLES, msgspec.json.decode(tenant["roles"]), f"{code}: roles, {source}", report)
        if tenant["workflow"] is not None:
            _write(pack / WORKFLOW, msgspec.json.decode(tenant["workflow"]),
                   f"{code}: workflow numbers, {source}", report)
        if tenant["services"] is not None:
            _write(pack / SERVICES, msgspec.json.decode(tenant["services"]),
                   f"{code}: services and tie-break keys, {source}", report)
        exported = set()
        for version in (v for v in versions if v["tenant"] == code):
            date = version["effective_from"].isoformat()
            exported.add(date)
            _write(pack / INDICATORS / f"{date}.yaml", msgspec.json.decode(version["content"]),
                   f"{code}: indicator set in force from {date} ({version['status']}), {source}", report)
        folder = pack / INDICATORS
        report.not_in_database += [str(f) for f in sorted(folder.glob("*.yaml")) if f.stem not in exported]
    return report
