"""Publicity (public, §19: rankings are made public): the rounds in publicity and after, each
ranking masked and paginated, one's own entry found by acceptance number, and a chart of the
points with the quota line."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from tierpoints.features.params import ActorDep, RuntimeDep
from tierpoints.features.rounds import service as rounds
from tierpoints.features.rounds.distribution import points_distribution
from tierpoints.web import charts
from tierpoints.web.access import TIER_ORDER
from tierpoints.web.i18n import language, translator
from tierpoints.web.templating import page

PAGE_SIZE = 20
Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


class PublicityPages(Controller):
    path = "/publicity"

    @get("/", name="publicity")
    async def rounds_list(self, request: Request, runtime: RuntimeDep, actor: ActorDep) -> Template:
        catalog = runtime.catalog
        found = []
        for tenant in sorted(catalog.tenants, key=lambda t: (TIER_ORDER[catalog.tenants[t].tier], t)):
            found += [r for r in await rounds.listed(runtime, actor, tenant) if r.status in rounds.PUBLISHED]
        found.sort(key=lambda r: (r.status != rounds.PUBLICITY, -r.id))  # in publicity first, newest first
        return page(request, "publicity.html", rounds=found, manifests=catalog.tenants)

    @get("/rounds/{round_id:int}")
    async def ranking(
        self, request: Request, round_id: Id, runtime: RuntimeDep, actor: ActorDep,
        page_number: Annotated[int, QueryParameter(name="page", ge=1, le=1_000_000)] = 1,
        acceptance_number: Annotated[str | None, QueryParameter(name="q", max_length=64)] = None,
    ) -> Template:
        view = await rounds.read(runtime, actor, round_id)  # published rounds are public
        search = (acceptance_number or "").strip() or None
        ranking = await rounds.ranking_page(runtime, actor, round_id, None, (page_number - 1) * PAGE_SIZE,
                                            PAGE_SIZE, search)
        distribution = await points_distribution(runtime, actor, round_id)
        t = translator(language(request))
        chart = charts.distribution_svg(distribution, t)
        pages = max(1, -(-ranking.total_entries // PAGE_SIZE))
        return page(request, "ranking.html", round=view, ranking=ranking, chart=chart, search=search or "",
                    page_number=page_number, pages=pages, manifests=runtime.catalog.tenants,
                    distribution=distribution)
