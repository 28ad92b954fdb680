"""An alert level once per ticket, stage and cycle; an alert is closed when its cycle is met (no column)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("supervision", "0003_link_alerts_to_clock_cycles")]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="clock",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="alerts", to="tickets.slaclock"
            ),
        ),
        migrations.RemoveConstraint(model_name="alert", name="unique_alert_per_level"),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(
                fields=("ticket", "stage", "level", "cycle"), name="unique_alert_per_cycle"
            ),
        ),
        migrations.RemoveIndex(model_name="alert", name="sla_alert_station_open"),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(fields=["station_code", "raised_at"], name="supervision_alert_station"),
        ),
        migrations.RemoveField(model_name="alert", name="closed_at"),
    ]
