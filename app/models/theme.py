from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import created_at


class Theme(SQLModel, table=True):
    """A group of ideas (ประเด็น); ideas point at their theme."""

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    label: str = Field(max_length=200)
    created_at: datetime = created_at()
