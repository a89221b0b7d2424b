"""Citations point at what a user can read (issue 14, "Stale text").

Code and docs once cited "protocol notes §N" and "engineering notes",
documents that never shipped. These tests keep every citation public:

- no library module, README.md, SECURITY.md or file under docs/ cites those
  notes, by name or by a bare "§N" that belongs to no RFC;
- every ``docs/protocol.md#<anchor>`` cited anywhere in the repository is a
  heading of docs/protocol.md, and docs/protocol.md's own links resolve.

The files are read from the source tree (these are facts about the text, not
about the installed package).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = ROOT / "docs" / "protocol.md"
# Where docs/protocol.md's sources live: Box's docs and community, GitHub, the RFC Editor.
PUBLIC_HOSTS = {"developer.box.com", "support.box.com", "github.com", "www.rfc-editor.org"}

# The emulator is another helper's slice (issue 14's redesign is editing it in
# parallel); its citations are counted here so none can be added, and its
# owner replaces them with docs/protocol.md sections. A file may go below its
# count at any time; the entry then becomes loose and should be deleted.
EMULATOR_PENDING: dict[str, int] = {}

# Where the rule applies: the library, the two documents users read first, docs/.
CHECKED = [
    *sorted((ROOT / "boxauth").rglob("*.py")),
    *sorted((ROOT / "adapters").rglob("*.py")),
    ROOT / "README.md",
    ROOT / "SECURITY.md",
    *sorted(p for p in (ROOT / "docs").rglob("*") if p.is_file()),
]

# Where a docs/protocol.md#<anchor> citation may appear: every text file we keep.
SEARCHED_DIRS = ("boxauth", "adapters", "tests", "property_tests", "benchmarks", "docs", ".ci")
SEARCHED_FILES = ("README.md", "SECURITY.md", "pyproject.toml", "Makefile")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".sh", ".cfg", ".ini", ".json", ""}

# The two sets of notes that never shipped ("protocol notes", "engineering notes"),
# also split over lines or comment markers ("protocol\n# notes").
_NOTES = re.compile(r"(?:protocol|engineering)\W+notes", re.IGNORECASE)
# A line break with the indentation and comment or quote markers after it.
_BREAK = re.compile(r"\s*\n[\s#>*]*")
# What may stand right before an RFC section sign: "RFC 6749 §10.10, §10.12".
_RFC_BEFORE = re.compile(r"RFC ?\d+,? (?:§[\w.]+(?:, ?| and | or |/))*$")
_CITED_ANCHOR = re.compile(r"docs/protocol\.md#([A-Za-z0-9_\-]+)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def unpublished_citations(text: str) -> list[str]:
    """Each citation of the unpublished notes in ``text``: by name, or a bare ``§``.

    A section sign is fine only as part of an RFC citation ("RFC 7515 §5.1",
    "RFC 6749 §10.10, §10.12"), also when a line break falls inside it.
    """
    flat = _BREAK.sub(" ", text)
    found = [m.group(0) for m in _NOTES.finditer(flat)]
    for match in re.finditer("§", flat):
        before = flat[max(0, match.start() - 80) : match.start()]
        if _RFC_BEFORE.search(before) is None:
            found.append(flat[max(0, match.start() - 30) : match.end() + 5])
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped,
    spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings(markdown: str) -> list[str]:
    """The heading texts of ``markdown``, outside fenced code blocks."""
    out: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced and (m := _HEADING.match(line)):
            out.append(m.group(2))
    return out


def protocol_anchors() -> set[str]:
    return {slug(h) for h in headings(PROTOCOL.read_text(encoding="utf-8"))}


def searched_files() -> list[Path]:
    files = [ROOT / name for name in SEARCHED_FILES if (ROOT / name).is_file()]
    for top in SEARCHED_DIRS:
        base = ROOT / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            parts = set(path.relative_to(ROOT).parts)
            if "__pycache__" in parts or not path.is_file():
                continue
            if path.suffix in TEXT_SUFFIXES:
                files.append(path)
    return files


# -- the checker itself: each rule would catch what it is for -------------------


@pytest.mark.parametrize(
    "text",
    [
        "Validate a JWT app's settings (protocol notes §3, §4).",
        "Box advises backing off (protocol\nnotes §9).",
        "# for an OAuth user (protocol\n# notes §1).",
        "It follows the project's Protocol Notes; where ...",
        "re-sign once after an 'exp' invalid_grant (§3).",
        "Redirect URI matching (§7): exact string match",
        "verbatim from the protocol notes\n(§2).",
        "see section §4 of our notes",
        "Two defaults are changed (engineering notes, last section):",
    ],
)
def test_the_checker_flags_unpublished_citations(text: str) -> None:
    assert unpublished_citations(text)


@pytest.mark.parametrize(
    "text",
    [
        "the bytes the signer signs (RFC 7515 §5.1).",
        "CSRF defence (RFC 6749 §10.10, §10.12).",
        "possibly a login CSRF (RFC 6749\n    §10.12), never a configuration error.",
        "# RFC 9110 §5.6.7: IMF-fixdate, plus the two obsolete forms.",
        "[RFC 6749 §4.1.3][rfc6749-4.1.3] requires it",
        "protocol_version = 'HTTP/1.1'; see docs/protocol.md#jwt-claims",
    ],
)
def test_the_checker_accepts_public_citations(text: str) -> None:
    assert unpublished_citations(text) == []


def test_slugs_follow_github() -> None:
    assert slug("Token endpoint") == "token-endpoint"
    assert slug("401 answers") == "401-answers"
    assert slug("Rate limits and retries") == "rate-limits-and-retries"
    assert slug("`GET /users/me` and `As-User`") == "get-usersme-and-as-user"


# -- the repository --------------------------------------------------------------


def test_the_checked_files_exist() -> None:
    names = {relative(p) for p in CHECKED}
    assert {"README.md", "SECURITY.md", "docs/protocol.md", "boxauth/settings.py"} <= names
    assert any(name.startswith("adapters/emulator/") for name in names)


@pytest.mark.parametrize("path", CHECKED, ids=relative)
def test_no_file_cites_the_unpublished_notes(path: Path) -> None:
    found = unpublished_citations(path.read_text(encoding="utf-8"))
    allowed = EMULATOR_PENDING.get(relative(path), 0)
    assert len(found) <= allowed, (
        f"{relative(path)} cites the protocol notes, which users do not have: {found}. "
        "Cite a public source (a developer.box.com URL, an RFC section) or a "
        "section of docs/protocol.md instead."
    )


def test_emulator_allowance_names_only_emulator_files() -> None:
    # The allowance is for the emulator's pending edit only; the library's own
    # modules, README, SECURITY.md and docs/ get none.
    assert all(name.startswith("adapters/emulator/") for name in EMULATOR_PENDING)
    assert all((ROOT / name).is_file() for name in EMULATOR_PENDING)


def test_protocol_md_has_no_duplicate_anchors() -> None:
    counts = Counter(slug(h) for h in headings(PROTOCOL.read_text(encoding="utf-8")))
    assert [anchor for anchor, n in counts.items() if n > 1] == []


def test_the_library_cites_protocol_md() -> None:
    cited = [
        p
        for p in CHECKED
        if p.suffix == ".py" and _CITED_ANCHOR.search(p.read_text(encoding="utf-8"))
    ]
    assert {relative(p) for p in cited} >= {"boxauth/settings.py", "boxauth/retry.py"}


def test_every_cited_anchor_is_a_heading_of_protocol_md() -> None:
    anchors = protocol_anchors()
    cited: list[tuple[str, str]] = []
    for path in searched_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        cited += [(relative(path), m.group(1)) for m in _CITED_ANCHOR.finditer(text)]
    assert cited, "no file cites a docs/protocol.md section: the search is broken"
    missing = sorted({(where, anchor) for where, anchor in cited if anchor not in anchors})
    assert missing == [], f"cited sections that docs/protocol.md lacks: {missing}"


def test_protocol_md_links_resolve() -> None:
    text = PROTOCOL.read_text(encoding="utf-8")
    anchors = protocol_anchors()
    local = set(re.findall(r"\]\(#([^)\s]+)\)", text))
    assert local, "docs/protocol.md links none of its own sections"
    assert sorted(local - anchors) == []
    defined = set(re.findall(r"^\[([^\]]+)\]:\s+https?://\S+$", text, re.MULTILINE))
    used = set(re.findall(r"\]\[([^\]]+)\]", text))
    assert sorted(used - defined) == [], "reference links without a URL"
    assert sorted(defined - used) == [], "URLs defined but never cited"


def test_protocol_md_sources_are_public_urls() -> None:
    text = PROTOCOL.read_text(encoding="utf-8")
    urls = re.findall(r"^\[[^\]]+\]:\s+(\S+)$", text, re.MULTILINE)
    assert len(urls) >= 40
    hosts = {urlsplit(u).hostname for u in urls if urlsplit(u).scheme == "https"}
    assert len(hosts) == len({urlsplit(u).hostname for u in urls}), "a source that is not https"
    assert hosts == PUBLIC_HOSTS
