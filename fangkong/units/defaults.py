"""The default reopening checklists by kind of unit, in Chinese as the streets write them; a data migration calls
`seed_default_checklists()`. Idempotent: a kind that already has items is left as the HQ edited it.
Each item is (text, required): a required item must be in place before an application may be approved."""

DEFAULT_CHECKLISTS: dict[str, list[tuple[str, bool]]] = {
    "enterprise": [
        ("防控预案和应急处置方案", True),
        ("入口测温点、扫码查验", True),
        ("临时隔离观察室", True),
        ("防护物资储备满足7天需要", True),
        ("员工健康档案，每日健康监测", True),
        ("通风消毒记录", True),
        ("错峰上下班、错峰就餐", False),
        ("食堂分餐、宿舍限员", False),
    ],
    "school": [
        ("开学防控方案和应急预案", True),
        ("晨午检制度", True),
        ("因病缺勤追踪登记", True),
        ("师生员工健康排查（返校前14天）", True),
        ("临时留观室", True),
        ("校门测温、封闭管理", True),
        ("防护物资储备", True),
        ("教室、宿舍、食堂通风消毒", True),
        ("错峰入校、错峰就餐", False),
    ],
    "market": [
        ("入口扫码测温、限流", True),
        ("从业人员健康登记和核酸检测", True),
        ("冷链食品来源可追溯", True),
        ("每日消杀记录", True),
        ("防护物资储备", False),
    ],
    "hotel": [
        ("入住人员登记、扫码测温", True),
        ("员工健康监测", True),
        ("临时隔离房间", True),
        ("公共区域通风消毒记录", True),
        ("防护物资储备", False),
    ],
    "construction": [
        ("工地封闭管理、实名制进出", True),
        ("工人健康档案、每日测温", True),
        ("临时隔离观察室", True),
        ("工人宿舍限员、通风消毒", True),
        ("防护物资储备满足7天需要", True),
        ("错峰作业、错峰就餐", False),
    ],
    "care_home": [
        ("封闭管理、探视暂停或预约", True),
        ("老人和工作人员每日健康监测", True),
        ("工作人员定期核酸检测", True),
        ("隔离观察室", True),
        ("通风消毒记录", True),
        ("防护物资和药品储备", True),
    ],
    "railway": [
        ("站段防控方案", True),
        ("乘客测温、扫码查验", True),
        ("职工健康监测、核酸检测", True),
        ("候车区域通风消毒记录", True),
        ("防护物资储备", False),
    ],
    "other": [
        ("防控预案", True),
        ("入口测温、扫码查验", True),
        ("员工健康监测", True),
        ("通风消毒记录", True),
        ("防护物资储备", False),
    ],
}


def seed_default_checklists(item_model=None) -> int:
    """Create the items of each kind that has none yet; returns how many kinds were seeded. The model may be
    passed in (a migration's historical model)."""
    if item_model is None:
        from fangkong.units.models import UnitChecklistItem

        item_model = UnitChecklistItem
    seeded = 0
    for kind, items in DEFAULT_CHECKLISTS.items():
        if item_model.objects.filter(kind=kind).exists():
            continue
        seeded += 1
        item_model.objects.bulk_create([item_model(kind=kind, position=position, text=text, required=required)
                                        for position, (text, required) in enumerate(items, 1)])
    return seeded
