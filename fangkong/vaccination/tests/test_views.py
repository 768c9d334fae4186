"""The pages of vaccination as an officer, a grid worker and an officer of the other district see them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_user
from fangkong.accounts.models import AccessLog
from fangkong.accounts.roles import Role
from fangkong.command.snapshot import snapshot_take
from fangkong.vaccination.imports import doses_import
from fangkong.vaccination.models import Dose, DoseImport, Product
from fangkong.vaccination.tests.conftest import QIAN_ID, ZHAO_ID, csv_bytes

pytestmark = pytest.mark.django_db
COLLECTORS = ["fangkong.command.figures.people.collect", "fangkong.command.figures.vaccination.collect"]


@pytest.fixture
def snapshot(monkeypatch, settings):
    settings.COMMAND_RAISE_COLLECTOR_ERRORS = True
    monkeypatch.setattr("fangkong.command.snapshot.COLLECTORS", COLLECTORS)
    return lambda: snapshot_take()


def _upload(client, data: bytes, name="doses.csv"):
    return client.post(reverse("vaccination:import"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_an_officer_imports_a_file_and_reads_the_report_with_masked_ids(client, officer_a, residents_a):
    client.force_login(officer_a)
    response = _upload(client, csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城",
                                         f"{QIAN_ID},钱小姐,科兴,1,2021-06-01,东城"))
    record = DoseImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("vaccination:import_detail",
                                                                    kwargs={"dose_import_id": record.pk})
    page = client.get(response.url).content.decode()
    assert 'data-created="1"' in page and 'data-line="3"' in page
    assert QIAN_ID not in page and QIAN_ID[-4:] in page


def test_the_rejected_rows_download_as_they_were_and_the_download_is_logged(client, officer_a, residents_a):
    client.force_login(officer_a)
    _upload(client, csv_bytes(f"{QIAN_ID},钱小姐,科兴,1,2021-06-01,东城"))
    record = DoseImport.objects.get()
    response = client.get(reverse("vaccination:import_rejected_csv", kwargs={"dose_import_id": record.pk}))
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].endswith("身份证号,姓名,疫苗,剂次,接种日期,接种单位")
    assert QIAN_ID in text and "钱小姐" in text
    assert AccessLog.objects.filter(actor=officer_a, kind="export", row_count=1).exists()


def test_a_bad_header_is_refused_on_the_page_and_writes_nothing(client, officer_a, residents_a):
    client.force_login(officer_a)
    response = _upload(client, csv_bytes(f"{ZHAO_ID},赵老伯", header="证件,名字"))
    assert response.status_code == 422 and 'id="import-refused"' in response.content.decode()
    assert not Dose.objects.exists() and not DoseImport.objects.exists()


def test_another_districts_officer_sees_neither_the_report_nor_the_doses(client, officer_a, officer_b, residents_a):
    report = doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城"), filename="a.csv",
                          actor=officer_a)
    client.force_login(officer_b)
    for name in ("vaccination:import_detail", "vaccination:import_rejected_csv"):
        assert client.get(reverse(name, kwargs={"dose_import_id": report.record.pk})).status_code == 404
    assert 'data-import' not in client.get(reverse("vaccination:import_list")).content.decode()
    zhao = residents_a["zhao"]
    assert client.get(reverse("people:person", kwargs={"person_id": zhao.pk})).status_code == 404


def test_the_person_page_lists_the_doses(client, officer_a, residents_a):
    doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城卫生院",
                                f"{ZHAO_ID},赵老伯,国药,3,2021-12-01,东城卫生院"), filename="a.csv", actor=officer_a)
    client.force_login(officer_a)
    page = client.get(reverse("people:person", kwargs={"person_id": residents_a["zhao"].pk})).content.decode()
    assert 'id="vaccination-panel"' in page and 'data-dose="1"' in page and 'data-dose="3"' in page
    assert "国药 BBIBP-CorV" in page and "2021-12-01" in page
    other = client.get(reverse("people:person", kwargs={"person_id": residents_a["qian"].pk})).content.decode()
    assert 'id="vaccination-panel"' in other and 'data-dose=' not in other


def test_coverage_by_node_and_age_band_comes_from_the_snapshot(client, city, officer_a, residents_a, resident_b,
                                                               snapshot):
    # given: 赵 (76) has three doses, 钱 (36) one, 孙 (11) none; 李 in district B (86) two.
    doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城", f"{ZHAO_ID},赵老伯,国药,2,2021-05-01,东城",
                                f"{ZHAO_ID},赵老伯,国药,3,2021-12-01,东城", f"{QIAN_ID},钱女士,科兴,1,2021-06-01,东城"),
                 filename="a.csv", actor=officer_a)
    snapshot()
    hq = make_user("hq2", Role.HQ, city.city)
    client.force_login(hq)
    # when
    page = client.get(reverse("vaccination:coverage") + "?band=60_plus").content.decode()
    # then: the city's table, and one row per district for the 60+ band
    assert f'data-unit="{city.a.district.pk}"' in page and f'data-unit="{city.b.district.pk}"' in page
    from fangkong.command.models import NodeFigures

    a = NodeFigures.objects.get(unit=city.a.district).figures
    assert a["vaccination.residents"] == 3 and a["vaccination.dose1"] == 2 and a["vaccination.booster"] == 1
    assert a["vaccination.residents.60_plus"] == 1 and a["vaccination.booster.60_79"] == 1
    assert a["vaccination.residents.0_17"] == 1 and a.get("vaccination.dose1.0_17", 0) == 0
    city_row = NodeFigures.objects.get(unit=city.city).figures
    assert city_row["vaccination.residents.80_plus"] == 1 and city_row.get("vaccination.dose1.80_plus", 0) == 0


def test_an_officer_of_another_district_sees_no_coverage_of_district_a(client, city, officer_b, residents_a,
                                                                       snapshot):
    snapshot()
    client.force_login(officer_b)
    assert client.get(reverse("vaccination:coverage_unit", kwargs={"unit_id": city.a.district.pk})).status_code == 404
    page = client.get(reverse("vaccination:coverage")).content.decode()
    assert f'data-unit="{city.a.district.pk}"' not in page and f'data-unit="{city.b.district.pk}"' in page


def test_a_grid_worker_reads_the_grids_coverage_without_the_dashboard(client, grid_worker_a, residents_a, snapshot):
    snapshot()
    client.force_login(grid_worker_a)
    page = client.get(reverse("vaccination:coverage")).content.decode()
    assert 'id="coverage-node"' in page and 'id="nav-import"' not in page
    assert client.get(reverse("vaccination:import")).status_code == 404


def test_only_the_hq_edits_the_product_list(client, hq, officer_a):
    client.force_login(officer_a)
    assert client.post(reverse("vaccination:products"), {"code": "pfizer", "name": "辉瑞", "route": "injected",
                                                         "position": 60}).status_code == 404
    client.force_login(hq)
    response = client.post(reverse("vaccination:products"), {"code": "pfizer", "name": "辉瑞 Comirnaty",
                                                             "route": "injected", "aliases": "辉瑞;BNT162b2",
                                                             "position": 60, "active": "on"})
    assert response.status_code == 302
    assert Product.objects.get(code="pfizer").names()[-1] == "BNT162b2"


def test_a_large_file_is_imported_by_the_worker_and_the_job_links_to_the_report(client, officer_a, residents_a,
                                                                                monkeypatch, settings, tmp_path):
    from fangkong.ops.models import Job

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("fangkong.vaccination.views.INLINE_MAX_BYTES", 10)
    client.force_login(officer_a)
    response = _upload(client, csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城",
                                         f"{QIAN_ID},钱小姐,科兴,1,2021-06-01,东城"))
    assert response.status_code == 200
    record = DoseImport.objects.get()
    job = Job.objects.get(pk=record.job_id)
    assert job.status == "succeeded", job.error
    assert job.result["url"] == reverse("vaccination:import_detail", kwargs={"dose_import_id": record.pk})
    assert (record.status, record.created, record.rejected_count) == ("done", 1, 1)
