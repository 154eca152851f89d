"""Broker connections store their own encrypted keys and choose a known endpoint (step 1 of 3: add the fields)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("brokers", "0003_brokerconnection"),
    ]

    operations = [
        migrations.AddField(
            model_name="brokerconnection",
            name="api_key_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="brokerconnection",
            name="secret_key_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="brokerconnection",
            name="environment",
            field=models.CharField(
                choices=[("paper", "Paper trading"), ("live", "Live trading")], default="paper", max_length=10
            ),
        ),
    ]
