"""The incidents' step of the background worker loop (composed by the `heatdesk worker` command)."""

from __future__ import annotations

from heatdesk.incidents.burst import incidents_burst_check


def incidents_worker_step() -> bool:
    """Check for bursts of calls behind a substation; never reports more work waiting (one pass suffices)."""
    incidents_burst_check()
    return False
