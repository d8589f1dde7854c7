from pathlib import Path

from seqzoo.zoo_table import markdown_table

ROOT = Path(__file__).resolve().parent.parent


def test_readme_zoo_table_matches_the_cards():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- zoo-table:start -->\n")[1].split("\n<!-- zoo-table:end -->")[0]
    assert table == markdown_table(), "Regenerate it with `python -m seqzoo.zoo_table`."


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "pytest" in line and line.startswith("python3"))
    assert command in ci
