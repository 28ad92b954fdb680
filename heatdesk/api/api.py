"""The one NinjaAPI under /api/v1; each bounded context brings its router."""

from __future__ import annotations

from heatdesk.api.auth import AUTH
from heatdesk.api.errors import DocumentedErrorsAPI, install_error_handlers
from heatdesk.api.renderers import RENDERER
from heatdesk.api.routers import accounts, channels, geo, health, incidents, reports, sla, supervision, tickets

api = DocumentedErrorsAPI(
    title="Heatdesk API",
    version="1",
    description="供热专席工单系统接口 / work-order API of the 12345 heating service desk",
    auth=AUTH,
    urls_namespace="api",
    renderer=RENDERER,
)
install_error_handlers(api)
api.add_router("", health.router)
api.add_router("", accounts.router)
api.add_router("/geo", geo.router)
api.add_router(
    "/tickets", "heatdesk.api.routers.sms.router"
)  # before tickets: its POST /{number}/{action} would shadow GET /{number}/sms
api.add_router("/tickets", tickets.router)
api.add_router("/sla", sla.router)
api.add_router("/supervision", supervision.router)
api.add_router("/reports", reports.router)
api.add_router("/channels", channels.router)
api.add_router("/incidents", incidents.router)
api.add_router("/audit", "heatdesk.api.routers.audit.router")
api.add_router("/community", "heatdesk.api.routers.community.router")
