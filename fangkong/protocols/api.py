"""The protocols API: rule sets to read (protocols.view), a person's measures in scope."""

from django.http import Http404
from ninja import Router

from fangkong.people.selectors import person_get
from fangkong.protocols import selectors
from fangkong.protocols.schemas import MeasureOut, RuleSetOut, VersionOut

router = Router(tags=["protocols"])


def _version_out(version) -> dict:
    return {"rule_set_id": version.rule_set_id, "rule_set_name": version.rule_set.name, "number": version.number,
            "created_at": version.created_at, "note": version.note, "rules": version.rules}


@router.get("/rulesets", response=list[RuleSetOut])
def ruleset_list(request):
    return list(selectors.ruleset_list(user=request.auth))


@router.get("/rulesets/active", response=VersionOut)
def ruleset_active(request):
    selectors.ruleset_list(user=request.auth)  # the capability check
    return _version_out(selectors.active_version())


@router.get("/rulesets/{rule_set_id}", response=VersionOut)
def ruleset_detail(request, rule_set_id: int):
    rule_set = selectors.ruleset_get(user=request.auth, rule_set_id=rule_set_id)
    version = selectors.current_version(rule_set)
    if version is None:
        raise Http404
    return _version_out(version)


@router.get("/persons/{person_id}/measures", response=list[MeasureOut])
def person_measures(request, person_id: int):
    person = person_get(user=request.auth, person_id=person_id)
    return [{"id": m.pk, "person_id": m.person_id, "category": m.category, "rule_set_name": m.version.rule_set.name,
             "version_number": m.version.number, "day_one": m.day_one, "ends_on": m.ends_on, "status": m.status,
             "next_test_due": m.next_test_due} for m in selectors.measures_of(user=request.auth, person=person)]
