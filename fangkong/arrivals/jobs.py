"""Background work of the arrivals app."""

from django_tasks import task


@task()
def hand_over_arrival(arrival_id: int) -> None:
    """Person on file, the protocol's measures and the first-contact task for one arrival, off the request.

    A checkpoint's POST stores the passage and its arrivals and returns; the worker does the hand-over seconds
    later (measure_start and the task dedupe keys make a second run harmless). On the tests' immediate backend
    it runs at once, inside the caller's transaction.
    """
    from fangkong.arrivals.models import Arrival
    from fangkong.arrivals.services import arrival_start_measures

    arrival = Arrival.objects.select_related("person", "destination").filter(pk=arrival_id).first()
    if arrival is not None:
        arrival_start_measures(arrival=arrival)
