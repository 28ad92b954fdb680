"""Link every stored alert to its clock cycle.

Before cycles a stage had one clock row, restarted in place, and an alert was closed with the meeting
of its stage (closed_at == the clock's met_at). Alerts closed at another time belong to an earlier run
of the stage: they get a met clock of their own (cycle 1) and the current run becomes cycle 2, whose
ladder starts again at the warning if it still runs (a redone ticket warns again).
"""

from types import SimpleNamespace

from django.db import migrations, models


def _history_clock(clock_model, clock, older):
    raised = {alert.level: alert.threshold_at for alert in older}
    first = min(alert.raised_at for alert in older)
    return clock_model.objects.create(
        ticket_id=clock.ticket_id,
        stage=clock.stage,
        cycle=1,
        urgency=clock.urgency,
        station_code=older[0].station_code,
        company_code=older[0].company_code,
        started_at=min(first, raised.get("warning", first)),
        warn_at=raised.get("warning", first),
        due_at=raised.get("overdue", raised.get("warning", first)),
        met_at=max(alert.closed_at for alert in older),
    )


def link(apps, schema_editor):
    alert_model = apps.get_model("supervision", "Alert")
    clock_model = apps.get_model("tickets", "SlaClock")
    runs: dict[tuple[int, str], list] = {}
    for alert in alert_model.objects.filter(clock__isnull=True).order_by("id"):
        runs.setdefault((alert.ticket_id, alert.stage), []).append(alert)
    for (ticket_id, stage), alerts in runs.items():
        clock = clock_model.objects.filter(ticket_id=ticket_id, stage=stage).order_by("-cycle").first()
        if clock is None:  # cannot happen (an alert needs a clock), but never lose the alert
            orphan = SimpleNamespace(ticket_id=ticket_id, stage=stage, urgency="normal")
            clock = _history_clock(clock_model, orphan, alerts)
        older = [a for a in alerts if a.closed_at is not None and a.closed_at != clock.met_at]
        current = [a for a in alerts if a not in older]
        if older:
            clock_model.objects.filter(id=clock.id).update(cycle=2)
            running = clock_model.objects.filter(id=clock.id, met_at__isnull=True)
            running.update(next_level="warning", next_threshold_at=models.F("warn_at"))
            history = _history_clock(clock_model, clock, older)
            alert_model.objects.filter(id__in=[a.id for a in older]).update(clock=history, cycle=1)
            alert_model.objects.filter(id__in=[a.id for a in current]).update(clock=clock, cycle=2)
        else:
            alert_model.objects.filter(id__in=[a.id for a in current]).update(clock=clock, cycle=clock.cycle)


def unlink(apps, schema_editor):
    apps.get_model("supervision", "Alert").objects.update(clock=None)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_add_alert_cycle_and_clock")]

    operations = [migrations.RunPython(link, unlink)]
