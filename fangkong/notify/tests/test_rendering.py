"""Templates per language, filled with their context; bad context or an overlong text is refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from fangkong.notify.message_kinds import MessageKind, find_message_kind
from fangkong.notify.rendering import render


def test_the_one_time_code_reads_as_the_brief_says():
    text = render(find_message_kind("resident_code"), language="zh-hans", context={"code": "472913", "minutes": 5})
    assert text == "【防控】您的验证码是472913，5分钟内有效，请勿告诉他人。"


def test_each_language_has_its_own_text_and_dates_are_written_its_way():
    kind = find_message_kind("test_reminder")
    day = datetime.date(2026, 12, 3)
    assert render(kind, language="zh-hans", context={"day": day}) == \
        "【防控】提醒：您2026年12月3日需要进行核酸检测，请按时采样。"
    assert render(kind, language="zh-hant", context={"day": day}) == \
        "【防控】提醒：您2026年12月3日需要進行核酸檢測，請按時採樣。"
    assert render(kind, language="en", context={"day": day}) == \
        "[Fangkong] Reminder: your next PCR test is on 2026-12-03. Please be sampled on time."


def test_a_kind_without_a_traditional_template_is_converted_from_the_simplified_one():
    kind = MessageKind("t_only_hans", "x", templates={"zh-hans": "【防控】请到{site}采样。"})
    assert render(kind, language="zh-TW", context={"site": "东城区体育馆"}) == "【防控】請到東城區體育館採樣。"


def test_an_unknown_language_falls_back_to_simplified_chinese():
    text = render(find_message_kind("release"), language="fr", context={"day": datetime.date(2026, 12, 1)})
    assert text.startswith("【防控】您已于2026年12月1日解除管理")


def test_the_category_is_written_in_the_message_language():
    from fangkong.protocols.models import Category

    kind = find_message_kind("measure_end")
    context = {"category": Category.CLOSE_CONTACT.label, "day": datetime.date(2026, 12, 1)}
    assert "Close contact" in render(kind, language="en", context=context)
    assert "Close contact" not in render(kind, language="zh-hans", context=context)


def test_a_missing_context_field_is_named():
    with pytest.raises(ValidationError) as caught:
        render(find_message_kind("transfer_time"), language="zh-hans", context={"vehicle": "青A12345"})
    assert "site, time" in str(caught.value)


def test_an_overlong_text_is_refused(settings):
    settings.NOTIFY_MAX_LENGTH = 40
    with pytest.raises(ValidationError):
        render(find_message_kind("transfer_time"), language="zh-hans",
               context={"vehicle": "青A12345", "time": "14:00", "site": "市第一隔离酒店"})


def test_the_console_backend_keeps_phone_numbers_out_of_the_log():
    import io

    from fangkong.notify.backends.console import Backend

    out = io.StringIO()
    Backend(stream=out).send(message_id=7, phone="13812345678", text="【防控】测试", kind="release")
    assert "13812345678" not in out.getvalue() and "138****5678" in out.getvalue() and "【防控】测试" in out.getvalue()
