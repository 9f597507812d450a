"""Comments point into the project's own docs/, and every pointer leads somewhere: a newcomer who
follows `docs/sync-rules.md, "Held back"` from the code finds that page and that section."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEARCHED = ("apps", "config", "tests", "templates", "bin")
SUFFIXES = {".py", ".html", ".txt", ".md", ""}
# The OpenAPI description is Xero's; this file holds examples of pointers on purpose.
SKIPPED = (ROOT / "tests" / "sandbox" / "xero" / "spec", Path(__file__).resolve())

# A page, then optionally the titles of its sections, in the forms comments use:
# (docs/x.md, "A"), (docs/x.md: "A", "B"), (docs/x.md, "A" and "B"), across comment lines too.
POINTER = re.compile(
    r'docs/([\w-]+\.md)(?:[,:]\s*(?:#\s*)?((?:"[^"\n]+"(?:\s*,\s*(?:#\s*)?|\s+and\s+(?:#\s*)?)?)+))?'
)
TITLE = re.compile(r'"([^"\n]+)"')
# Documents that are not in the repository, as comments used to cite them.
OUTSIDE = re.compile(
    r"\bDESIGN\b|\bseeds? 0\d\d|\b[Ss]eed 0\d\d|\b[Ii]ssue \d+|\brules? \d+\b|\blimitations? \d+\b"
)


def project_texts() -> dict[Path, str]:
    paths = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for folder in SEARCHED:
        paths += sorted(p for p in (ROOT / folder).rglob("*") if p.suffix in SUFFIXES)
    texts = {}
    for path in paths:
        if not path.is_file() or any(path.is_relative_to(skipped) for skipped in SKIPPED):
            continue
        try:
            texts[path] = path.read_text()
        except UnicodeDecodeError:
            continue
    return texts


def anchors_of(page: Path) -> list[str]:
    """Headings and bold lead-ins ("- **Totals.**"), which comments also point at."""
    text = page.read_text()
    headings = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]
    return [title.lower() for title in headings + re.findall(r"\*\*([^*]+)\*\*", text)]


def pointer_problems(where: str, text: str) -> list[str]:
    problems = []
    for match in POINTER.finditer(text):
        page = ROOT / "docs" / match.group(1)
        if not page.is_file():
            problems.append(f"{where}: docs/{match.group(1)} does not exist")
            continue
        anchors = anchors_of(page)
        for title in TITLE.findall(match.group(2) or ""):
            if not any(title.lower() in anchor for anchor in anchors):
                problems.append(f'{where}: docs/{match.group(1)} has no section "{title}"')
    return problems


def test_every_pointer_into_docs_names_a_page_and_a_section_that_exist():
    problems = [
        problem
        for path, text in project_texts().items()
        for problem in pointer_problems(str(path.relative_to(ROOT)), text)
    ]

    assert problems == []


def test_a_pointer_to_a_missing_page_or_section_is_reported():
    comment = """# Held back (docs/sync-rules.md, "Held back"); parked (docs/sync-rules.md,
    # "Retries and parking" and "No such rule"); see docs/nowhere.md."""

    assert pointer_problems("x.py", comment) == [
        'x.py: docs/sync-rules.md has no section "No such rule"',
        "x.py: docs/nowhere.md does not exist",
    ]


def test_no_comment_points_at_documents_outside_the_repository():
    found = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}: {match.group()}"
        for path, text in project_texts().items()
        for match in OUTSIDE.finditer(text)
    ]

    assert found == []
