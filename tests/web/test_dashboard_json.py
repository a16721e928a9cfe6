"""The dashboard's JSON against figures computed here another way (plain SQL over the world)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select

from chitieu.store.models import AuditEntry, BirthAggregate, DataValue, Unit


def test_srb_headline_is_boys_per_100_girls_with_an_interval(site):
    data = site.signed_in("analyst.hanoi").get("/api/dashboard/signatures?year=2025").json()
    with site.engine.connect() as conn:
        by_sex = dict(
            conn.execute(
                select(BirthAggregate.sex, func.sum(BirthAggregate.births))
                .where(BirthAggregate.year == 2025)
                .group_by(BirthAggregate.sex)
            ).all()
        )
    srb = data["srb"]
    assert srb["value"] == round(100 * by_sex["M"] / by_sex["F"], 1)
    assert srb["lower"] < srb["value"] < srb["upper"]
    # ~140,000 births: the 95 % interval is about ±1.1 points (design notes: ±1 for Hanoi)
    assert 1.5 < srb["upper"] - srb["lower"] < 3.0
    assert [o["code"] for o in data["orders"]][-1] == "SRB_O3_AFTER_2G"
    after_two_girls = data["orders"][-1]["pooled"]
    assert after_two_girls["value"] > data["orders"][0]["pooled"]["value"]  # son preference


def test_completeness_and_timeliness_match_a_count_by_hand(site):
    data = site.signed_in("analyst.hanoi").get("/api/dashboard/reporting?year=2025").json()
    with site.engine.connect() as conn:
        n = conn.scalar(
            select(func.count()).where(Unit.parent_code == "01", Unit.level == "commune")
        )
        statuses: dict[tuple[str, str], set[str]] = defaultdict(set)
        for unit, period, status in conn.execute(
            select(DataValue.unit_code, DataValue.period, DataValue.status).where(
                DataValue.element_code == "LIVE_BIRTHS", DataValue.period.like("2025__")
            )
        ):
            statuses[(unit, period)].add(status)
        sent_at = {}
        submissions = select(AuditEntry.row_key, AuditEntry.at).where(
            AuditEntry.table_name == "data_values"
        )
        for key, at in conn.execute(submissions):
            _, unit, period, _ = key.split("|")
            sent_at[(unit, period)] = max(at, sent_at.get((unit, period), at))
    assert data["communes"] == n == 126
    for month in range(1, 12):
        period = f"2025{month:02d}"
        sent = [k for k, s in statuses.items() if k[1] == period and s == {"submitted"}]
        # on time: by 10 <next month> 24:00 Hanoi time = 10 <next month> 17:00 UTC
        due = datetime(2025 + month // 12, month % 12 + 1, 10) + timedelta(hours=17)
        on_time = [k for k in sent if sent_at[k] <= due]
        assert data["completeness"][month - 1] == round(100 * len(sent) / n, 1)
        assert data["timeliness"][month - 1] == round(100 * len(on_time) / n, 1)
        assert 0 < len(on_time) < len(sent) < n  # the world has late and missing reports
    assert len(data["rows"]) == 126 and all(len(r["cells"]) == 12 for r in data["rows"])


def test_communes_ranked_by_evidence_not_by_raw_ratio(site):
    data = site.signed_in("analyst.hanoi").get("/api/dashboard/communes?year=2025").json()
    ranking = data["ranking"]
    assert len(ranking) == 126
    # the enforcement ranking's order: priorities, then expected excess boys (z is descriptive)
    ranked = [r for r in ranking if r["p_excess"] is not None]
    key = [(not r["priority"], -r["expected_excess_boys"]) for r in ranked]
    assert key == sorted(key)
    assert data["excess_years"] == "2018–2025"
    assert all(0 <= r["p_excess"] <= 1 for r in ranked)
    srbs = [r["srb"] for r in ranking if r["srb"] is not None]
    assert srbs != sorted(srbs, reverse=True)  # the raw ratio alone would order them otherwise
    assert all(r["lower"] <= r["srb"] <= r["upper"] for r in ranking if r["srb"] is not None)
    births = {p[0]: p[2] for p in data["points"]}
    with site.engine.connect() as conn:
        hk = conn.scalar(
            select(func.sum(BirthAggregate.births)).where(
                BirthAggregate.unit_code == "00070", BirthAggregate.year == 2025
            )
        )
    assert births["00070"] == hk
    funnel = data["funnel"]
    inner, outer = funnel["limits"]["0.95"], funnel["limits"]["0.998"]
    assert all(o <= i for o, i in zip(outer["lower"], inner["lower"], strict=True))
    assert all(
        i <= funnel["centre"] <= j for i, j in zip(inner["lower"], inner["upper"], strict=True)
    )


def test_scorecard_lists_the_local_plan_first_with_status_and_probability(site):
    data = site.signed_in("analyst.hanoi").get("/api/dashboard/scorecard?year=2025").json()
    plans = [t["plan"] for t in data["targets"]]
    assert plans[0] == "HN-SRB-2026-2030" and plans[-1] == "VN-SRB-2025"
    for target in data["targets"]:
        assert target["tone"] in ("good", "warn", "bad", "none")
        assert target["prob"] is None or 0 <= target["prob"] <= 1
    assert data["synthetic"] is True
    trend = site.signed_in("analyst.hanoi").get("/api/dashboard/trend?year=2025").json()
    assert trend["target"]["value"] == 109 and trend["target"]["year"] == 2030
    assert trend["projection"][-1][0] == 2030
