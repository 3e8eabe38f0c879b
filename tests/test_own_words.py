"""The project must not reuse the essay's sentences: facts carry over, wording does not.

The rule is mechanical so it can be enforced rather than remembered: no run of 8 or more
consecutive words of the essay may appear in any file of the repository. A run of exactly
8 is enough to check, because every longer run contains one. Both texts are normalised the
same way (lowercase, punctuation ignored, apostrophes dropped inside words), so re-wrapping,
re-casing or re-punctuating a copied sentence does not slip past.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import ROOT

RUN_LENGTH = 8


#: Directories never part of the project, used only when git is unavailable.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".mypy_cache",
        ".hypothesis",
        "node_modules",
        "build",
        "dist",
    }
)

# Straight and curly apostrophes/quotes glued between two letters or digits are removed, so
# "don't", "don\u2019t" (curly) and "dont" are one word; anywhere else they
# separate words like spaces. The curly forms are escaped so this file stays plain ASCII.
_INNER_QUOTE = re.compile("(?<=[^\\W_])['`\u2018\u2019\u02bc\u2032]+(?=[^\\W_])")
# A word is a run of letters or digits (any script); underscores and punctuation split words.
_WORD = re.compile(r"[^\W_]+")

Hit = tuple[int, str]


def words_with_lines(text: str) -> list[tuple[str, int]]:
    """Normalised words of ``text``, each with its 1-based line number, in order.

    Lines are tokenised one at a time only to know where each word sits; the shingles built
    from the result run across line breaks, so re-wrapping a sentence does not hide it.
    """
    result: list[tuple[str, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        cleaned = _INNER_QUOTE.sub("", line.lower())
        result.extend((word, number) for word in _WORD.findall(cleaned))
    return result


def shingles(text: str, size: int = RUN_LENGTH) -> set[tuple[str, ...]]:
    """Every run of ``size`` consecutive normalised words in ``text``."""
    words = [word for word, _ in words_with_lines(text)]
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def find_hits(text: str, forbidden: set[tuple[str, ...]], size: int = RUN_LENGTH) -> list[Hit]:
    """(line of first word, words) for each ``size``-word run of ``text`` in ``forbidden``."""
    words = words_with_lines(text)
    hits: list[Hit] = []
    for i in range(len(words) - size + 1):
        run = tuple(word for word, _ in words[i : i + size])
        if run in forbidden:
            hits.append((words[i][1], " ".join(run)))
    return hits


def project_files(root: Path) -> list[Path]:
    """The repository's files as git sees them (tracked plus untracked, minus ignored).

    Asking git honours .gitignore, so virtualenvs and caches are left out without a list of
    our own; the directory walk is only a fallback for a checkout without git.
    """
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return sorted(_walk(root))
    names = {os.fsdecode(name) for name in listing.split(b"\0") if name}
    return sorted(root / name for name in names)


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in files:
            yield Path(directory) / name


def read_text(path: Path) -> str | None:
    """The file's text, or None for what is not a readable UTF-8 text file (binaries, gone)."""
    try:
        data = path.read_bytes()
    except OSError:  # listed by git but deleted from the working tree, or a directory
        return None
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_no_file_reuses_a_run_of_the_essay(essay_text: str) -> None:
    """Every project file, whatever its type, is free of 8-word runs of the essay."""
    forbidden = shingles(essay_text)
    assert forbidden, "the essay is shorter than one run; the check would pass vacuously"
    problems: list[str] = []
    checked = 0
    for path in project_files(ROOT):
        text = read_text(path)
        if text is None:
            continue
        checked += 1
        for line, run in find_hits(text, forbidden):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {run!r}")
    assert checked, "no project files were found to check"
    assert not problems, (
        f"{len(problems)} run(s) of {RUN_LENGTH}+ words copied from the essay; "
        "rephrase them:\n" + "\n".join(problems)
    )


def made_up_text(words: int, seed: int = 8) -> str:
    """A stand-in for the essay: made-up words, so the checker is tested on any clone."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(2, 8))) for _ in range(300)]
    lines = []
    for start in range(0, words, 12):
        lines.append(" ".join(rng.choice(vocabulary) for _ in range(min(12, words - start))))
    return "\n".join(lines)


def test_checker_catches_a_copied_run_and_spares_a_shorter_one() -> None:
    """The checker is only worth trusting if it demonstrably fires, and only at 8 words.

    The copied run is disguised with capitals, punctuation and a line break, which
    normalisation must undo. A made-up source text stands in for the essay, so this runs
    on a bare clone too; the essay only supplies the forbidden runs of the real check.
    """
    source = made_up_text(200)
    forbidden = shingles(source)
    source_words = [word for word, _ in words_with_lines(source)]
    sample = source_words[100:108]

    disguised = " ".join(sample[:4]).upper() + ",\n" + " ".join(sample[4:]) + "."
    text = f"qzx first line\nvkw {disguised} wqz\n"
    hits = find_hits(text, forbidden)
    assert hits == [(2, " ".join(sample))]

    shorter = f"qzx {' '.join(sample[: RUN_LENGTH - 1])} wqz"
    assert find_hits(shorter, forbidden) == []


def test_apostrophes_inside_words_are_dropped() -> None:
    """Straight and curly apostrophes must not make a copied contraction look different."""
    assert [w for w, _ in words_with_lines("Don't don\u2019t DONT rock_n_roll")] == [
        "dont",
        "dont",
        "dont",
        "rock",
        "n",
        "roll",
    ]
