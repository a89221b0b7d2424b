"""Citations point at what a user can read.

Code and docs once cited "protocol notes §N" and "engineering notes",
documents that never shipped, and the project's internal issue tracker (its
issues and their items by number, reviews and their findings, who was fixing
what on which branch), which users cannot open. These tests keep every
citation public:

- no library module, README.md, SECURITY.md or file under docs/ cites those
  notes, by name or by a bare "§N" that belongs to no RFC;
- no such file, and no docstring or comment under tests/ or property_tests/,
  refers to the internal tracker; an upstream repository's public issue
  ("box-node-sdk issue 157", "box-python-sdk-gen #731") is fine;
- every ``docs/protocol.md#<anchor>`` cited anywhere in the repository is a
  heading of docs/protocol.md, and docs/protocol.md's own links resolve;
- every test README.md or SECURITY.md names (``tests/x.py::test_name``, or
  ``::test_name`` after it) exists.

The files are read from the source tree (these are facts about the text, not
about the installed package).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from fnmatch import fnmatchcase
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = ROOT / "docs" / "protocol.md"
# Where docs/protocol.md's sources live: Box's docs and community, GitHub, the RFC Editor.
PUBLIC_HOSTS = {"developer.box.com", "support.box.com", "github.com", "www.rfc-editor.org"}

# Citations of the unpublished notes still allowed in an emulator module, by
# file: none today. A file may go below its count at any time; the entry then
# becomes loose and should be deleted.
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


# -- the internal tracker -----------------------------------------------------------

# An issue by number, public only when the word before it names a repository
# (the forms are in the tests of the checker below).
_ISSUE = re.compile(r"\bissues?\s+#?\d+", re.IGNORECASE)
_REPOSITORY = re.compile(r"[\w.]+(?:[-/][\w.]+)+")
# The tracker's other words: its items and sections, reviews and their
# findings, who works on what.
_INTERNAL = re.compile(
    r"\breview(?:er)?(?:'s)?\W+(?:finding|observation)s?\b"
    r"|\b(?:first|second|third|security|code)\W+review\b"
    r"|\bthe\W+review(?:er)?'s\b"
    r"|\bthe\W+lead(?:'s)?\b"
    r"|\blead's\W+(?:branch|rewrite|fix)"
    r"|\bexplorer\W+finding"
    r"|\bfinding\W+\d+"
    r"|\bitems?\s\d+\b"
    r"|\bhelper's\b|\b(?:another|other)\W+helpers?\b"
    r"|\b(?:is|are|gets?)\W+merged\b",
    re.IGNORECASE,
)


def internal_references(text: str) -> list[str]:
    """Each reference in ``text`` to the project's internal issue tracker.

    An issue number is fine when the word before it names a public repository
    (it has a hyphen or a slash: "box-node-sdk issue 157"); so is any "#N"
    after a repository name ("box-python-sdk-gen #731"), which this never flags.
    """
    flat = _BREAK.sub(" ", text)
    found: list[str] = []
    for match in _ISSUE.finditer(flat):
        before = flat[max(0, match.start() - 80) : match.start()].split()
        word = before[-1].strip("[](\"'`,;:") if before else ""
        if _REPOSITORY.fullmatch(word) is None:
            found.append(flat[max(0, match.start() - 20) : match.end() + 10])
    found += [m.group(0) for m in _INTERNAL.finditer(flat)]
    return found


def docstrings_and_comments(source: str) -> list[str]:
    """The docstrings and comments of a Python module."""
    texts: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                texts.append(doc)
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    texts += [tok.string for tok in tokens if tok.type == tokenize.COMMENT]
    return texts


def python_test_files() -> list[Path]:
    return [
        p
        for top in ("tests", "property_tests")
        for p in sorted((ROOT / top).rglob("*.py"))
        if "__pycache__" not in p.parts
    ]


# -- tests named by README and SECURITY.md ------------------------------------------

# A backticked test path: `tests/x.py`, `tests/x.py::test_y`, or `::test_y`,
# which names a test of the last file named before it.
_CITED_TEST = re.compile(
    r"`((?:tests|property_tests)/[\w/]+\.py)?(?:::([\w*]+))?`"
)


def cited_tests(markdown: str) -> list[tuple[str, str | None]]:
    """(file, test name or None) for each test path ``markdown`` names, in order."""
    out: list[tuple[str, str | None]] = []
    current: str | None = None
    for match in _CITED_TEST.finditer(markdown):
        path, name = match.groups()
        if path is None and name is None:
            continue
        if path is not None:
            current = path
        assert current is not None, f"`::{name}` names a test before any file"
        out.append((current, name))
    return out


def defined_tests(path: Path) -> set[str]:
    """The names of the functions and classes ``path`` defines, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    return {node.name for node in ast.walk(tree) if isinstance(node, kinds)}


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


