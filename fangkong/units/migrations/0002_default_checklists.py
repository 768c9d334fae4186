from django.db import migrations


def seed(apps, schema_editor):
    from fangkong.units.defaults import seed_default_checklists

    seed_default_checklists(apps.get_model("units", "UnitChecklistItem"))


class Migration(migrations.Migration):

    dependencies = [("units", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
