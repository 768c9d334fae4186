"""Sampling at a point: tubes fill to the pool size, and every pooling mistake is refused with a clear message."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.testing import services
from fangkong.testing.models import Coverage, Sample, Tube

from .conftest import fill_tube, resident_id

pytestmark = pytest.mark.django_db


def test_round_counts_its_target_per_grid(round_a, city):
    # given a round over district A (twelve residents there, one in district B)
    # then the target is district A's twelve, counted on its grid
    assert round_a.target_total == 12
    cell = Coverage.objects.get(round=round_a)
    assert (cell.unit, cell.target, cell.sampled) == (city.a.grid, 12, 0)


def test_tube_closes_itself_at_the_pool_size(round_a, point_a, residents_a, sampler_a):
    # when the sampler scans ten people into a 10-in-1 tube
    tube = fill_tube(round_a, point_a, "T0000001", residents_a[:10], actor=sampler_a)
    # then it is closed and the grid's coverage counts ten
    assert (tube.status, tube.size) == (Tube.Status.CLOSED, 10)
    assert Coverage.objects.get(round=round_a).sampled == 10


def test_a_full_tube_refuses_an_eleventh_sample(round_a, point_a, residents_a, sampler_a):
    tube = fill_tube(round_a, point_a, "T0000001", residents_a[:10], actor=sampler_a)
    with pytest.raises(ValidationError) as exc:
        services.sample_add(tube=tube, id_number=residents_a[10].id_number, actor=sampler_a)
    assert "T0000001" in str(exc.value)
    assert Sample.objects.filter(tube=tube).count() == 10


def test_one_person_in_two_tubes_of_a_round_is_refused_naming_the_first_tube(round_a, point_a, residents_a,
                                                                              sampler_a):
    fill_tube(round_a, point_a, "T0000001", residents_a[:1], actor=sampler_a)
    second = services.tube_open(round_=round_a, point=point_a, code="T0000002", actor=sampler_a)
    with pytest.raises(ValidationError) as exc:
        services.sample_add(tube=second, id_number=residents_a[0].id_number, actor=sampler_a)
    assert "already sampled in this round, in tube T0000001" in str(exc.value)
    assert Coverage.objects.get(round=round_a).sampled == 1


def test_a_barcode_used_in_another_round_is_refused(round_a, point_a, residents_a, sampler_a, city):
    import datetime

    from django.utils import timezone

    fill_tube(round_a, point_a, "T0000001", residents_a[:2], actor=sampler_a)
    now = timezone.now()
    second_round = services.round_create(code="R-A-2", name="第二轮", nodes=[city.a.district],
                                         starts_at=now - datetime.timedelta(minutes=5),
                                         ends_at=now + datetime.timedelta(days=1), actor=None)
    with pytest.raises(ValidationError) as exc:
        services.tube_open(round_=second_round, point=point_a, code="T0000001", actor=sampler_a)
    assert "already used in 东城区第一轮全员核酸" in str(exc.value)


def test_scanning_an_open_tube_again_continues_it(round_a, point_a, residents_a, sampler_a):
    first = fill_tube(round_a, point_a, "T0000001", residents_a[:3], actor=sampler_a)
    again = services.tube_open(round_=round_a, point=point_a, code="T0000001", actor=sampler_a)
    assert again.pk == first.pk and again.size == 3


def test_a_person_not_on_file_needs_a_name_and_is_kept_outside_the_target(round_a, point_a, sampler_a):
    tube = services.tube_open(round_=round_a, point=point_a, code="T0000003", actor=sampler_a)
    visitor = resident_id(500)
    with pytest.raises(ValidationError) as exc:
        services.sample_add(tube=tube, id_number=visitor, actor=sampler_a)
    assert "type the person's name" in str(exc.value)
    sample = services.sample_add(tube=tube, id_number=visitor, name="外来务工人员", actor=sampler_a)
    assert sample.person is None and sample.cell is None and sample.unit == point_a.unit
    assert Coverage.objects.get(round=round_a).sampled == 0


def test_a_bad_id_is_refused_and_nothing_is_written(round_a, point_a, sampler_a):
    tube = services.tube_open(round_=round_a, point=point_a, code="T0000004", actor=sampler_a)
    with pytest.raises(ValidationError) as exc:
        services.sample_add(tube=tube, id_number="110101199003071234", actor=sampler_a)
    assert "id_number" in exc.value.message_dict
    tube.refresh_from_db()
    assert tube.size == 0 and not Sample.objects.exists()


def test_closing_by_hand_and_an_empty_tube(round_a, point_a, residents_a, sampler_a):
    tube = services.tube_open(round_=round_a, point=point_a, code="T0000005", actor=sampler_a)
    with pytest.raises(ValidationError):
        services.tube_close(tube=tube, actor=sampler_a)
    services.sample_add(tube=tube, id_number=residents_a[11].id_number, actor=sampler_a)
    tube = services.tube_close(tube=tube, actor=sampler_a)
    assert tube.status == Tube.Status.CLOSED and tube.size == 1
    with pytest.raises(ValidationError) as exc:
        services.sample_add(tube=tube, id_number=residents_a[10].id_number, actor=sampler_a)
    assert "closed" in str(exc.value)


def test_a_mistaken_scan_comes_out_of_an_open_tube(round_a, point_a, residents_a, sampler_a):
    tube = fill_tube(round_a, point_a, "T0000006", residents_a[:2], actor=sampler_a)
    sample = Sample.objects.get(tube=tube, person=residents_a[1])
    services.sample_remove(sample=sample, actor=sampler_a)
    tube.refresh_from_db()
    assert tube.size == 1 and Coverage.objects.get(round=round_a).sampled == 1


def test_a_sampler_cannot_sample_at_a_point_outside_their_scope(round_a, point_b, residents_a, sampler_a):
    with pytest.raises(PermissionDenied):
        services.tube_open(round_=round_a, point=point_b, code="T0000007", actor=sampler_a)
    assert not Tube.objects.exists()


def test_a_health_code_qr_holding_the_id_is_read_as_the_id(round_a, point_a, residents_a, sampler_a):
    tube = services.tube_open(round_=round_a, point=point_a, code="T0000008", actor=sampler_a)
    qr = f'{{"name":"居民1","idCard":"{residents_a[0].id_number}","t":1700000000}}'
    sample = services.sample_add(tube=tube, id_number=qr, actor=sampler_a)
    assert sample.person == residents_a[0]
