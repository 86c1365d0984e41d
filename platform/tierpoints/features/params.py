"""Parameters every controller declares the same way."""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import PathParameter

from tierpoints.features.auth import Actor
from tierpoints.runtime import Runtime

TenantId = Annotated[str, PathParameter(description="A tenant id, e.g. xiangshan.")]
RuntimeDep = NamedDependency[Runtime]
ActorDep = NamedDependency[Actor]
