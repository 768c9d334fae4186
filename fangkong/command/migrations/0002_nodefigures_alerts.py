from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("command", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="nodefigures",
            name="alerts",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
