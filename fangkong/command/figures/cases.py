"""Cases and their contacts per node (the case's node: where the person lives), and the daily series of the
epidemic curve: by onset (the sampling day when there is no onset), by result day, found under control (by
result day), imported (by onset; included in onset).
"""

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from fangkong.command.figures import Context, Counts
from fangkong.tracing.models import AssistRequest, Case, Contact, Exposure
from fangkong.tracing.selectors import late_q


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    week_start = ctx.today - timedelta(days=6)
    imported = Exposure.objects.filter(case=OuterRef("pk"), kind=Exposure.Kind.INBOUND)
    late = set(Case.objects.filter(late_q(ctx.now)).values_list("pk", flat=True))
    rows = (Case.objects.annotate(imported=Exists(imported))
            .values_list("pk", "unit_id", "classification", "onset_date", "first_positive_at", "reported_at",
                         "under_control", "imported").iterator(chunk_size=5000))
    for pk, unit_id, classification, onset, sampled_at, reported_at, controlled, is_imported in rows:
        c = counts[unit_id]
        reported = timezone.localtime(reported_at).date()
        c["cases.total"] += 1
        c[f"cases.{classification}"] += 1
        c["cases.controlled"] += controlled
        c["cases.imported"] += is_imported
        c["cases.late"] += pk in late
        if reported == ctx.today:
            c["cases.today"] += 1
            c["cases.today_controlled"] += controlled
        if reported >= week_start:
            c["cases.week"] += 1
            c["cases.week_controlled"] += controlled
        series = ctx.series.setdefault(unit_id, {})
        by_onset = (onset or timezone.localtime(sampled_at).date()).isoformat()
        series.setdefault("onset", Counter())[by_onset] += 1
        if is_imported:
            series.setdefault("imported", Counter())[by_onset] += 1
        series.setdefault("report", Counter())[reported.isoformat()] += 1
        series.setdefault(f"report_{classification}", Counter())[reported.isoformat()] += 1
        if is_imported:
            series.setdefault("report_imported", Counter())[reported.isoformat()] += 1
        if controlled:
            series.setdefault("controlled", Counter())[reported.isoformat()] += 1
    contacts = (Contact.objects.values("case__unit_id")
                .annotate(close=Count("pk", filter=Q(category=Contact.Category.CLOSE)),
                          secondary=Count("pk", filter=Q(category=Contact.Category.SECONDARY)),
                          controlled=Count("pk", filter=Q(status=Contact.Status.CONTROLLED)))
                .values_list("case__unit_id", "close", "secondary", "controlled").order_by())
    for unit_id, close, secondary, controlled in contacts:
        counts[unit_id]["contacts.close"] += close
        counts[unit_id]["contacts.secondary"] += secondary
        counts[unit_id]["contacts.controlled"] += controlled
    for unit_id, n in (AssistRequest.objects.exclude(status=AssistRequest.Status.ANSWERED)
                       .values("contact__case__unit_id").annotate(n=Count("pk"))
                       .values_list("contact__case__unit_id", "n").order_by()):
        counts[unit_id]["contacts.assist_open"] += n
    return counts
