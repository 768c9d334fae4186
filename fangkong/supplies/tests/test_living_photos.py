"""The photo taken at the door: resized and stripped of metadata (the location kept only if the team says so),
refused with a message when it is not an image or too large, and shown only to those who may read the need."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.supplies.living import services
from fangkong.supplies.models.living import DeliveryStop, Need
from fangkong.supplies.tests.test_living import home_a, record, supplies_a, supplies_b  # noqa: F401

pytestmark = pytest.mark.django_db

GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (36.0, 37.0, 12.5),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (101.0, 46.0, 30.0)}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def phone_photo(size=(3000, 2000), name="门口.jpg") -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Huawei"
    exif[ExifTags.IFD.GPSInfo] = GPS
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def out_for_delivery(home_a, grid_worker_a, supplies_a):  # noqa: F811
    need = record(home_a, grid_worker_a, kind="medicine", items=[("硝苯地平缓释片", "2", "盒")],
                  prescription_note="每日一次，每次一片")
    delivery = services.round_create_for_need(need=need, members=[supplies_a], actor=supplies_a)
    return need, delivery, delivery.stops.get()


def _confirm(client, delivery, stop, **data):
    url = reverse("supplies:living_stop_confirm", args=[delivery.pk, stop.pk])
    return client.post(url, {"handover": "door", **data}, follow=True)


def _stored(stop) -> Image.Image:
    stop.refresh_from_db()
    with stop.photo.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_the_photo_is_resized_and_loses_its_metadata_by_default(client, out_for_delivery, supplies_a):  # noqa: F811
    need, delivery, stop = out_for_delivery
    client.force_login(supplies_a)
    response = _confirm(client, delivery, stop, photo=phone_photo())
    assert "Delivery confirmed." in response.content.decode()
    image = _stored(stop)
    assert image.format == "JPEG" and image.size == (1600, 1067)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.Base.Make not in image.getexif()
    need.refresh_from_db()
    assert need.status == Need.Status.MET


def test_the_location_is_kept_only_when_the_team_ticks_it(client, out_for_delivery, supplies_a):  # noqa: F811
    _need, delivery, stop = out_for_delivery
    client.force_login(supplies_a)
    _confirm(client, delivery, stop, photo=phone_photo(), keep_location="on")
    exif = _stored(stop).getexif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N" and ExifTags.Base.Make not in exif


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("清单.pdf", b"%PDF-1.4 not an image", content_type="application/pdf"),
     "清单.pdf is not an image"),
    (SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0 truncated", content_type="image/jpeg"), "x.jpg is not an image"),
])
def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(client, out_for_delivery, supplies_a,  # noqa: F811
                                                                     upload, message):
    need, delivery, stop = out_for_delivery
    client.force_login(supplies_a)
    response = _confirm(client, delivery, stop, photo=upload)
    assert message in response.content.decode()
    stop.refresh_from_db()
    need.refresh_from_db()
    assert stop.status == DeliveryStop.Status.PENDING and not stop.photo and need.status == Need.Status.OUT


def test_an_oversized_photo_is_refused_and_nothing_is_saved(client, settings, out_for_delivery, supplies_a):  # noqa: F811
    settings.SUPPLIES_PHOTO_MAX_BYTES = 2 * 1024 * 1024
    need, delivery, stop = out_for_delivery
    big = SimpleUploadedFile("大图.jpg", b"\xff" * (2 * 1024 * 1024 + 1), content_type="image/jpeg")
    client.force_login(supplies_a)
    response = _confirm(client, delivery, stop, photo=big)
    assert "The photo is larger than 2 MB" in response.content.decode()
    stop.refresh_from_db()
    assert stop.status == DeliveryStop.Status.PENDING and not stop.photo
    with pytest.raises(ValidationError, match="larger than 2 MB"):
        services.stop_confirm(stop=stop, photo=big, actor=supplies_a)
    assert not (settings.MEDIA_ROOT / "supplies").exists()


def test_the_photo_shows_on_the_round_and_the_need_to_those_who_may_read_the_need(
        client, city, out_for_delivery, supplies_a, supplies_b, grid_worker_a, grid_worker_b, officer_a,  # noqa: F811
        checkpoint_a):
    need, delivery, stop = out_for_delivery
    client.force_login(supplies_a)
    _confirm(client, delivery, stop, photo=phone_photo())
    photo_url = reverse("supplies:living_stop_photo", args=[stop.pk])
    round_page = client.get(reverse("supplies:living_round", args=[delivery.pk])).content.decode()
    assert f'src="{photo_url}"' in round_page
    for reader in (supplies_a, grid_worker_a, officer_a, make_user("hq_p", Role.HQ, city.city)):
        client.force_login(reader)
        response = client.get(photo_url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", reader
        assert response["Cache-Control"].startswith("private")
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (1600, 1067)
        assert f'src="{photo_url}"' in client.get(reverse("supplies:living_need", args=[need.pk])).content.decode()
    # A checkpoint of the same district sees stock, not households; district B sees nothing of district A.
    for outsider in (checkpoint_a, supplies_b, grid_worker_b, make_user("iso_a", Role.ISOLATION, city.a.district),
                     make_user("sampler_a", Role.SAMPLER, city.a.district)):
        client.force_login(outsider)
        assert client.get(photo_url).status_code == 404, outsider
    client.logout()
    assert client.get(photo_url).status_code == 302


def test_a_stop_without_a_photo_has_no_photo_page(client, out_for_delivery, supplies_a):  # noqa: F811
    _need, delivery, stop = out_for_delivery
    client.force_login(supplies_a)
    _confirm(client, delivery, stop)
    assert client.get(reverse("supplies:living_stop_photo", args=[stop.pk])).status_code == 404
