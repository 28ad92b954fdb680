"""The alerts move from sla to supervision (state only: the table sla_alert and its rows stay)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("tickets", "0003_take_over_sla_clocks"),
        ("sla", "0005_index_running_clocks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Alert",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("stage", models.CharField(choices=[("dispatch", "派单"), ("response", "响应"), ("resolution", "处置"), ("callback", "回访")], max_length=12, verbose_name="环节")),
                        ("level", models.CharField(choices=[("warning", "预警"), ("overdue", "超时"), ("escalated", "升级")], max_length=10, verbose_name="级别")),
                        ("station_code", models.CharField(blank=True, default="", max_length=40, verbose_name="供暖所")),
                        ("company_code", models.CharField(blank=True, default="", max_length=40, verbose_name="供热企业")),
                        ("threshold_at", models.DateTimeField(verbose_name="阈值时间")),
                        ("raised_at", models.DateTimeField(db_index=True, verbose_name="触发时间")),
                        ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="关闭时间")),
                        ("ticket", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sla_alerts", to="tickets.ticket")),
                    ],
                    options={
                        "db_table": "sla_alert",
                        "verbose_name": "督办提醒",
                        "verbose_name_plural": "督办提醒",
                        "ordering": ["-raised_at"],
                        "indexes": [models.Index(fields=["station_code", "closed_at"], name="sla_alert_station_open")],
                        "constraints": [models.UniqueConstraint(fields=("ticket", "stage", "level"), name="unique_alert_per_level")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
