"""The claims register (docs/CLAIMS.md) quotes its sources verbatim and states its counts."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = (ROOT / "docs" / "CLAIMS.md").read_text()
SEEDS = ROOT.parent / "shared" / "seeds"


def _normal(text: str) -> str:
    """Quotes and whitespace as plain ASCII quotes and single spaces."""
    for curly, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "-"), ("–", "-")):
        text = text.replace(curly, plain)
    return re.sub(r"\s+", " ", text)


def _rows(section: str):
    table = CLAIMS.split(section)[1].split("\n## ")[0].split("\n### ")[0]
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith(("| id", "| claim |", "| short")):
            yield [c.strip() for c in line.strip().strip("|").split("|")]


def _quotes(source_cell: str) -> list[str]:
    return re.findall(r': "(.*?)"(?=;|$)', source_cell)


def test_register_rows_name_seed_files_and_carry_quotes():
    rows = list(_rows("## Register")) + list(_rows("### Claims out of scope"))
    assert 25 <= len(list(_rows("## Register"))) <= 40
    for cells in rows:
        source = cells[2] if len(cells) == 8 else cells[1]
        assert re.search(r"`00\d`", source), cells[0]
        assert _quotes(source), f"{cells[0]}: no quote"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed publications are not beside this checkout")
def test_every_quote_is_verbatim_in_the_seed_file_it_names():
    texts = {p.name[:3]: _normal(p.read_text()) for p in SEEDS.glob("0*.txt")}
    checked = 0
    for cells in list(_rows("## Register")) + list(_rows("### Claims out of scope")):
        source = cells[2] if len(cells) == 8 else cells[1]
        files = re.findall(r"`(00\d)`", source)
        for quote in _quotes(source):
            assert any(_normal(quote) in texts[f] for f in files), f"{cells[0]}: {quote[:60]}..."
            checked += 1
    assert checked >= 40


def test_summary_counts_match_the_table():
    rows = list(_rows("## Register"))
    kinds = [r[3] for r in rows]
    roles = [r[6] for r in rows]
    summary = CLAIMS.split("## Summary")[1]
    assert f"{len(rows)} testable claims ({kinds.count('assumed')} assumed, " \
           f"{kinds.count('emergent')} emergent)" in summary
    assert f"({roles.count('calibration')})" in summary
    assert 2 * roles.count("calibration") <= len(rows)


COLLABORATIVE = "## Collaborative claims"


def test_collaborative_claims_quote_their_seeds_verbatim_and_state_their_counts():
    """The collaborative section (issue #12): same columns; every quote verbatim; the counts and
    the pre-registered calibration set stated under the table are the table's."""
    rows = list(_rows(COLLABORATIVE))
    assert len(rows) >= 5 and all(len(r) == 8 and r[0].startswith("QIC-") for r in rows)
    if SEEDS.is_dir():
        texts = {p.name[:3]: _normal(p.read_text()) for p in SEEDS.glob("0*.txt")}
        for cells in rows:
            quotes = _quotes(cells[2])
            assert quotes, cells[0]
            for quote in quotes:
                files = re.findall(r"`(00\d)`", cells[2])
                assert any(_normal(quote) in texts[f] for f in files), f"{cells[0]}: {quote[:60]}"
    kinds = [r[3] for r in rows]
    calibration = [r[0] for r in rows if r[6] == "calibration"]
    section = CLAIMS.split(COLLABORATIVE)[1]
    assert f"{len(rows)} collaborative claims ({kinds.count('assumed')} assumed, " \
           f"{kinds.count('emergent')} emergent)" in section
    assert f"Calibration: {', '.join(calibration)} ({len(calibration)})" in section
    assert 2 * len(calibration) <= len(rows)
