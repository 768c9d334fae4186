from datetime import datetime

from ninja import Field, Schema


class ExportIn(Schema):
    source: str = Field(description="persons, arrivals, samples, contacts, stays or tasks")
    format: str = Field("csv", description="csv, xlsx or parquet")
    filters: dict[str, str | int | bool] = Field(default_factory=dict,
                                                 description="The list page's GET parameters, e.g. {\"status\": ...}")
    columns: list[str] | None = Field(None, description="Column keys; the default for your role when left out")
    reveal: bool = Field(False, description="Unmasked personal data: needs people.reveal and a reason")
    reason: str = ""


class ExportOut(Schema):
    id: int
    job_id: int | None
    source: str
    format: str
    status: str
    done: int
    total: int | None
    filters: dict
    columns: list[str]
    revealed: bool
    row_count: int | None
    file_size: int | None
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime
    download_url: str | None
