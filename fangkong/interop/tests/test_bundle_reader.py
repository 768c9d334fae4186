"""The Bundle reader never fails but with BundleRefused, whatever arrives (no database: it only reads)."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.interop.fhir.inbox import BundleRefused, LabMessage, read_lab_message
from fangkong.interop.tests.conftest import bundle, observation

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=4), max_leaves=20)


def _read(body):
    try:
        return read_lab_message(body)
    except BundleRefused as exc:
        assert exc.issues and all(i["severity"] == "error" and i["diagnostics"] for i in exc.issues)
        return exc


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_any_json_is_read_or_refused(value):
    assert isinstance(_read(json.dumps(value)), BundleRefused)  # nothing random is a Bundle of results


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield prefix + (key,)
            yield from _paths(inner, prefix + (key,))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield prefix + (n,)
            yield from _paths(inner, prefix + (n,))


VALID = bundle(observation(1, tube_code="T-1", ct=(30, 31)), observation(2, id_number="110101199003070011"),
               identifier="M-1")
PATHS = list(_paths(VALID))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PATHS), JSON)
def test_a_valid_bundle_with_one_part_replaced_is_read_or_refused(path, replacement):
    data = json.loads(json.dumps(VALID))
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = replacement
    assert isinstance(_read(json.dumps(data)), LabMessage | BundleRefused)


def test_the_valid_bundle_reads():
    message = read_lab_message(json.dumps(VALID))
    assert message.key == "urn:lab1:messages|M-1"
    assert [(r.tube_code, r.id_number, r.result) for r in message.results] == [
        ("T-1", "", "negative"), ("", "110101199003070011", "negative")]
    assert (float(message.results[0].ct_orf1ab), float(message.results[0].ct_n)) == (30.0, 31.0)
