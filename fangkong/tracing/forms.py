"""Forms of the tracer's pages: they render the fields and collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import DATETIME_FORMATS, DATETIME_LOCAL
from fangkong.people.models import IdType
from fangkong.tracing.models import Case, Contact, Exposure, Link, PlaceVisit

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime(label, required=True, **kwargs):
    return forms.DateTimeField(label=label, required=required, widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS,
                               **kwargs)


class CaseForm(forms.Form):
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT)
    id_number = forms.CharField(label=_("ID number"), max_length=32,
                                help_text=_("The person must be on file; register them under People first."),
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    classification = forms.ChoiceField(label=_("Classification"), choices=Case.Classification.choices)
    source = forms.ChoiceField(label=_("Found by"), choices=Case.Source.choices)
    source_ref = forms.CharField(label=_("Tube or report number"), max_length=60, required=False)
    first_positive_at = _datetime(_("First positive sampling"))
    reported_at = _datetime(_("Positive result at"), required=False,
                            help_text=_("Empty: now. The tracing deadlines count from here."))
    onset_date = forms.DateField(label=_("Onset date"), required=False, widget=_DATE,
                                 help_text=_("Empty when there are no symptoms: the look-back counts from sampling."))
    ct_orf1ab = forms.DecimalField(label="Ct ORF1ab", required=False, max_digits=4, decimal_places=1,
                                   min_value=0, max_value=50)
    ct_n = forms.DecimalField(label="Ct N", required=False, max_digits=4, decimal_places=1, min_value=0,
                              max_value=50)
    tracer = forms.TypedChoiceField(label=_("Tracer"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, tracers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracer"].choices = [("", "—")] + [(u.pk, u.get_full_name() or u.username) for u in tracers]


class CaseEditForm(forms.Form):
    classification = forms.ChoiceField(label=_("Classification"), choices=Case.Classification.choices)
    clinical_status = forms.ChoiceField(label=_("Clinical status"), choices=Case.Clinical.choices)
    onset_date = forms.DateField(label=_("Onset date"), required=False, widget=_DATE)
    window_start = _datetime(_("Look-back from"), required=False)
    window_end = _datetime(_("Look-back to"), required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=5000)


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=[("first_contact", "first_contact"), ("core", "core"), ("report", "report")])
    at = _datetime(_("When"), required=False)


class AssignForm(forms.Form):
    tracer = forms.TypedChoiceField(label=_("Tracer"), coerce=int)

    def __init__(self, *args, tracers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracer"].choices = [(u.pk, u.get_full_name() or u.username) for u in tracers]


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PlaceVisit.Kind.choices, initial=PlaceVisit.Kind.VENUE)
    name = forms.CharField(label=_("Place"), max_length=100)
    place_code = forms.CharField(label=_("Place code"), max_length=60, required=False,
                                 help_text=_("The venue code (场所码) or grid cell in the scan data, if known."))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    start = _datetime(_("From"))
    end = _datetime(_("To"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ExposureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Exposure.Kind.choices)
    at = _datetime(_("When"), required=False)
    description = forms.CharField(label=_("Description"), max_length=300)
    source_case_number = forms.CharField(label=_("Source case number"), max_length=20, required=False,
                                         help_text=_("Links the two cases as probable."))


class ContactForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Contact.Category.choices)
    via = forms.TypedChoiceField(label=_("Through close contact"), coerce=int, required=False, empty_value=None,
                                 help_text=_("For a secondary contact only."))
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT)
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    exposure_at = _datetime(_("Last exposure"))
    reason = forms.CharField(label=_("Reason"), max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": _("same household, shared a meal…")}))
    # Someone not on file here: an assist request (协查) to where they are.
    name = forms.CharField(label=_("Name (if not on file)"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Where they are (address)"), max_length=200, required=False)

    def __init__(self, *args, close_contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["via"].choices = [("", "—")] + [
            (c.pk, c.person.name if c.person_id else (c.assist.name if hasattr(c, "assist") else str(c.pk)))
            for c in close_contacts]


class ContactsUploadForm(forms.Form):
    file = forms.FileField(label=_("Contact list (CSV or Excel)"),
                           help_text=_("Columns: name,id_number,phone,category,exposure_at,reason,address "
                                       "(or 姓名,身份证号,手机,类别,末次暴露时间,原因,地址); "
                                       "category 密接/次密接/时空伴随."))


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class LinkForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=[
        ("from", _("This case was infected by")), ("to", _("This case infected"))])
    other_number = forms.CharField(label=_("Other case number"), max_length=20)
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Link.Confidence.choices)
    basis = forms.CharField(label=_("Basis"), max_length=200, required=False)


class DetectionForm(forms.Form):
    file = forms.FileField(label=_("Venue scans or cell visits (CSV or Parquet)"),
                           help_text=_("Columns: person_id (ID number), place_id, start, end (end may be empty)."))
    min_minutes = forms.IntegerField(label=_("At least (minutes)"), initial=10, min_value=1, max_value=1440)
    default_dwell_minutes = forms.IntegerField(label=_("Stay when no end time (minutes)"), initial=30, min_value=1,
                                               max_value=1440)


class HitsForm(forms.Form):
    action = forms.ChoiceField(choices=[("confirm", "confirm"), ("dismiss", "dismiss")])
    category = forms.ChoiceField(choices=[(Contact.Category.CLOSE, Contact.Category.CLOSE.label),
                                          (Contact.Category.CO_PRESENT, Contact.Category.CO_PRESENT.label)],
                                 required=False)
    hits = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, hit_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hits"].choices = [(pk, pk) for pk in hit_ids]
