"""Importing progress reports from the spreadsheets planners already keep: upload, map
columns, preview every row-level error, then import all rows or none."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app import labels
from app.domain import monitoring as rules
from app.domain import sheet_import
from app.domain.errors import NotFound, UserError
from app.i18n import gettext as _
from app.models import City, PlanItem, SheetUpload, StaffAccount
from app.services import access
from app.services import monitoring as service

FIELDS = ("item", "period", "status", "percent", "budget_spent", "narrative")
REQUIRED = {"item", "period", "status"}
ALIASES: dict[str, tuple[str, ...]] = {
    "item": (
        "item",
        "plan item",
        "project",
        "priority",
        "no",
        "โครงการ",
        "รายการ",
        "ลำดับ",
        "แผนงาน",
    ),
    "period": ("period", "quarter", "ไตรมาส", "งวด", "ช่วงเวลา", "ปีงบประมาณ"),
    "status": ("status", "สถานะ"),
    "percent": ("percent", "progress", "% complete", "ร้อยละ", "ความคืบหน้า", "ความก้าวหน้า"),
    "budget_spent": ("budget spent", "spent", "เบิกจ่าย", "งบที่ใช้", "งบประมาณที่ใช้", "เบิกจ่ายแล้ว"),
    "narrative": ("narrative", "note", "comment", "หมายเหตุ", "รายละเอียด", "ผลการดำเนินงาน"),
}


def field_specs() -> list[sheet_import.FieldSpec]:
    return [
        sheet_import.FieldSpec("item", True, str),
        sheet_import.FieldSpec("period", True, rules.parse_period),
        sheet_import.FieldSpec("status", True, rules.parse_status),
        sheet_import.FieldSpec("percent", False, rules.parse_percent),
        sheet_import.FieldSpec("budget_spent", False, rules.parse_money),
        sheet_import.FieldSpec("narrative", False, str),
    ]


def sheet_message(error: sheet_import.SheetError) -> str:
    params = error.params
    messages = {
        "too_large": _("The file is too large: at most %(mb)s MB.")
        % {"mb": params.get("max_mb", 5)},
        "empty": _("The file is empty."),
        "not_utf8": _(
            "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”, or upload the .xlsx file."
        ),
        "bad_xlsx": _("The Excel file cannot be read. Save it again as .xlsx and retry."),
        "unsupported": _("Upload a CSV or an Excel (.xlsx) file."),
        "no_header": _("The first row must name the columns."),
        "duplicate_column": _("Two columns have the same name: %(column)s.")
        % {"column": params.get("column", "")},
        "bad_csv": _("The CSV file is broken near row %(row)s (a quote is not closed?).")
        % {"row": params.get("row", "?")},
        "no_rows": _("The file has a header but no rows."),
        "too_many_rows": _("The file has too many rows: at most %(max)s.")
        % {"max": params.get("max_rows", 10000)},
        "too_many_columns": _("The file has too many columns: at most %(max)s.")
        % {"max": params.get("max_columns", 200)},
        "missing_field": _("Choose the column for: %(field)s.")
        % {"field": labels.import_field(str(params.get("field", "")))},
        "unknown_column": _("The file has no column %(column)s.")
        % {"column": params.get("column", "")},
    }
    return messages.get(error.code, _("The file cannot be read."))


def row_message(code: str, params: Mapping[str, object]) -> str:
    messages = {
        "required": _("missing"),
        "not_a_number": _("not a number (or in another unit)"),
        "negative": _("cannot be negative"),
        "percent_range": _("must be between 0 and 100"),
        "bad_status": _("not a known status (ยังไม่เริ่ม, ตามแผน, ล่าช้า, เสร็จสิ้น, ยกเลิก)"),
        "bad_period": _("not a period such as 2569-Q1 or ไตรมาส 1/2569"),
        "bad_date": _("not a date"),
        "date_outside_period": _("outside the period"),
        "unknown_item": _("no plan item of this city has this number or name"),
        "duplicate_row": _("the same item and period appear twice in the file"),
        "future_period": _("this period has not started yet"),
        "too_many_decimals": _("too many decimals"),
        "wrong_unit": _("in another unit (%(unit)s expected)") % {"unit": params.get("unit", "")},
        "too_large": _("too large"),
        "invalid": _("not valid"),
    }
    return messages.get(code, _("not valid"))


def store_upload(
    session: Session, city: City, filename: str, data: bytes, actor: StaffAccount
) -> SheetUpload:
    """Keep the file between preview and import; refuse what cannot be read at all."""
    try:
        sheet_import.read_sheet(data, filename)
    except sheet_import.SheetError as error:
        raise UserError(sheet_message(error), status_code=422) from error
    upload = SheetUpload(
        city_id=city.id or 0, filename=filename[:200], data=data, created_by_id=actor.id
    )
    session.add(upload)
    session.flush()
    return upload


def get_upload(session: Session, city: City, upload_id: int) -> SheetUpload:
    upload = session.get(SheetUpload, upload_id)
    if upload is None or upload.city_id != city.id:
        raise NotFound(_("This upload is gone. Upload the file again."))
    return upload


@dataclass
class Preview:
    columns: list[str]
    mapping: dict[str, str | None]
    rows: list[tuple[int, dict[str, object]]]  # (row number in the file, parsed values)
    errors: list[tuple[int, str, str, str]]  # (row number, field, value, message)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _item_lookup(session: Session, city: City) -> tuple[dict[int, PlanItem], dict[str, PlanItem]]:
    items = service.items_of_city(session, city)
    by_number = {i.priority: i for i in items}
    by_title = {" ".join(i.title.split()).casefold(): i for i in items}
    return by_number, by_title


def preview(
    session: Session,
    city: City,
    upload: SheetUpload,
    mapping: Mapping[str, str | None] | None = None,
    *,
    today: date | None = None,
) -> Preview:
    today = today or date.today()
    try:
        sheet = sheet_import.read_sheet(upload.data, upload.filename)
    except sheet_import.SheetError as error:  # pragma: no cover - checked on upload
        raise UserError(sheet_message(error), status_code=422) from error
    chosen = (
        dict(mapping) if mapping else sheet_import.guess_mapping(sheet.columns, FIELDS, ALIASES)
    )
    chosen = {f: (c if c in sheet.columns else None) for f, c in chosen.items()}
    for field in REQUIRED:
        chosen.setdefault(field, None)
    try:
        mapped = sheet_import.map_rows(sheet, chosen, field_specs())
    except sheet_import.SheetError as error:  # a required field mapped to no column
        field = str(error.params.get("field", ""))
        return Preview(
            columns=sheet.columns,
            mapping=chosen,
            rows=[],
            errors=[(sheet.header_row, field, "", sheet_message(error))],
        )
    errors = [
        (e.row_number, e.field, e.value, row_message(e.code, e.params)) for e in mapped.errors
    ]
    bad_rows = {e.row_number for e in mapped.errors}
    by_number, by_title = _item_lookup(session, city)
    seen: set[tuple[int, str]] = set()
    rows: list[tuple[int, dict[str, object]]] = []
    for number, values in zip(mapped.row_numbers, mapped.values, strict=True):
        if number in bad_rows:
            continue
        raw_item = str(values["item"]).strip()
        digits = rules.thai_digits_to_ascii(raw_item)
        item = (
            by_number.get(int(digits))
            if re.fullmatch(r"\d+", digits)
            else by_title.get(" ".join(raw_item.split()).casefold())
        )
        if item is None:
            errors.append((number, "item", raw_item, row_message("unknown_item", {})))
            continue
        period = values["period"]
        assert isinstance(period, rules.Period)  # noqa: S101  (parsed by field_specs)
        if period.start > today:
            errors.append((number, "period", period.key, row_message("future_period", {})))
            continue
        key = (item.id or 0, period.key)
        if key in seen:
            errors.append((number, "period", period.key, row_message("duplicate_row", {})))
            continue
        seen.add(key)
        rows.append((number, {**values, "item": item}))
    errors.sort()
    return Preview(columns=sheet.columns, mapping=chosen, rows=rows, errors=errors)


def import_reports(
    session: Session,
    city: City,
    upload: SheetUpload,
    mapping: Mapping[str, str | None],
    actor: StaffAccount,
) -> int:
    """All rows or none: any row error refuses the whole file, and nothing is written."""
    access.ensure_planner(actor, city)
    result = preview(session, city, upload, mapping)
    if not result.ok:
        raise UserError(_("Fix the rows marked below; nothing was imported."), status_code=422)
    for _number, values in result.rows:
        item = values["item"]
        assert isinstance(item, PlanItem)  # noqa: S101
        period = values["period"]
        assert isinstance(period, rules.Period)  # noqa: S101
        service.file_report(
            session,
            item,
            service.ReportFields(
                period=period,
                status=str(values["status"]),
                percent=values.get("percent"),  # type: ignore[arg-type]
                budget_spent=values.get("budget_spent"),  # type: ignore[arg-type]
                narrative=str(values.get("narrative") or ""),
            ),
            actor,
        )
    session.delete(upload)
    session.flush()
    return len(result.rows)
