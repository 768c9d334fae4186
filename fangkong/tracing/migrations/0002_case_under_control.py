from django.db import migrations, models

CONFINING = {"home_isolation", "central_isolation", "observation", "hospital"}


def fill(apps, schema_editor):
    """Cases opened before the field: under control if their status history says so at the sampling time."""
    Case = apps.get_model("tracing", "Case")
    StatusChange = apps.get_model("people", "StatusChange")
    for case in Case.objects.all().iterator():
        before = (StatusChange.objects.filter(person_id=case.person_id, at__lte=case.first_positive_at)
                  .order_by("-at", "-id").values_list("to_status", flat=True).first())
        if before in CONFINING:
            Case.objects.filter(pk=case.pk).update(under_control=True)


class Migration(migrations.Migration):

    dependencies = [
        ("tracing", "0001_initial"),
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="under_control",
            field=models.BooleanField(default=False, verbose_name="found under control"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
