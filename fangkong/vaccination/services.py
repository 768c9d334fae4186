"""Writes of the vaccination app: the product list, and doses following a person merge. Doses themselves come
from files (vaccination.imports)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.audit.services import audit_record
from fangkong.vaccination.models import Dose, Product

PRODUCT_FIELDS = ("name", "maker", "route", "aliases", "active", "position")


def may_edit_products(user) -> bool:
    """The product list is the city's: edited by whoever imports doses from the city's root node (the HQ)."""
    return bool(user is not None and user.is_authenticated and has_capability(user, "vaccination.import")
                and getattr(user, "scope", None) is not None and user.scope.parent_id is None)


@transaction.atomic(durable=True)
def product_save(*, actor, code: str, name: str, maker: str = "", route: str = Product.Route.INJECTED,
                 aliases: str = "", active: bool = True, position: int = 100) -> Product:
    """Add a product, or change the one with this code (codes stay, so doses keep their product)."""
    if actor is not None and not may_edit_products(actor):
        raise PermissionDenied("vaccination products")
    code = (code or "").strip().lower()
    name = " ".join((name or "").split())
    if not code or not name:
        raise ValidationError({"name": _("Give the product a code and a name.")})
    if route not in Product.Route.values:
        raise ValidationError({"route": _("Choose injected or inhaled.")})
    product = Product.objects.select_for_update().filter(code=code).first()
    before = {f: getattr(product, f) for f in PRODUCT_FIELDS} if product else {}
    product = product or Product(code=code)
    product.name, product.maker, product.route = name[:80], (maker or "").strip()[:80], route
    product.aliases, product.active, product.position = (aliases or "").strip()[:500], bool(active), position
    product.full_clean()
    product.save()
    audit_record(actor=actor, obj=product, action="edit" if before else "create", unit_path="/",
                 changes={f: (before.get(f), getattr(product, f)) for f in PRODUCT_FIELDS
                          if before.get(f) != getattr(product, f)})
    return product


def doses_repoint_person(*, survivor, duplicate) -> int:
    """Called inside people.services.person_merge. The duplicate's doses move to the survivor unless the survivor
    already has that dose number: an identical one is dropped, a different one stays on the duplicate's record
    (still listed there for whoever corrects it) rather than overwrite the survivor's."""
    moved = 0
    mine = {d.dose_number: d for d in Dose.objects.filter(person=survivor)}
    for dose in Dose.objects.filter(person=duplicate):
        existing = mine.get(dose.dose_number)
        if existing is None:
            dose.person = survivor
            dose.save(update_fields=["person"])
            moved += 1
        elif (existing.product_id, existing.given_on) == (dose.product_id, dose.given_on):
            dose.delete()
    return moved
