"""Bandits on simulated users (1,000 rounds, mean of 5 seeds): cumulative regret at 100/250/500/1000 rounds per
algorithm, and the curves saved as bench/regret.png."""
from __future__ import annotations

from pathlib import Path

from bench.common import Result

PLOT = Path(__file__).resolve().parent / "regret.png"
CHECKPOINTS = (100, 250, 500, 1000)


def run(runs: int = 5, calls: int = 0, smoke: bool = False, plot: Path = PLOT) -> list[Result]:
    from neurocanvas.personalize.bandits import ALGORITHMS
    from neurocanvas.personalize.simulation import USERS, mean_regret

    seeds, rounds = (1, 100) if smoke else (runs, 1000)
    curves = {(a, u): mean_regret(a, tastes, rounds, seeds) for a in sorted(ALGORITHMS) for u, tastes in USERS.items()}
    _plot(curves, plot)
    return [Result(f"bandit regret, {a}, {u}, round {n}", "", curve[n - 1], seeds)
            for (a, u), curve in curves.items() for n in CHECKPOINTS if n <= rounds]


def _plot(curves: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    users = sorted({u for _, u in curves})
    fig, axes = plt.subplots(1, len(users), figsize=(5 * len(users), 4), sharey=True)
    for ax, user in zip(axes, users):
        for (algorithm, u), curve in curves.items():
            if u == user:
                ax.plot(range(1, len(curve) + 1), curve, label=algorithm)
        ax.set_title(f"simulated user: {user}")
        ax.set_xlabel("round")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("cumulative regret")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
