"""FHIR R4 for interop: codes and systems, the resources we serve, and the lab messages we take in.

Resources are checked with fhir.resources' R4B models: R4B (4.3) keeps R4's Patient, Observation, Specimen, Bundle
and OperationOutcome as they were, and is what the library ships for the R4 line under pydantic 2.
"""
