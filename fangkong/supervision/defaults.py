"""The default checklists, in Chinese as inspection teams write them; a data migration calls
`seed_default_checklists()`. Idempotent: a checklist that exists is left as the HQ edited it."""

SERIOUS, ORDINARY, MINOR = "serious", "ordinary", "minor"

DEFAULT_CHECKLISTS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "checkpoint": ("卡口检查表", [
        ("24小时值守，在岗人员与排班表一致", SERIOUS),
        ("过往人员逐一登记、查验健康码行程码", SERIOUS),
        ("逐一测温，异常人员按流程处置并记录", SERIOUS),
        ("车辆与人员信息登记完整、可追溯", ORDINARY),
        ("消杀记录完整，按时消杀", ORDINARY),
        ("工作人员个人防护规范（口罩、手套、防护服）", ORDINARY),
        ("防疫物资储备充足", MINOR),
        ("公示标识、告知牌齐全", MINOR),
    ]),
    "community": ("村（社区）检查表", [
        ("只留一个出入口，其余出入口封闭到位", SERIOUS),
        ("出入口24小时值守，扫码测温登记", SERIOUS),
        ("网格员、包联干部、党员包户责任到人", ORDINARY),
        ("居家隔离、居家健康监测人员管控到位，每日两次体温", SERIOUS),
        ("外来人员排查登记，台账完整", ORDINARY),
        ("公共区域消杀并有记录", ORDINARY),
        ("无聚集性活动（聚餐、打牌）", ORDINARY),
        ("防疫宣传到户", MINOR),
    ]),
    "enterprise": ("企业检查表", [
        ("防控方案和应急预案齐全", ORDINARY),
        ("员工健康台账、每日体温记录", ORDINARY),
        ("员工按要求进行核酸检测", SERIOUS),
        ("入口扫码测温登记", ORDINARY),
        ("食堂分餐错峰、宿舍管理规范", ORDINARY),
        ("办公及生产场所通风消杀记录", MINOR),
        ("防疫物资储备充足", MINOR),
    ]),
    "isolation_site": ("隔离点检查表", [
        ("三区两通道设置规范，标识清楚", SERIOUS),
        ("一人一间，同类人员不混住", SERIOUS),
        ("每日两次体温监测并记录", SERIOUS),
        ("隔离人员不得串门，房门管理到位", SERIOUS),
        ("医疗废物规范收集处置", ORDINARY),
        ("工作人员闭环管理、防护规范", SERIOUS),
        ("环境消杀记录完整", ORDINARY),
        ("生活物资配送无接触", MINOR),
    ]),
    "fever_clinic": ("发热门诊检查表", [
        ("预检分诊落实，发热患者专人引导", SERIOUS),
        ("发热患者100%核酸检测", SERIOUS),
        ("就诊登记信息完整、可追溯", ORDINARY),
        ("诊室通风消毒记录", ORDINARY),
        ("医务人员防护规范", SERIOUS),
        ("医疗废物规范处置", ORDINARY),
    ]),
    "market": ("市场检查表", [
        ("入口扫码测温，限流措施落实", SERIOUS),
        ("从业人员健康登记和核酸检测", SERIOUS),
        ("摊位间距、人员不聚集", ORDINARY),
        ("冷链食品来源可追溯", SERIOUS),
        ("每日消杀记录", ORDINARY),
        ("佩戴口罩提醒到位", MINOR),
        ("价格公示、货源充足", MINOR),
    ]),
    "other": ("其他场所检查表", [
        ("扫码测温登记落实", ORDINARY),
        ("人员不聚集、限流措施落实", ORDINARY),
        ("消杀记录完整", MINOR),
        ("防疫宣传公示到位", MINOR),
    ]),
}


def seed_default_checklists(checklist_model=None, item_model=None) -> int:
    """Create each default checklist that does not exist yet; returns how many were created. The models may be
    passed in (a migration's historical models)."""
    if checklist_model is None or item_model is None:
        from fangkong.supervision.models import Checklist, ChecklistItem

        checklist_model, item_model = Checklist, ChecklistItem
    created = 0
    for site_type, (name, items) in DEFAULT_CHECKLISTS.items():
        checklist, made = checklist_model.objects.get_or_create(site_type=site_type, defaults={"name": name})
        if not made:
            continue
        created += 1
        item_model.objects.bulk_create([
            item_model(checklist=checklist, position=position, text=text, severity=severity)
            for position, (text, severity) in enumerate(items, 1)])
    return created
