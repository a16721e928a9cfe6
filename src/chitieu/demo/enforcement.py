"""Hanoi's obstetric and ultrasound providers in the demo, and their inspections.

Public maternity and general hospitals, private hospitals and private clinics (where fetal sex
could be disclosed) are placed in communes in proportion to population. Inspections follow the
city's yearly August–September campaigns (reported by VNA) from 2014 to 2026: most end with a signed
commitment not to disclose fetal sex; a few find violations and fine them. In 2015 exactly two
cases were found, as VNA reported, one of them the private obstetric clinic in Phường Hà
Đông fined 40,000,000 VND and suspended. All of it is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from chitieu.demo.births import MaternityFacilities
from chitieu.demo.communes import labelled, short_name
from chitieu.demo.hanoi import HanoiProfile
from chitieu.demo.rows import Row, facility_row

_STREAM = 3
HA_DONG_CLINIC = "SYN-01-PK001"
HA_DONG_FINE_VND = 40_000_000
CAMPAIGN_YEARS = range(2014, 2027)
TEAM = "Đoàn kiểm tra liên ngành Sở Y tế Hà Nội"

_CITY_HOSPITALS = (
    ("Bệnh viện Phụ sản thành phố", 900),
    ("Bệnh viện Đa khoa thành phố", 1100),
    ("Bệnh viện Sản Nhi thành phố", 600),
)


@dataclass(frozen=True, slots=True)
class HanoiProviders:
    """The facility rows and the codes births may carry."""

    facilities: list[Row]
    maternity: MaternityFacilities

    def codes(self, kind: str) -> list[str]:
        return [f["code"] for f in self.facilities if f["kind"] == kind]


def hanoi_providers(profile: HanoiProfile, seed: int) -> HanoiProviders:
    """Public hospitals (3 city, 12 area general hospitals), 6 private hospitals and 40 private
    clinics with ultrasound (the first is the Hà Đông clinic VNA reported fined in 2015)."""
    rng = np.random.default_rng([seed, _STREAM])
    c = profile.communes
    weights = profile.population(2025) / profile.population(2025).sum()
    urban = np.flatnonzero(c.urban)
    rows: list[Row] = []

    def add(code: str, at: int, name: str, kind: str, beds: int | None, obst: bool = True):
        owner = "public" if kind in ("hospital", "regional_hospital") else "private"
        rows.append(
            facility_row(
                code, c.codes[at], name, kind, owner, beds=beds, ultrasound=True, obstetrics=obst
            )
        )

    central = rng.choice(urban, len(_CITY_HOSPITALS), replace=False)
    for i, ((name, beds), at) in enumerate(zip(_CITY_HOSPITALS, central, strict=True), 1):
        add(f"SYN-01-BV{i:02d}", at, name, "hospital", beds)
    for i, at in enumerate(rng.choice(len(c), 12, replace=False, p=weights), 1):
        name = f"Bệnh viện Đa khoa {short_name(c.names[at])}"
        add(f"SYN-01-KV{i:02d}", at, name, "regional_hospital", int(rng.integers(25, 60)) * 10)
    for i, at in enumerate(rng.choice(urban, 6, replace=False), 1):
        name = f"Bệnh viện tư nhân {short_name(c.names[at])}"
        add(f"SYN-01-TN{i:02d}", at, name, "private_hospital", int(rng.integers(5, 20)) * 10)
    places = np.r_[c.find("Hà Đông"), rng.choice(len(c), 39, p=weights)]
    for i, at in enumerate(places, 1):
        obstetric = i == 1 or bool(rng.random() < 0.5)
        kind_vi = "Phòng khám sản phụ khoa" if obstetric else "Phòng khám chẩn đoán hình ảnh"
        name = f"{kind_vi} tư nhân {short_name(c.names[at])} {i}"
        add(f"SYN-01-PK{i:03d}", at, name, "clinic", None, obstetric)
    maternity = MaternityFacilities(
        public=[r["code"] for r in rows if r["ownership"] == "public"],
        private=[r["code"] for r in rows if r["kind"] == "private_hospital"],
    )
    return HanoiProviders(rows, maternity)


_FINDINGS_OK = "Không phát hiện vi phạm; cơ sở ký cam kết không lựa chọn giới tính thai nhi."
_FINDINGS_BAD = (
    "Thông báo giới tính thai nhi cho thai phụ qua siêu âm, vi phạm quy định nghiêm cấm lựa "
    "chọn giới tính thai nhi."
)


def _inspection(
    facility: str,
    on: date,
    *,
    fine: int = 0,
    suspended: bool = False,
    signed: bool = True,
    findings: str = _FINDINGS_OK,
) -> Row:
    return {
        "facility_code": facility,
        "inspected_on": on,
        "team": TEAM,
        "findings": labelled(findings),
        "violation": fine > 0,
        "fine_vnd": fine,
        "suspended": suspended,
        "commitment_signed": signed,
        "synthetic": True,
    }


def hanoi_inspections(providers: HanoiProviders, seed: int) -> list[Row]:
    """About ten inspections a campaign (August–September), mostly of private providers; 2015
    has exactly two violations, the Hà Đông clinic's (40,000,000 VND and suspension) first."""
    rng = np.random.default_rng([seed, _STREAM, 1])
    private = [
        f["code"]
        for f in providers.facilities
        if f["ownership"] == "private" and f["code"] != HA_DONG_CLINIC
    ]
    public = [f["code"] for f in providers.facilities if f["ownership"] == "public"]
    rows = [
        _inspection(
            HA_DONG_CLINIC,
            date(2015, 8, 18),
            fine=HA_DONG_FINE_VND,
            suspended=True,
            signed=False,
            findings=_FINDINGS_BAD + " Đình chỉ hoạt động.",
        ),
    ]
    for year in CAMPAIGN_YEARS:
        n = int(rng.integers(8, 13))
        chosen = list(rng.choice(private, n - 2, replace=False)) + list(
            rng.choice(public, 2, replace=False)
        )
        days = np.sort(rng.choice(61, n, replace=False))  # 1 August to 30 September
        wanted_violations = 1 if year == 2015 else int(rng.binomial(n, 0.08))
        bad = set(rng.choice(n - 2, min(wanted_violations, n - 2), replace=False).tolist())
        for k, (code, d) in enumerate(zip(chosen, days, strict=True)):
            on = date(year, 8, 1) + timedelta(days=int(d))
            if k in bad:
                fine = int(rng.integers(3, 7)) * 5_000_000
                rows.append(
                    _inspection(str(code), on, fine=fine, signed=True, findings=_FINDINGS_BAD)
                )
            else:
                rows.append(_inspection(str(code), on, signed=rng.random() < 0.9))
    return rows
