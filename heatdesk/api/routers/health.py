from typing import Literal

from django.db import connection
from ninja import Field, Router, Schema, Status

router = Router(tags=["health"])


class HealthOut(Schema):
    status: Literal["ok", "unavailable"]
    database: str = Field(description="the database vendor: sqlite or postgresql")


@router.get("/health", auth=None, response={200: HealthOut, 503: HealthOut})
def health(request):
    """Liveness and database reachability, for load balancers and the demo's smoke test."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready", never a 500
        return Status(503, {"status": "unavailable", "database": connection.vendor})
    return Status(200, {"status": "ok", "database": connection.vendor})
