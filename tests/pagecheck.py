"""The page checkers the tests share: the Nu HTML Checker (vnu) and axe-core,
installed by scripts/ensure-validators into tests/browser/validators."""

import json
import subprocess
from pathlib import Path

import pytest

VALIDATORS = Path(__file__).resolve().parent / "browser" / "validators" / "node_modules"
VNU_JAR = VALIDATORS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = VALIDATORS / "axe-core" / "axe.min.js"


def vnu_errors(pages: dict[str, str], tmp_path: Path) -> dict[str, list[str]]:
    """Nu HTML Checker errors per page (warnings and info left out)."""
    files = {}
    for name, html in pages.items():
        files[name] = tmp_path / f"{name}.html"
        files[name].write_text(html)
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
         "--exit-zero-always", *map(str, files.values())],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    messages = json.loads(result.stderr or result.stdout)["messages"]
    found = {name: [] for name in pages}
    by_path = {str(path): name for name, path in files.items()}
    for message in messages:
        path = message.get("url", "").removeprefix("file:")
        name = by_path.get(path, path)
        found.setdefault(name, []).append(
            f"line {message.get('lastLine')}: {message['message']} "
            f"[{message.get('extract', '').strip()[:120]}]"
        )
    return {name: errors for name, errors in found.items() if errors}


def assert_valid_html(pages: dict[str, str], tmp_path: Path) -> None:
    if not VNU_JAR.exists():
        raise pytest.UsageError("validators missing: run scripts/ensure-validators")
    errors = vnu_errors(pages, tmp_path)
    assert not errors, json.dumps(errors, indent=1, ensure_ascii=False)
