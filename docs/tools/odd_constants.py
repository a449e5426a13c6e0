"""Rewrite the constants table of docs/ODD.md section 10 from `sim.constants` (run after changing a
constant; `tests/test_docs.py` holds the two equal).

usage: python docs/tools/odd_constants.py
"""
from pathlib import Path

from sim.constants import constants_markdown

ODD = Path(__file__).resolve().parents[1] / "ODD.md"


def main() -> None:
    text = ODD.read_text()
    head, rest = text.split("## 10.", 1)
    section, tail = rest.split("## 11.", 1)
    lines = section.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    last = max(i for i, line in enumerate(lines) if line.startswith("|"))
    lines[first:last + 1] = constants_markdown().rstrip("\n").split("\n")
    ODD.write_text(head + "## 10." + "\n".join(lines) + "## 11." + tail)


if __name__ == "__main__":
    main()
