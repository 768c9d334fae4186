"""The registry of message kinds: what a text says, per language, and whether it may wait.

Like tasks.kinds: notify registers the kinds the protocol implies below; another app registers its own with
`register_message_kind(MessageKind(...))` at import of its own module. Templates are str.format templates over
the context that message_queue is given; dates and times in the context are written the language's way.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

LANGUAGES = ("zh-hans", "zh-hant", "en")
DEFAULT_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class MessageKind:
    code: str
    label: str
    templates: dict = field(default_factory=dict)
    # Urgent kinds go at once: no quiet hours, no rate limit (a positive pool, a transfer time, a code).
    urgent: bool = False
    # The text holds a secret (a one-time code): it is blanked once the message is done.
    sensitive: bool = False


_REGISTRY: dict[str, MessageKind] = {}


def register_message_kind(kind: MessageKind, *, replace: bool = False) -> MessageKind:
    if not replace and kind.code in _REGISTRY and _REGISTRY[kind.code] != kind:
        raise ValueError(f"message kind {kind.code!r} is already registered")
    if DEFAULT_LANGUAGE not in kind.templates:
        raise ValueError(f"message kind {kind.code!r} needs a {DEFAULT_LANGUAGE} template")
    unknown = set(kind.templates) - set(LANGUAGES)
    if unknown:
        raise ValueError(f"message kind {kind.code!r}: unknown languages {sorted(unknown)}")
    if len(kind.code) > 40:
        raise ValueError(f"message kind {kind.code!r}: the code is longer than 40 characters")
    _REGISTRY[kind.code] = kind
    return kind


def find_message_kind(code: str) -> MessageKind | None:
    return _REGISTRY.get(code)


def all_message_kinds() -> list[MessageKind]:
    return list(_REGISTRY.values())


def message_kind_label(code: str) -> str:
    kind = _REGISTRY.get(code)
    return str(kind.label) if kind else code


RESIDENT_CODE = register_message_kind(MessageKind(
    code="resident_code",
    label=_("One-time sign-in code"),
    templates={
        "zh-hans": "【防控】您的验证码是{code}，{minutes}分钟内有效，请勿告诉他人。",
        "zh-hant": "【防控】您的驗證碼是{code}，{minutes}分鐘內有效，請勿告訴他人。",
        "en": "[Fangkong] Your code is {code}. It is valid for {minutes} minutes. Do not share it.",
    },
    urgent=True,
    sensitive=True,
))

POSITIVE_POOL = register_message_kind(MessageKind(
    code="positive_pool",
    label=_("Positive pool: stay home"),
    templates={
        "zh-hans": "【防控】您{day}采样的混管检测结果异常。请立即居家、原地等候，不要外出，"
                   "工作人员将上门为您单管复检。",
        "zh-hant": "【防控】您{day}採樣的混管檢測結果異常。請立即居家、原地等候，不要外出，"
                   "工作人員將上門為您單管複檢。",
        "en": "[Fangkong] The pooled test of your sample of {day} was abnormal. Stay at home and do not go out: "
              "staff will come to your door for a single-tube re-test.",
    },
    urgent=True,
))

# A single tube's result (a re-check at the door, a test day under a measure). A positive one is not written in a
# text: the person is asked to stay where they are and keep the phone on, and the tracer calls.
RESULT_NEGATIVE = register_message_kind(MessageKind(
    code="result_negative",
    label=_("Single-tube result: negative"),
    templates={
        "zh-hans": "【防控】您{day}采样的单管核酸检测结果为阴性。",
        "zh-hant": "【防控】您{day}採樣的單管核酸檢測結果為陰性。",
        "en": "[Fangkong] Your single-tube PCR test of {day} is negative.",
    },
))

RESULT_POSITIVE = register_message_kind(MessageKind(
    code="result_positive",
    label=_("Single-tube result: stay and wait for a call"),
    templates={
        "zh-hans": "【防控】您{day}采样的核酸检测需进一步核实。请留在原地、不要外出，保持电话畅通，"
                   "疾控人员将尽快与您联系。",
        "zh-hant": "【防控】您{day}採樣的核酸檢測需進一步核實。請留在原地、不要外出，保持電話暢通，"
                   "疾控人員將盡快與您聯繫。",
        "en": "[Fangkong] Your PCR test of {day} needs to be confirmed. Stay where you are, do not go out and keep "
              "your phone on: the CDC will call you shortly.",
    },
    urgent=True,
))

TEST_REMINDER = register_message_kind(MessageKind(
    code="test_reminder",
    label=_("Test reminder"),
    templates={
        "zh-hans": "【防控】提醒：您{day}需要进行核酸检测，请按时采样。",
        "zh-hant": "【防控】提醒：您{day}需要進行核酸檢測，請按時採樣。",
        "en": "[Fangkong] Reminder: your next PCR test is on {day}. Please be sampled on time.",
    },
))

MEASURE_START = register_message_kind(MessageKind(
    code="measure_start",
    label=_("Measure start"),
    templates={
        "zh-hans": "【防控】根据防控要求，您作为{category}自{start}起接受管理措施，预计至{end}结束。请配合落实。",
        "zh-hant": "【防控】根據防控要求，您作為{category}自{start}起接受管理措施，預計至{end}結束。請配合落實。",
        "en": "[Fangkong] As a {category} you are under control measures from {start} until {end}. "
              "Thank you for your cooperation.",
    },
))

MEASURE_START_OPEN = register_message_kind(MessageKind(
    code="measure_start_open",
    label=_("Measure start (no end date yet)"),
    templates={
        "zh-hans": "【防控】根据防控要求，您作为{category}自{start}起接受管理措施，结束时间另行通知。请配合落实。",
        "zh-hant": "【防控】根據防控要求，您作為{category}自{start}起接受管理措施，結束時間另行通知。請配合落實。",
        "en": "[Fangkong] As a {category} you are under control measures from {start}; you will be told when "
              "they end. Thank you for your cooperation.",
    },
))

MEASURE_END = register_message_kind(MessageKind(
    code="measure_end",
    label=_("Measure ended"),
    templates={
        "zh-hans": "【防控】您作为{category}的管理措施已于{day}解除。感谢您的配合。",
        "zh-hant": "【防控】您作為{category}的管理措施已於{day}解除。感謝您的配合。",
        "en": "[Fangkong] Your control measures as a {category} were lifted on {day}. Thank you.",
    },
))

RELEASE = register_message_kind(MessageKind(
    code="release",
    label=_("Release notice"),
    templates={
        "zh-hans": "【防控】您已于{day}解除管理。感谢您的配合，请继续做好个人防护。",
        "zh-hant": "【防控】您已於{day}解除管理。感謝您的配合，請繼續做好個人防護。",
        "en": "[Fangkong] You were released from control on {day}. Thank you, and keep protecting yourself.",
    },
))

TRANSFER_TIME = register_message_kind(MessageKind(
    code="transfer_time",
    label=_("Isolation transfer time"),
    templates={
        "zh-hans": "【防控】转运车辆{vehicle}将于{time}前来接您前往{site}集中隔离。"
                   "请备好个人物品，在家等候，不要外出。",
        "zh-hant": "【防控】轉運車輛{vehicle}將於{time}前來接您前往{site}集中隔離。"
                   "請備好個人物品，在家等候，不要外出。",
        "en": "[Fangkong] Vehicle {vehicle} will pick you up at {time} for centralised isolation at {site}. "
              "Pack your things and wait at home.",
    },
    urgent=True,
))

CHECKIN_REMINDER = register_message_kind(MessageKind(
    code="checkin_reminder",
    label=_("Check-in reminder"),
    templates={
        "zh-hans": "【防控】请记得完成今天（{day}）的健康打卡。",
        "zh-hant": "【防控】請記得完成今天（{day}）的健康打卡。",
        "en": "[Fangkong] Please do your health check-in for today ({day}).",
    },
))

CHECKIN_MISSED = register_message_kind(MessageKind(
    code="checkin_missed",
    label=_("Missed check-in"),
    templates={
        "zh-hans": "【防控】您{day}尚未完成健康打卡，请尽快打卡；如有发热等不适请立即告知网格员。",
        "zh-hant": "【防控】您{day}尚未完成健康打卡，請盡快打卡；如有發熱等不適請立即告知網格員。",
        "en": "[Fangkong] You have not done your health check-in for {day}. Please do it now; tell your grid "
              "worker at once if you have a fever.",
    },
))
