"""The large demo's morning by file: a share of the round's district imported through the district upload's code."""

from fangkong.demo.testing_round import ROUND_NAME, seed_round_samples_by_file
from fangkong.testing.models import Coverage, Round, Sample, Tube


def test_a_share_of_the_district_is_sampled_by_file_in_tubes_of_ten_and_only_once(demo, db):
    round_ = Round.objects.get(name=ROUND_NAME)
    before = Sample.objects.filter(round=round_).count()
    # when the morning's file comes in, in files of 300 rows
    imported = seed_round_samples_by_file(share=0.5, chunk=300)
    # then half the district's people are sampled, counted in coverage, in closed tubes of at most ten
    assert imported > 300
    assert Sample.objects.filter(round=round_).count() == before + imported
    assert sum(Coverage.objects.filter(round=round_).values_list("sampled", flat=True)) >= imported
    bulk = Tube.objects.filter(round=round_, code__startswith="FB")
    assert bulk.filter(status=Tube.Status.CLOSED).count() == bulk.count() > 30
    assert max(bulk.values_list("size", flat=True)) == 10
    # and a second run brings nothing new
    assert seed_round_samples_by_file(share=0.5, chunk=300) == 0
