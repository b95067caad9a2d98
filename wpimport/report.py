"""What an import did: counts per kind and outcome, and every warning."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Report:
    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    warnings: list = field(default_factory=list)
    dry_run: bool = False
    # While an interrupted run is resumed, what its committed part already
    # counted is gone through again without being counted twice.
    muted: bool = False

    @classmethod
    def resumed(cls, saved: dict) -> "Report":
        """The report an interrupted run saved with its last commit."""
        report = cls(dry_run=saved.get("dry_run", False))
        for kind, counts in saved.get("counts", {}).items():
            report.counts[kind].update(counts)
        report.warnings = list(saved.get("warnings", []))
        return report

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        if not self.muted:
            self.counts[kind][outcome] += n

    def warn(self, item: str, message: str) -> None:
        if not self.muted:
            self.warnings.append({"item": item, "message": message})

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "counts": {k: dict(v) for k, v in sorted(self.counts.items())},
            "warnings": self.warnings,
        }

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())

    def lines(self) -> list[str]:
        out = [
            "WordPress import" + (" (dry run: nothing saved)" if self.dry_run else "")
        ]
        for kind, counter in sorted(self.counts.items()):
            parts = ", ".join(
                f"{n} {outcome}" for outcome, n in sorted(counter.items())
            )
            out.append(f"  {kind:<12} {parts}")
        out.append(f"  warnings     {len(self.warnings)}")
        out += [f"    - {w['item']}: {w['message']}" for w in self.warnings]
        return out
