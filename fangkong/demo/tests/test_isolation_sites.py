"""The demo's isolation: two sites with rooms, the checkpoint's family received, the tracing contacts queued."""

from fangkong.accounts.models import User
from fangkong.isolation import selectors
from fangkong.isolation.models import Room, Site, Stay


def test_two_sites_with_their_rooms_and_a_site_doctor(demo, db):
    sites = list(Site.objects.order_by("code"))
    assert [s.code for s in sites] == ["FC-GL-01", "FC-GL-02"]
    assert Room.objects.filter(site=sites[0], kind="family").exists()
    assert not Room.objects.filter(number__in=["204", "214", "304"]).exists()
    assert sites[0].doctor.username == "isolation"


def test_the_checkpoint_family_is_in_a_site_and_the_contacts_wait_in_the_queue(demo, db):
    arrived = Stay.objects.filter(status="arrived")
    assert arrived.count() == 3 and {s.category for s in arrived} == {"arrival"}
    assert {s.person.status for s in arrived} == {"central_isolation"}
    queue = selectors.placement_queue(user=User.objects.get(username="hq"))
    assert queue and {e.category for e in queue} <= {"close_contact", "secondary_contact"}
