"""Step 2 of 3: every existing connection needs its keys entered; none is read from the environment.

The rows named environment variables. Reading those variables here would repeat the vulnerability this change
removes (a row could name SECRET_KEY), so the connections are disabled with a message asking for the keys.
A test server URL a firm admin could set is cleared: only a superuser may set one now.
"""

from django.db import migrations

NEEDS_CREDENTIALS = (
    "Enter the API key and secret key, then enable the connection: keys are no longer read from environment variables."
)


def connections_need_credentials(apps, schema_editor):
    BrokerConnection = apps.get_model("brokers", "BrokerConnection")
    BrokerConnection.objects.filter(paper=False).update(environment="live")
    BrokerConnection.objects.update(
        enabled=False, base_url="", last_checked_at=None, last_check_ok=None, last_check_message=NEEDS_CREDENTIALS
    )


def connections_paper_flag(apps, schema_editor):
    BrokerConnection = apps.get_model("brokers", "BrokerConnection")
    BrokerConnection.objects.filter(environment="live").update(paper=False)


class Migration(migrations.Migration):
    dependencies = [
        ("brokers", "0004_brokerconnection_encrypted_credentials"),
    ]

    operations = [
        migrations.RunPython(connections_need_credentials, connections_paper_flag),
    ]
