"""sla keeps only the policy: its clocks now belong to tickets, its alerts to supervision (state only)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0005_index_running_clocks"),
        ("tickets", "0003_take_over_sla_clocks"),
        ("supervision", "0001_take_over_sla_alerts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Alert"), migrations.DeleteModel(name="SlaClock")],
            database_operations=[],
        ),
    ]
