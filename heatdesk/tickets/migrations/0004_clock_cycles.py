"""A clock row per cycle of a stage (a restart starts the next cycle), and the ladder's next level on the clock."""

from django.db import migrations, models


def next_level_fill(apps, schema_editor):
    """Running clocks: the level their next threshold belongs to (warning at warn_at, overdue at due_at,
    else escalated); met or fully escalated clocks have none."""
    clock = apps.get_model("tickets", "SlaClock")
    running = clock.objects.filter(next_threshold_at__isnull=False)
    running.filter(next_threshold_at=models.F("warn_at")).update(next_level="warning")
    running.filter(next_level="", next_threshold_at=models.F("due_at")).update(next_level="overdue")
    running.filter(next_level="").update(next_level="escalated")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_take_over_sla_clocks")]

    operations = [
        migrations.AddField(
            model_name="slaclock",
            name="cycle",
            field=models.PositiveIntegerField(default=1, verbose_name="轮次"),
        ),
        migrations.AddField(
            model_name="slaclock",
            name="next_level",
            field=models.CharField(
                blank=True,
                choices=[("warning", "预警"), ("overdue", "超时"), ("escalated", "升级")],
                default="",
                max_length=10,
                verbose_name="下一级别",
            ),
        ),
        migrations.RemoveConstraint(model_name="slaclock", name="unique_clock_per_stage"),
        migrations.AddConstraint(
            model_name="slaclock",
            constraint=models.UniqueConstraint(fields=("ticket", "stage", "cycle"), name="unique_clock_per_cycle"),
        ),
        migrations.RunPython(next_level_fill, migrations.RunPython.noop),
    ]
