"""Code systems and identifier systems of our FHIR resources. Identifier systems can be renamed in settings
(FHIR_IDENTIFIER_SYSTEMS) to those of a regional health-information platform."""

from django.conf import settings

FHIR_JSON = "application/fhir+json"

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V3_OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
V2_SPECIMEN_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0487"

# Throat and nasal swabs are respiratory specimens: LOINC's respiratory-specimen RNA presence code is the precise
# one; 94309-2 (any specimen) is accepted from labs as well.
SARS_COV_2_RNA = ("94500-6", "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection")
SARS_COV_2_RNA_CODES = {"94500-6", "94309-2"}

RESULT_CODES = {
    "positive": ("10828004", "Positive"),
    "negative": ("260385009", "Negative"),
    "invalid": ("455371000124106", "Invalid result"),
}
# SNOMED CT and HL7 v3 interpretation codes a lab may send, to our results.
RESULT_BY_CODE = {
    "10828004": "positive", "260373001": "positive", "pos": "positive", "det": "positive",
    "260385009": "negative", "260415000": "negative", "neg": "negative", "nd": "negative",
    "455371000124106": "invalid", "125154007": "invalid", "ind": "invalid",
}
INTERPRETATION = {"positive": "POS", "negative": "NEG", "invalid": "IND"}

# Ct values are components in our own code system: the targets our kits report.
CT_SYSTEM = "urn:fangkong:fhir:CodeSystem:ct-target"
CT_TARGETS = {"ct_orf1ab": ("ORF1ab", "Ct ORF1ab"), "ct_n": ("N", "Ct N")}

DEFAULT_IDENTIFIER_SYSTEMS = {
    "resident": "urn:fangkong:sid:cn-resident-id",
    "passport": "urn:fangkong:sid:passport",
    "hk_macao": "urn:fangkong:sid:hk-macao-permit",
    "taiwan": "urn:fangkong:sid:taiwan-permit",
    "other": "urn:fangkong:sid:other-id",
    "tube": "urn:fangkong:sid:tube",
    "lab": "urn:fangkong:sid:lab",
}


def identifier_system(kind: str) -> str:
    return {**DEFAULT_IDENTIFIER_SYSTEMS, **getattr(settings, "FHIR_IDENTIFIER_SYSTEMS", {})}[kind]


def id_type_of_system(system: str | None) -> str | None:
    """Our ID type for an identifier system; an identifier without a system is read as a resident ID."""
    if not system:
        return "resident"
    for id_type in ("resident", "passport", "hk_macao", "taiwan", "other"):
        if identifier_system(id_type) == system:
            return id_type
    return None
