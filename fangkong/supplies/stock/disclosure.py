"""The public disclosure of donations (捐赠款物公示) for a period: what was received, and where it went, as local
governments publish it — a PDF (WeasyPrint, the system's Noto CJK fonts) and an Excel workbook (openpyxl).

Individual donors appear masked (张**) unless they agreed to be named; companies are named; anonymous is 匿名.
Donor contacts never appear.
"""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.days import day_bounds
from fangkong.core.masking import mask_name
from fangkong.supplies.models import Donation, DonationAllocation
from fangkong.supplies.stock.donations import goods_passed_on
from fangkong.supplies.stock.services import fmt


def public_donor(donation: Donation) -> str:
    if donation.donor_kind == Donation.DonorKind.ANONYMOUS or not donation.donor_name:
        return _("Anonymous")
    if donation.donor_kind == Donation.DonorKind.INDIVIDUAL and not donation.named_publicly:
        return mask_name(donation.donor_name)
    return donation.donor_name


@dataclass
class Row:
    number: str
    received_on: datetime.date
    donor: str
    what: str
    amount: Decimal | None
    quantity: str
    unit: str
    purpose: str
    used: str


@dataclass
class Disclosure:
    start: datetime.date
    end: datetime.date
    node: str
    rows: list[Row] = field(default_factory=list)
    allocations: list[DonationAllocation] = field(default_factory=list)
    money_received: Decimal = Decimal(0)
    money_allocated: Decimal = Decimal(0)
    # (item, unit, received, passed on) per donated item.
    goods: list[tuple[str, str, str, str]] = field(default_factory=list)
    generated_at: datetime.datetime | None = None


def disclosure_for(*, user, start: datetime.date, end: datetime.date) -> Disclosure:
    """Donations received from `start` to `end` (both included) in the user's jurisdiction, with what of them was
    used by the end of the period, and the money passed on in the period."""
    until = day_bounds(end)[1]
    donations = list(Donation.objects.visible_to(user, "report").filter(received_on__gte=start, received_on__lte=end)
                     .select_related("item").order_by("received_on", "pk"))
    passed = goods_passed_on(donations, until=until)
    allocated = {row["donation_id"]: row["s"] for row in
                 DonationAllocation.objects.filter(donation__in=donations, allocated_on__lte=end)
                 .values("donation_id").annotate(s=Sum("amount")).order_by()}
    report = Disclosure(start=start, end=end, node=user.scope.name if user.scope_id else "",
                        generated_at=timezone.now())
    goods: dict[int, list] = {}
    for d in donations:
        if d.kind == Donation.Kind.MONEY:
            report.money_received += d.amount
            used = allocated.get(d.pk, Decimal(0))
            report.rows.append(Row(d.number, d.received_on, public_donor(d), _("Money"), d.amount, "", _("yuan"),
                                   d.purpose, f"{used:.2f}"))
        else:
            used = passed.get(d.pk, Decimal(0))
            report.rows.append(Row(d.number, d.received_on, public_donor(d), d.item.name, None, fmt(d.quantity),
                                   d.item.get_unit_display(), d.purpose, fmt(used)))
            entry = goods.setdefault(d.item_id, [d.item.name, d.item.get_unit_display(), Decimal(0), Decimal(0)])
            entry[2] += d.quantity
            entry[3] += used
    report.goods = [(name, unit, fmt(received), fmt(used)) for name, unit, received, used in goods.values()]
    report.allocations = list(DonationAllocation.objects.visible_to(user, "report")
                              .filter(allocated_on__gte=start, allocated_on__lte=end)
                              .select_related("donation").order_by("allocated_on", "pk"))
    report.money_allocated = sum((a.amount for a in report.allocations), Decimal(0))
    return report


def _no_fetch(url, *args, **kwargs):
    # The PDF template carries its own styles and the system's fonts: nothing is fetched, from anywhere.
    raise ValueError(f"not fetched: {url[:80]}")


def disclosure_pdf(report: Disclosure) -> bytes:
    from weasyprint import HTML

    html = render_to_string("supplies/donation_disclosure_pdf.html", {"report": report})
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def disclosure_xlsx(report: Disclosure) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Donations received")[:31]
    sheet.append([_("Donations received and used, %(start)s to %(end)s") % {
        "start": report.start.isoformat(), "end": report.end.isoformat()}])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([report.node])
    header = [_("Receipt number"), _("Received on"), _("Donor"), _("Money or item"), _("Amount (yuan)"),
              _("Quantity"), _("Unit"), _("Donor's wish"), _("Used by the end of the period")]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in report.rows:
        sheet.append([row.number, row.received_on, row.donor, row.what,
                      float(row.amount) if row.amount is not None else None, row.quantity, row.unit, row.purpose,
                      row.used])
    sheet.append([])
    sheet.append([_("Money received"), float(report.money_received)])
    sheet.append([_("Money passed on in the period"), float(report.money_allocated)])
    for column, width in zip("ABCDEFGHI", (16, 12, 24, 18, 14, 10, 10, 30, 16), strict=True):
        sheet.column_dimensions[column].width = width
    used = book.create_sheet(_("Money passed on")[:31])
    used.append([_("On"), _("Receipt number"), _("Amount (yuan)"), _("Purpose"), _("Paid to")])
    for allocation in report.allocations:
        used.append([allocation.allocated_on, allocation.donation.number, float(allocation.amount),
                     allocation.purpose, allocation.recipient])
    goods = book.create_sheet(_("Goods")[:31])
    goods.append([_("Item"), _("Unit"), _("Received"), _("Passed on")])
    for line in report.goods:
        goods.append(list(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
