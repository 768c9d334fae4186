from django.db import migrations


def seed(apps, schema_editor):
    from fangkong.supervision.defaults import seed_default_checklists

    seed_default_checklists(apps.get_model("supervision", "Checklist"), apps.get_model("supervision", "ChecklistItem"))


class Migration(migrations.Migration):

    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
