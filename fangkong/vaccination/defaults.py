"""The vaccine products a new installation starts with (an HQ edits the list on /vaccination/products/)."""

PRODUCTS = [
    ("sinopharm", "国药 BBIBP-CorV", "国药集团中国生物", "injected",
     "国药;国药集团;北京生物;武汉生物;中国生物;BBIBP-CorV;Sinopharm;新冠病毒灭活疫苗(Vero细胞)国药", 10),
    ("sinovac", "科兴 CoronaVac", "北京科兴中维", "injected", "科兴;科兴中维;北京科兴;CoronaVac;Sinovac;克尔来福", 20),
    ("zf2001", "智飞 ZF2001", "安徽智飞龙科马", "injected", "智飞;智飞龙科马;智克威得;ZF2001;重组蛋白疫苗", 30),
    ("cansino", "康希诺 Ad5-nCoV（注射）", "康希诺生物", "injected", "康希诺;康希诺注射;克威莎;Ad5-nCoV;CanSino;"
     "腺病毒载体疫苗", 40),
    ("cansino_inhaled", "康希诺 Ad5-nCoV（吸入）", "康希诺生物", "inhaled", "康希诺吸入;吸入用;吸入式;克威莎雾优;"
     "Ad5-nCoV-IH;吸入用重组新冠疫苗", 50),
    ("other", "其他", "", "injected", "其它;other", 90),
]


def seed_default_products(product_model=None) -> int:
    """Adds the products that are missing; returns how many. Also called by the tests when a live-server test has
    emptied the database."""
    if product_model is None:
        from fangkong.vaccination.models import Product as product_model
    added = 0
    for code, name, maker, route, aliases, position in PRODUCTS:
        _, created = product_model.objects.get_or_create(
            code=code, defaults=dict(name=name, maker=maker, route=route, aliases=aliases, position=position))
        added += created
    return added
