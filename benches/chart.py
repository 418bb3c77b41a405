"""Draws the head-to-head ratio chart: TreeStore's throughput over PostgreSQL's and SQLite's per
query (warm, one thread), log scale, with the issue's targets (30x PostgreSQL, 3x SQLite).

    python benches/chart.py RATIOS_CSV OUT_PNG

RATIOS_CSV is what `cargo bench --bench headtohead` writes (benches/target/h2h/ratios.csv).
matplotlib (with its bundled DejaVu fonts: no system font needed) is installed into a venv by
`make bench-pg`.
"""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src: str, out: str) -> None:
    with open(src, newline="") as f:
        rows = list(csv.DictReader(f))
    labels = [r["query"] for r in rows]
    pg = [float(r["ts_over_pg"]) if r["ts_over_pg"] else float("nan") for r in rows]
    sq = [float(r["ts_over_sqlite"]) if r["ts_over_sqlite"] else float("nan") for r in rows]
    y = range(len(rows))
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(rows) + 1.6))
    h = 0.38
    ax.barh([i - h / 2 for i in y], pg, h, label="TreeStore / PostgreSQL", color="#336791")
    ax.barh([i + h / 2 for i in y], sq, h, label="TreeStore / SQLite", color="#7fa650")
    ax.axvline(1, color="black", lw=1)
    ax.axvline(30, color="#336791", lw=1, ls="--", label="target vs PostgreSQL (30x)")
    ax.axvline(3, color="#7fa650", lw=1, ls="--", label="target vs SQLite (3x)")
    ax.set_xscale("log")
    ax.set_yticks(list(y))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("TreeStore throughput / opponent throughput (log; right of 1 = TreeStore faster)")
    ax.set_title("TreeStore vs PostgreSQL 15 and SQLite, warm, one thread (make bench-pg)", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: chart.py RATIOS_CSV OUT_PNG")
    main(sys.argv[1], sys.argv[2])
