"""Run every benchmark under bench/ and print a summary (`make bench`).

Each `bench/<name>.py` runs in its own process (`python bench/<name>.py`), so one benchmark's
memory and database connections do not colour the next one's figures. Its output is passed
through as it comes; its last line `RESULT name=... key=value ...` goes into the summary.
A benchmark that exits non-zero or prints no RESULT line fails the run.

    python bench/run.py              # all of them
    python bench/run.py seed_demo    # only these
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
NOT_BENCHMARKS = {"run.py", "__init__.py"}


@dataclass
class Outcome:
    script: str
    returncode: int
    seconds: float
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and bool(self.figures)


def benchmarks(names: list[str]) -> list[Path]:
    scripts = sorted(
        path
        for path in BENCH_DIR.glob("*.py")
        if path.name not in NOT_BENCHMARKS and not path.name.startswith("_")
    )
    if names:
        scripts = [path for path in scripts if path.stem in names]
    return scripts


def parse_result(line: str) -> dict[str, str]:
    """`RESULT name=x seconds=1.2` → {"name": "x", "seconds": "1.2"}."""
    pairs = (word.partition("=") for word in shlex.split(line.removeprefix("RESULT ")))
    return {key: value for key, _, value in pairs if key}


def run(script: Path) -> Outcome:
    print(f"== {script.relative_to(ROOT)}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    result_line = None
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith("RESULT "):
            result_line = line.strip()
    returncode = process.wait()
    figures = parse_result(result_line) if result_line else {}
    return Outcome(script.stem, returncode, time.perf_counter() - started, figures)


def summary(outcomes: list[Outcome]) -> str:
    rows = [("benchmark", "status", "wall s", "figures")]
    for outcome in outcomes:
        if outcome.ok:
            status = "ok"
        elif outcome.figures:
            status = f"FAILED ({outcome.returncode})"
        else:
            status = f"FAILED ({outcome.returncode}, no RESULT line)"
        figures = " ".join(f"{key}={value}" for key, value in outcome.figures.items())
        name = outcome.figures.get("name", outcome.script)
        rows.append((name, status, f"{outcome.seconds:.1f}", figures))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[3]]))
    return "\n".join(lines)


def main() -> int:
    scripts = benchmarks(sys.argv[1:])
    if not scripts:
        print(f"No benchmarks found in {BENCH_DIR} for {sys.argv[1:] or 'all'}.", file=sys.stderr)
        return 1
    outcomes = [run(script) for script in scripts]
    print("\n" + summary(outcomes))
    failed = [outcome.script for outcome in outcomes if not outcome.ok]
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
