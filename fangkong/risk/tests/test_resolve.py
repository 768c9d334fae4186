from fangkong.risk.services import resolve_origin


def test_the_seed_address_resolves_to_xiping_county():
    origin = resolve_origin("河南省驻马店市西平县柏城街道")
    assert origin is not None
    assert (origin.code, origin.province, origin.city, origin.county, origin.rest) == (
        "411721", "河南省", "驻马店市", "西平县", "柏城街道")
    assert origin.name == "河南省驻马店市西平县柏城街道"


def test_a_county_without_province_is_found_when_its_name_is_unique():
    assert resolve_origin("西平县柏城街道东关社区").code == "411721"


def test_traditional_characters_resolve():
    assert resolve_origin("山西省臨汾市堯都區解放路").code == "141002"


def test_garbage_and_ambiguity_give_none_for_a_human_to_settle():
    assert resolve_origin("asdf qwer !!") is None
    assert resolve_origin("") is None
    # 朝阳区 is in Beijing and in Changchun: not guessed.
    assert resolve_origin("朝阳区三里屯") is None
    assert resolve_origin("北京市朝阳区三里屯").code == "110105"
    # A province alone is no county.
    assert resolve_origin("河南省") is None