@pytest.mark.parametrize(
    "text",
    [
        "holding a live refresh token (issue 10 item 9): the next store",
        "Issue 13: no path inside the temporary directory",
        "(issue 12 \u00a73)",
        "Signature parity (issue 12 section 2): code that",
        "the cases from\nissue 11 item 2 and issue 14 are also run",
        "(issues 10 and 11)",
        "(issue #14)",
        "a fleet (issue 15's evidence)",
        "# Review finding 7: a bare secret as --token-file",
        "# -- review finding 13: the output helpers",
        "# Review observation: the file was silently ignored",
        "(review observations)",
        "reads it as empty (lead's branch); the CLI",
        "still raises (the lead's rewrite)",
        "the fix, `cli._saved`, is the lead's",
        "(second review, finding 02)",
        "never a fallback (security review).",
        "The reviewer's case: a file",
        "The review's repro, on OAuth",
        "(issue 10, item 3)",
        "The emulator is another helper's slice",
        "found by the explorer (explorer finding 2)",
        "passes once the shell's ownership check is merged",
        "the storage returns the failed save (once the other branch is merged)",
        "issue 10\nitem 7 (symlinks at the lock file)",
    ],
)
def test_the_checker_flags_internal_references(text: str) -> None:
    assert internal_references(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Sources: box-node-sdk issue 157 and its",
        "(box-python-sdk-gen\n# issues 217 and 220; the 401 text",
        "(box-python-sdk-gen #731)",
        "box-python-sdk-gen issues 217 and 220",
        "([box-node-sdk#157][gh-node-157])",
        "https://github.com/box/box-node-sdk/issues/157",
        "(https://github.com/box/box-windows-sdk-v2/issues/265 in the wire spelling)",
        "box/boxcli issue 154",
        "a state this login did not issue",
        "60 seconds beyond the issue time",
        "downscoping to `item_preview` on one file",
        "Box issues token aN, accepts a refresh",
        "a test reads every emulator module's imports",
        "wire responses quoted in the issue trackers of Box's SDKs",
        "the leading `~` is your home directory",
        "max(len(items), 1)",
        "all entries) > 1000 items",
        "the folder's items: 401",
        "the rule's other branches (a 401 a new token cannot fix)",
    ],
)
def test_the_checker_accepts_public_references(text: str) -> None:
    assert internal_references(text) == []


def test_docstrings_and_comments_are_what_is_read() -> None:
    source = (
        '"""Module (issue 1)."""\n'
        "X = 'issue 2'  # issue 3\n"
        "class C:\n"
        '    """Class (issue 4)."""\n'
        "    def f(self) -> str:\n"
        '        """Method (issue 5)."""\n'
        "        return 'issue 6'\n"
    )
    found = [ref for text in docstrings_and_comments(source) for ref in internal_references(text)]
    assert sorted(re.findall(r"issue \d", " ".join(found))) == [
        "issue 1", "issue 3", "issue 4", "issue 5",
    ]  # fmt: skip


def test_cited_tests_reads_files_and_the_names_after_them() -> None:
    text = (
        "| `tests/a.py::test_x`, `::test_y`, `property_tests/b.py` | `-c` |"
        " `tests/c/d.py::test_z_*` and `::test_w`"
    )
    assert cited_tests(text) == [
        ("tests/a.py", "test_x"),
        ("tests/a.py", "test_y"),
        ("property_tests/b.py", None),
        ("tests/c/d.py", "test_z_*"),
        ("tests/c/d.py", "test_w"),
    ]


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


@pytest.mark.parametrize("path", CHECKED, ids=relative)
def test_no_file_refers_to_the_internal_tracker(path: Path) -> None:
    found = internal_references(path.read_text(encoding="utf-8"))
    assert found == [], (
        f"{relative(path)} refers to the project's internal tracker, which users cannot "
        f"read: {found}. State the rule itself, or cite a public source (a "
        "developer.box.com URL, an RFC section, a docs/protocol.md section, a README section)."
    )


@pytest.mark.parametrize("path", python_test_files(), ids=relative)
def test_no_test_docstring_or_comment_refers_to_the_internal_tracker(path: Path) -> None:
    texts = docstrings_and_comments(path.read_text(encoding="utf-8"))
    found = [ref for text in texts for ref in internal_references(text)]
    assert found == [], (
        f"{relative(path)} refers to the project's internal tracker in a docstring or "
        f"comment: {found}. Say what the test shows, or cite README, SECURITY.md or docs/."
    )


def test_the_test_files_are_read() -> None:
    names = {relative(p) for p in python_test_files()}
    assert {"tests/test_citations.py", "property_tests/test_settings.py"} <= names
    assert any(name.startswith("tests/aio/") for name in names)


@pytest.mark.parametrize("document", ["README.md", "SECURITY.md"])
def test_every_test_the_documents_name_exists(document: str) -> None:
    cited = cited_tests((ROOT / document).read_text(encoding="utf-8"))
    assert len(cited) >= (3 if document == "README.md" else 150), "the search is broken"
    missing: list[str] = []
    for file, name in cited:
        path = ROOT / file
        if not path.is_file():
            missing.append(file)
        elif name is not None and not any(
            fnmatchcase(defined, name) for defined in defined_tests(path)
        ):
            missing.append(f"{file}::{name}")
    assert missing == [], f"{document} names tests that do not exist: {missing}"


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
