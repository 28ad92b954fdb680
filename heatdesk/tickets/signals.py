"""What tickets announce to the apps above them (which import this module, so the dependency shows).

`tickets_imported(days=set[date])`: historical tickets were written for these local days, inside the
import's transaction; receivers run in it (the reports day book unseals the days).
"""

from __future__ import annotations

from django.dispatch import Signal

tickets_imported = Signal()
