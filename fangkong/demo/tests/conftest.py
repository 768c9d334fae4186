from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from fangkong.demo.city import demo_counts, wipe_demo
from fangkong.demo.models import DemoBuild


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One tiny city for the whole module (building it is the slow part); wiped afterwards, or if it fails."""
    from conftest import reference_data_restore

    with django_db_blocker.unblock():
        # A live-server test run earlier in this worker empties the database, presets included.
        reference_data_restore()
        out = StringIO()
        try:
            call_command("demo", "--size", "tiny", "--no-serve", stdout=out)
        except BaseException:
            wipe_demo()
            raise
        build = DemoBuild.objects.get()
        yield SimpleNamespace(output=out.getvalue(), city=build.city, counts=demo_counts(build.city))
        wipe_demo()
