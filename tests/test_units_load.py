from sqlalchemy import func, select

from chitieu.store.models import Unit
from chitieu.units.load import load_units


def test_hierarchy_counts_and_codes(engine):
    with engine.begin() as conn:
        assert load_units(conn) == 1 + 34 + 3321
        assert load_units(conn) == 0  # idempotent
        by_level = dict(conn.execute(select(Unit.level, func.count()).group_by(Unit.level)).all())
        assert by_level == {"country": 1, "province": 34, "commune": 3321}
        hanoi = conn.execute(select(Unit).where(Unit.code == "01")).one()
        assert hanoi.name == "Thành phố Hà Nội" and hanoi.parent_code == "VN"
        hk = conn.execute(select(Unit).where(Unit.code == "00070")).one()
        assert (hk.name, hk.parent_code, hk.name_ascii) == (
            "Phường Hoàn Kiếm",
            "01",
            "phuong hoan kiem",
        )
        n_hanoi = conn.scalar(select(func.count()).where(Unit.parent_code == "01"))
        n_haiphong = conn.scalar(select(func.count()).where(Unit.parent_code == "31"))
        assert (n_hanoi, n_haiphong) == (126, 114)
