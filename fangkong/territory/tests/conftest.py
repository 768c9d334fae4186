import pytest

from fangkong.people.models import Household, Person


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def households(city):
    """Two households with three persons in district A's building, one with one person in B's."""
    a1 = Household.objects.create(unit=city.a.building, number="101", address="东城1号楼101")
    a2 = Household.objects.create(unit=city.a.building, number="102", address="东城1号楼102")
    b1 = Household.objects.create(unit=city.b.building, number="101", address="西城1号楼101")
    for household, names in ((a1, ["张三", "李四"]), (a2, ["王五"]), (b1, ["赵六"])):
        for name in names:
            Person.objects.create(name=name, name_simplified=name, name_pinyin="", name_initials="",
                                  id_number="", id_number_rev="", household=household, unit=household.unit)
    return type("Households", (), {"a1": a1, "a2": a2, "b1": b1})
