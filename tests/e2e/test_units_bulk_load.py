"""An administrator loads a list of units from a CSV file into the running registry (python -m deploy.units)."""
from __future__ import annotations

import uuid

import requests

from deploy import units as loader
from tests.e2e.reporting_helpers import bearer


def test_a_csv_of_communes_is_loaded_with_progress_and_loading_it_again_records_nothing(stack, tokens, tmp_path,
                                                                                     capsys):
    prefix = f"TG{uuid.uuid4().hex[:6].upper()}"
    rows = [(prefix, "Tỉnh Đồng Tháp (sau sắp xếp)", "administrative_unit", "province", "", "2025-07-01")]
    rows += [(f"{prefix}-{n:02d}", name, "administrative_unit", "commune", prefix, "2025-07-01")
             for n, name in enumerate(["Phường Mỹ Tho", "Phường Đạo Thạnh", "Xã Cái Bè", "Xã Chợ Gạo"])]
    csv_file = tmp_path / "don-vi.csv"
    csv_file.write_text("code,name,category,level,parent_code,effective_from\n"
                        + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    arguments = ["load", str(csv_file), "--url", stack.url("registry"), "--token", bearer(tokens, "DOST", "clerk"),
                 "--chunk", "2"]
    assert loader.main(arguments) == 0
    assert "5 đơn vị mới" in capsys.readouterr().err
    resolved = requests.get(f"{stack.url('registry')}/api/v1/units/{prefix}-02", params={"on": "2025-08-01"},
                            headers=tokens("DOST", "viewer"), timeout=10).json()
    assert resolved["requested"]["name"] == "Xã Cái Bè"
    assert loader.main(arguments) == 0
    assert "0 đơn vị mới, 5 đã nạp trước đó" in capsys.readouterr().err
    assert loader.main([*arguments[:4], "--token", bearer(tokens, "DOIT", "clerk")]) == 1
