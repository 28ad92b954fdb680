"""An alert names the clock cycle that raised it (filled in by the next migration)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_take_over_sla_alerts"),
        ("tickets", "0004_clock_cycles"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="cycle",
            field=models.PositiveIntegerField(default=1, verbose_name="轮次"),
        ),
        migrations.AddField(
            model_name="alert",
            name="clock",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="alerts",
                to="tickets.slaclock",
            ),
        ),
    ]
