"""How :mod:`tools.colab_check` reports: one :class:`Result` per notebook, the summary, and whether a
planted incompatibility was caught (:func:`plant_detected`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.colab_notebooks import Run
from tools.colab_packages import normalize


@dataclass
class Result:
    """One notebook's run and what was wrong with it (problems fail it; notes only inform)."""

    label: str
    run: Run
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.run.ok and not self.problems


def report(lines: list[str], results: list[Result], total: float) -> str:
    """``lines``, then each result (PASS/FAIL, time, error, problems, notes) and the count."""
    out = [*lines, ""]
    for r in results:
        out.append(f"{'PASS' if r.ok else 'FAIL'}  {r.label}  {r.run.seconds:.0f} s")
        if r.run.error:
            out.append(f"      error: {r.run.error}")
        out += [f"      - {p}" for p in r.problems]
        out += [f"        ({n})" for n in r.notes]
    failed = sum(not r.ok for r in results)
    out.append(f"\n{len(results) - failed} passed, {failed} failed, total {total / 60:.1f} min")
    return "\n".join(out)


def plant_detected(results: list[Result], package: str) -> list[str]:
    """The notebooks whose failure names ``package`` (the planted incompatibility was caught there)."""
    name = normalize(package)
    return [r.label for r in results if not r.ok and any(name in normalize(p) for p in r.problems)]
