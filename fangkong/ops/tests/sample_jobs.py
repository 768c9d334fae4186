"""Jobs the tests run by dotted path."""

from fangkong.ops.models import Job

calls = {"flaky": 0, "counted": 0}


def count_to(*, progress, n: int):
    for i in range(1, n + 1):
        progress(i, n)
    return {"message": f"counted to {n}", "url": "/done/"}


def cancelled_midway(*, progress, n: int):
    for i in range(1, n + 1):
        if i == 3:
            # What the Cancel button does while the job runs.
            Job.objects.filter(pk=progress.job_id).update(cancel_requested=True)
        progress(i, n)
    return {"message": "should not get here"}


def broken(*, progress):
    progress(1, 10)
    raise RuntimeError("the lab feed for 110101199003077777 is unreachable")


def always_fails():
    raise ValueError("cannot reach SMS gateway for 13812345678")


def flaky():
    calls["flaky"] += 1
    if calls["flaky"] < 3:
        raise ConnectionError("database went away")


def counted():
    calls["counted"] += 1


# The on-call retry: something outside is down, then fixed.
outage = {"down": True}


def needs_gateway():
    if outage["down"]:
        raise ConnectionError("SMS gateway unreachable")


def import_needing_gateway(*, progress, n: int):
    if outage["down"]:
        raise ConnectionError("lab feed unreachable")
    for i in range(1, n + 1):
        progress(i, n)
    return {"message": f"imported {n}"}
