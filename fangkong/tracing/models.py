"""Epidemiological investigation (流调): cases, their itinerary and exposures, contacts, links between cases,
assist requests for contacts outside the jurisdiction, and co-presence detection runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet


class Case(models.Model):
    """An infection (confirmed or asymptomatic) under investigation; the clock starts at the positive result."""

    class Classification(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed case")
        ASYMPTOMATIC = "asymptomatic", _("Asymptomatic infection")

    class Source(models.TextChoices):
        TESTING_ROUND = "testing_round", _("Area-wide testing round")
        CONTROLLED = "controlled", _("Testing of people under control")
        FEVER_CLINIC = "fever_clinic", _("Fever clinic")
        CHECKPOINT = "checkpoint", _("Checkpoint")
        VOLUNTARY = "voluntary", _("Voluntary testing")
        OTHER = "other", pgettext_lazy("case source", "Other")

    class Clinical(models.TextChoices):
        ASYMPTOMATIC = "asymptomatic", _("No symptoms")
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")
        CRITICAL = "critical", _("Critical")
        RECOVERED = "recovered", _("Recovered")
        DIED = "died", _("Died")

    number = models.CharField(_("case number"), max_length=20, unique=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    # The person's node when the case opened: whose jurisdiction investigates it.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    classification = models.CharField(_("classification"), max_length=12, choices=Classification.choices,
                                      default=Classification.ASYMPTOMATIC)
    clinical_status = models.CharField(_("clinical status"), max_length=12, choices=Clinical.choices,
                                       default=Clinical.ASYMPTOMATIC)
    onset_date = models.DateField(_("onset date"), null=True, blank=True)
    first_positive_at = models.DateTimeField(_("first positive sampling"))
    ct_orf1ab = models.DecimalField("Ct ORF1ab", max_digits=4, decimal_places=1, null=True, blank=True)
    ct_n = models.DecimalField("Ct N", max_digits=4, decimal_places=1, null=True, blank=True)
    source = models.CharField(_("found by"), max_length=20, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=60, blank=True)
    # testing.PositiveCase when the case came from a tube; tracing takes the case over from there.
    positive_case = models.OneToOneField("testing.PositiveCase", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="tracing_case")
    tracer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="traced_cases", verbose_name=_("tracer"))
    # The infectious look-back window (from the protocol; the tracer may correct it).
    window_start = models.DateTimeField(_("look-back from"))
    window_end = models.DateTimeField(_("look-back to"))
    # The timeliness clock: positive result → first contact → core information → full report.
    reported_at = models.DateTimeField(_("positive result at"), db_index=True)
    first_contact_at = models.DateTimeField(_("first contact with the case"), null=True, blank=True)
    core_done_at = models.DateTimeField(_("core information complete"), null=True, blank=True)
    report_done_at = models.DateTimeField(_("full report complete"), null=True, blank=True)
    # When every close contact found so far was under control (None while one is not).
    contacts_controlled_at = models.DateTimeField(_("contacts under control"), null=True, blank=True)
    # Already isolated (home, site, hospital) when sampled: found among people under control (管控内), not in the
    # community (社会面). The share of these is how a HQ sees whether control outpaces transmission.
    under_control = models.BooleanField(_("found under control"), default=False)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("case")
        indexes = [models.Index(fields=["person"])]
        constraints = [models.UniqueConstraint(fields=["person"], name="tracing_case_one_per_person")]

    def __str__(self):
        return self.number


class PlaceVisit(models.Model):
    """One place on a case's itinerary (行动轨迹), with the times the case was there."""

    class Kind(models.TextChoices):
        HOME = "home", pgettext_lazy("place kind", "Home")
        WORK = "work", _("Workplace")
        VENUE = "venue", _("Venue (shop, restaurant, market…)")
        TRANSPORT = "transport", _("Transport")
        MEDICAL = "medical", _("Medical facility")
        OTHER = "other", pgettext_lazy("place kind", "Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VENUE)
    name = models.CharField(_("place"), max_length=100)
    # The venue code (场所码) or grid cell the co-presence data uses for this place, when known.
    place_code = models.CharField(_("place code"), max_length=60, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "case__unit__path"

    class Meta:
        verbose_name = _("place on the itinerary")
        ordering = ["start", "pk"]

    def __str__(self):
        return self.name


class Exposure(models.Model):
    """Where and how the case may have been infected."""

    class Kind(models.TextChoices):
        KNOWN_CASE = "known_case", _("Contact with a known case")
        RISK_AREA = "risk_area", _("Stay in a risk area")
        COLD_CHAIN = "cold_chain", _("Cold-chain goods")
        INBOUND = "inbound", _("Inbound travel")
        UNKNOWN = "unknown", _("Unknown")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="exposures")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("when"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300)
    source_case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("source case"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exposure")
        ordering = ["at", "pk"]


class Contact(models.Model):
    """A person a case (or a close contact) exposed, classified by the protocol; classification starts the
    protocol's measure for them."""

    class Category(models.TextChoices):
        CLOSE = "close_contact", _("Close contact")
        SECONDARY = "secondary_contact", _("Secondary contact")
        CO_PRESENT = "co_present", _("Co-present person")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Added by hand")
        LIST = "list", _("From a list")
        COPRESENCE = "copresence", _("Co-presence detection")

    class Status(models.TextChoices):
        CONTROLLED = "controlled", _("Under control")
        NOT_REQUIRED = "not_required", _("No measure required")
        ASSIST = "assist", _("Assist request sent")
        RELEASED = "released", _("Released")
        BECAME_CASE = "became_case", _("Became a case")
        UPGRADED = "upgraded", _("Upgraded to close contact")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    # Null for people outside the jurisdiction: they are an AssistRequest instead.
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("territory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    # A secondary contact's close contact (the link a release or upgrade rule follows).
    via = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="secondaries",
                            verbose_name=_("through close contact"))
    reason = models.CharField(_("reason"), max_length=200)
    exposure_at = models.DateTimeField(_("last exposure"))
    source = models.CharField(_("found by"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    copresent_minutes = models.PositiveIntegerField(_("co-present minutes"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices)
    measure = models.ForeignKey("protocols.Measure", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    controlled_at = models.DateTimeField(_("under control at"), null=True, blank=True)
    created_at = models.DateTimeField(_("classified at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    # A contact is the investigating jurisdiction's record; the contact's own node sees it through the measure.
    scope_path_lookup = "case__unit__path"

    class Meta:
        verbose_name = _("contact")
        constraints = [models.UniqueConstraint(fields=["case", "person"], condition=Q(person__isnull=False),
                                               name="tracing_contact_once_per_case")]
        indexes = [models.Index(fields=["person"])]


class AssistRequest(models.Model):
    """协查: a contact outside the jurisdiction, exported to the city where they are."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet sent")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="assist")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    id_type = models.CharField(_("ID type"), max_length=10, blank=True)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Where they are: a place name, and its GB/T 2260 code when the address resolves.
    region = models.CharField(_("where they are"), max_length=100, blank=True)
    region_code = models.CharField(_("area code"), max_length=6, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "contact__case__unit__path"

    class Meta:
        verbose_name = _("assist request")


class Link(models.Model):
    """Who infected whom: a directed edge of the transmission graph."""

    class Confidence(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed (genome or clear exposure)")
        PROBABLE = "probable", _("Probable")
        POSSIBLE = "possible", _("Possible")

    infector = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="infected_links")
    infectee = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="source_links")
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("transmission link")
        constraints = [
            models.UniqueConstraint(fields=["infector", "infectee"], name="tracing_link_once"),
            models.CheckConstraint(condition=~Q(infector=models.F("infectee")), name="tracing_link_not_self"),
        ]


class DetectionRun(models.Model):
    """One run of the co-presence engine for a case, over an uploaded file of venue scans or cell visits."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="detection_runs")
    filename = models.CharField(_("file"), max_length=200)
    path = models.CharField(max_length=500)
    min_minutes = models.PositiveIntegerField(_("at least (minutes)"), default=10)
    default_dwell_minutes = models.PositiveIntegerField(_("stay when no end time (minutes)"), default=30)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    job = models.ForeignKey("ops.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    visits_read = models.PositiveIntegerField(default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "case__unit__path"

    class Meta:
        verbose_name = _("co-presence run")


class DetectionHit(models.Model):
    """A person the engine found co-present with the case; the tracer confirms (a contact) or dismisses it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("To review")
        CONFIRMED = "confirmed", _("Confirmed as a contact")
        DISMISSED = "dismissed", _("Dismissed")

    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="hits")
    # The file's person_id: an ID number (matched to the archive) or whatever the data source uses.
    person_key = models.CharField(max_length=40)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    copresent_minutes = models.FloatField(_("co-present minutes"))
    first_contact = models.DateTimeField(_("first together"))
    last_contact = models.DateTimeField(_("last together"))
    places = models.CharField(_("places"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("co-presence hit")
        ordering = ["-copresent_minutes", "pk"]
