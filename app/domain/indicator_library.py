"""Common indicators a city can adopt with one click, so cities measure alike and the
programme can compare them side by side. Names are Thai first, as planners write them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LibraryIndicator:
    key: str
    dimension: str  # one of DIMENSIONS
    name_th: str
    name_en: str
    unit: str
    direction: str  # "higher" or "lower" is better
    data_source: str


# Development dimensions of the Sustainable Future City programme's plans.
DIMENSIONS = ("environment", "disaster", "mobility", "economy", "society", "governance")

LIBRARY: tuple[LibraryIndicator, ...] = (
    LibraryIndicator(
        "waste_recycled",
        "environment",
        "สัดส่วนขยะที่นำกลับมาใช้ใหม่",
        "Share of waste recycled",
        "%",
        "higher",
        "กองสาธารณสุขและสิ่งแวดล้อม",
    ),
    LibraryIndicator(
        "waste_per_person",
        "environment",
        "ปริมาณขยะต่อคนต่อวัน",
        "Waste per person per day",
        "kg",
        "lower",
        "กองสาธารณสุขและสิ่งแวดล้อม",
    ),
    LibraryIndicator(
        "green_area",
        "environment",
        "พื้นที่สีเขียวต่อประชากร",
        "Green area per person",
        "m²",
        "higher",
        "กองช่าง",
    ),
    LibraryIndicator(
        "pm25_days",
        "environment",
        "จำนวนวันที่ PM2.5 เกินมาตรฐาน",
        "Days with PM2.5 above standard",
        "days",
        "lower",
        "กรมควบคุมมลพิษ",
    ),
    LibraryIndicator(
        "flood_households",
        "disaster",
        "ครัวเรือนในพื้นที่เสี่ยงน้ำท่วม",
        "Flood-prone households",
        "households",
        "lower",
        "งานป้องกันและบรรเทาสาธารณภัย",
    ),
    LibraryIndicator(
        "drain_cleared",
        "disaster",
        "ความยาวท่อระบายน้ำที่ลอกแล้ว",
        "Drains cleared",
        "km",
        "higher",
        "กองช่าง",
    ),
    LibraryIndicator(
        "bus_riders",
        "mobility",
        "ผู้ใช้รถโดยสารสาธารณะต่อวัน",
        "Public transport riders per day",
        "trips",
        "higher",
        "กองช่าง",
    ),
    LibraryIndicator(
        "sidewalk_km",
        "mobility",
        "ทางเท้าที่ได้มาตรฐาน",
        "Sidewalks up to standard",
        "km",
        "higher",
        "กองช่าง",
    ),
    LibraryIndicator(
        "road_deaths",
        "mobility",
        "ผู้เสียชีวิตจากอุบัติเหตุทางถนน",
        "Road deaths",
        "people",
        "lower",
        "ศูนย์ข้อมูลอุบัติเหตุ",
    ),
    LibraryIndicator(
        "local_revenue",
        "economy",
        "รายได้ที่จัดเก็บเอง",
        "Own-source revenue",
        "million baht",
        "higher",
        "กองคลัง",
    ),
    LibraryIndicator(
        "elderly_care",
        "society",
        "ผู้สูงอายุที่ได้รับการดูแลที่บ้าน",
        "Older people cared for at home",
        "%",
        "higher",
        "กองสวัสดิการสังคม",
    ),
    LibraryIndicator(
        "participants",
        "governance",
        "ผู้เข้าร่วมเวทีประชาคม",
        "People taking part in workshops",
        "people",
        "higher",
        "เมืองร่วมคิด",
    ),
)

BY_KEY = {entry.key: entry for entry in LIBRARY}
