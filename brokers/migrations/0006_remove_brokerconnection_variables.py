"""Step 3 of 3: drop the fields that named environment variables, and the paper flag ``environment`` replaces."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("brokers", "0005_brokerconnection_needs_credentials"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="brokerconnection",
            name="api_key_variable",
        ),
        migrations.RemoveField(
            model_name="brokerconnection",
            name="secret_key_variable",
        ),
        migrations.RemoveField(
            model_name="brokerconnection",
            name="paper",
        ),
        migrations.AlterField(
            model_name="brokerconnection",
            name="base_url",
            field=models.URLField(
                blank=True,
                help_text="Platform operators only: a test server instead of the broker.",
                verbose_name="test server URL",
            ),
        ),
    ]
