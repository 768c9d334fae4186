import csv
import io

from fangkong.accounts.models import AccessLog
from fangkong.exports import services
from fangkong.exports.models import ColumnPreset, ExportLog
from fangkong.ops.models import Job


def _start(user, **kwargs):
    kwargs.setdefault("source_code", "persons")
    kwargs.setdefault("format", "csv")
    kwargs.setdefault("columns", ["id", "name", "phone"])
    return services.export_start(actor=user, **kwargs)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- pages ------------------------------------------------------------------------------------------------------


def test_the_exports_page_lists_my_exports_with_a_download_link(client, officer_a, officer_b, persons_a, person_b):
    mine = _start(officer_a)
    theirs = _start(officer_b)
    client.force_login(officer_a)
    response = client.get("/exports/")
    page = response.content.decode()
    assert f'data-export="{mine.pk}"' in page and f'data-export="{theirs.pk}"' not in page
    assert f'href="/exports/{mine.pk}/download/" download' in page
    assert 'data-source="persons"' in page and 'data-source="contacts"' in page


def test_the_new_export_page_shows_the_lists_filter_and_the_roles_columns(client, grid_worker_a, persons_a):
    client.force_login(grid_worker_a)
    response = client.get("/exports/new/?source=persons&status=home_isolation&after=9")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-filter="status"' in page and 'data-filter="after"' not in page
    for key in ["name", "building", "household", "status"]:
        assert f'value="{key}" id="id_columns_' in page
    checked = page.count("checked")
    assert checked >= 4


def test_posting_the_form_queues_the_export_and_keeps_the_filter(client, officer_a, persons_a):
    client.force_login(officer_a)
    response = client.post("/exports/new/?source=persons&status=normal",
                           {"format": "xlsx", "columns": ["name", "status"], "save_as": "常用"})
    assert response.status_code == 302 and response["Location"] == "/exports/"
    export = ExportLog.objects.get()
    assert export.filters == {"status": "normal"} and export.format == "xlsx" and export.columns == ["name", "status"]
    assert ColumnPreset.objects.get(user=officer_a).name == "常用"


def test_a_revealed_export_without_reason_shows_the_message_and_queues_nothing(client, officer_a, persons_a):
    client.force_login(officer_a)
    response = client.post("/exports/new/?source=persons", {"format": "csv", "columns": ["name"], "reveal": "on"})
    assert response.status_code == 400
    assert 'id="reason-error"' in response.content.decode()
    assert not ExportLog.objects.exists() and not Job.objects.exists()


def test_an_unknown_source_or_one_the_user_cannot_see_is_404(client, grid_worker_a):
    client.force_login(grid_worker_a)
    assert client.get("/exports/new/?source=secrets").status_code == 404
    assert client.get("/exports/new/?source=contacts").status_code == 404
    assert client.post("/exports/new/?source=contacts", {"format": "csv", "columns": ["name"]}).status_code == 404


def test_a_user_without_exports_run_has_no_exports_page(client, checkpoint_a):
    client.force_login(checkpoint_a)
    assert client.get("/exports/").status_code == 404


def test_the_download_is_the_owners_only(client, officer_a, officer_b, hq, persons_a):
    export = _start(officer_a)
    for other in (officer_b, hq):
        client.force_login(other)
        assert client.get(f"/exports/{export.pk}/download/").status_code == 404
        assert client.get(f"/exports/{export.pk}/").status_code == 404
    client.force_login(officer_a)
    response = client.get(f"/exports/{export.pk}/download/")
    assert response.status_code == 200
    assert 'attachment; filename="persons-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert len(rows) == 4
    export.refresh_from_db()
    assert export.downloads == 1


def test_an_expired_export_says_it_was_removed(client, officer_a, persons_a):
    from django.utils import timezone

    export = _start(officer_a)
    ExportLog.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    services.exports_expire()
    client.force_login(officer_a)
    assert client.get(f"/exports/{export.pk}/download/").status_code == 410


def test_a_running_export_row_polls_until_its_job_ends(client, officer_a, persons_a):
    export = _start(officer_a)
    Job.objects.filter(pk=export.job_id).update(status=Job.Status.RUNNING, done=1, total=3)
    client.force_login(officer_a)
    response = client.get(f"/exports/{export.pk}/row/")
    assert response.status_code == 200 and b'hx-trigger="every 2s"' in response.content
    Job.objects.filter(pk=export.job_id).update(status=Job.Status.SUCCEEDED)
    assert client.get(f"/exports/{export.pk}/row/").status_code == 286


def test_the_export_log_is_for_access_log_readers_of_the_subtree(client, hq, officer_a, officer_b, persons_a):
    mine = _start(officer_a, reveal=True, reason="移交流调")
    client.force_login(officer_a)
    assert client.get("/exports/log/").status_code == 404
    client.force_login(hq)
    page = client.get("/exports/log/?revealed=1").content.decode()
    assert f'data-export="{mine.pk}"' in page and "移交流调" in page


# --- API -------------------------------------------------------------------------------------------------------------


def test_the_api_queues_an_export_reports_it_and_downloads_it(api_client, officer_a, persons_a):
    client = api_client(officer_a)
    response = client.post("/api/v1/exports/", {"source": "persons", "format": "parquet",
                                                "filters": {"status": "normal"}, "columns": ["id", "name"]},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "succeeded" and body["row_count"] == 3 and body["job_id"]
    status = client.get(f"/api/v1/exports/{body['id']}").json()
    assert status["download_url"] == f"/api/v1/exports/{body['id']}/download"
    download = client.get(status["download_url"])
    assert download.status_code == 200 and _body(download)[:4] == b"PAR1"
    assert AccessLog.objects.filter(kind="export", actor=officer_a).count() == 1


def test_the_api_refuses_bad_input_with_a_message(api_client, officer_a, persons_a):
    client = api_client(officer_a)
    response = client.post("/api/v1/exports/", {"source": "persons", "format": "csv", "columns": ["salary"]},
                           content_type="application/json")
    assert response.status_code == 422 and "salary" in str(response.json()["detail"]["columns"])
    response = client.post("/api/v1/exports/", {"source": "nope"}, content_type="application/json")
    assert response.status_code == 422 and "source" in response.json()["detail"]
    assert not ExportLog.objects.exists()


def test_the_api_hides_other_users_exports(api_client, officer_a, officer_b, persons_a):
    export = _start(officer_a)
    client = api_client(officer_b)
    assert client.get(f"/api/v1/exports/{export.pk}").status_code == 404
    assert client.get(f"/api/v1/exports/{export.pk}/download").status_code == 404


def test_the_api_is_in_the_openapi_schema(client, officer_a):
    client.force_login(officer_a)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/exports/" in paths and "/api/v1/exports/{export_id}/download" in paths
