#!/usr/bin/env python3
"""Check questions/churn_audit.ru.toml against the source checklist document.

Usage: python3 scripts/check_seed.py [SEED_PATH] [TOML_PATH]

Defaults (relative to the repository root, i.e. the parent of this script's
directory): ../shared/seeds/000_7f42625fa38ceac6.txt and
questions/churn_audit.ru.toml.

The seed is parsed independently of the TOML. Every text that comes from the
seed (title, subtitle, intro, instructions, legend, priority scale, section
titles, question texts and hints) must match verbatim; the only tolerated
difference is the kind of quote mark (' " « » „ “ ” are treated as equal).
Also checked: each question has a non-empty plain-text action under 300
characters, ids are well-formed and unique, and no unknown keys are present.

Prints one line per mismatch and a summary line; exits 1 on any mismatch,
0 otherwise. A missing seed file is not an error (CI clones may not have it).
Standard library only (Python 3.11+).
"""

from __future__ import annotations

import difflib
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = REPO_ROOT.parent / "shared" / "seeds" / "000_7f42625fa38ceac6.txt"
DEFAULT_TOML = REPO_ROOT / "questions" / "churn_audit.ru.toml"

QUOTES = str.maketrans({c: '"' for c in "'\"«»„“”"})

SECTION_RE = re.compile(r"^Раздел\s+(\d+):\s*(.+)$")
INSTRUCTION_RE = re.compile(r"^(\d+)\.\s+(.+)$")
ID_RE = re.compile(r"^[a-z0-9_]+$")
QUESTION_ID_RE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
HTML_RE = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&[a-zA-Z]+;|&#\d+;")
MAX_QUESTION_ID_LEN = 48
MAX_ACTION_LEN = 300

TOP_KEYS = {"id", "version", "language", "title", "short_title", "subtitle", "intro", "minutes",
            "instructions", "answers", "priorities", "sections"}
ANSWER_KEYS = {"yes": "Да", "no": "Нет", "not_applicable": "Не применимо"}
PRIORITY_KEYS = {"low": "Низкий", "medium": "Средний", "high": "Высокий"}
SECTION_KEYS = {"id", "title", "questions"}
QUESTION_KEYS = {"id", "text", "hint", "action"}

INSTRUCTIONS_HEADING = "Инструкция по использованию"
LEGEND_HEADING = "Легенда"
PRIORITY_HEADING = "Шкала приоритета"
SUMMARY_HEADING = "Резюме и план действий"


def norm(s: str) -> str:
    return s.translate(QUOTES)


def same(a: object, b: str) -> bool:
    return isinstance(a, str) and norm(a) == norm(b)


def describe(expected: str, found: object) -> str:
    """Human-readable description of how `found` differs from `expected`."""
    if not isinstance(found, str):
        return f"expected string {expected!r}, found {found!r}"
    a, b = norm(expected), norm(found)
    pos = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"first difference at char {pos + 1}: seed {expected!r}, toml {found!r}"


# ---------------------------------------------------------------- seed parsing

@dataclass
class SeedQuestion:
    num: int        # 1-based, whole document
    section: int    # 0-based section index
    text: str
    hint: str


@dataclass
class Seed:
    title: str = ""
    subtitle: str = ""
    intro: str = ""
    instructions: list[str] | None = None
    answers: dict[str, str] | None = None
    priorities: dict[str, str] | None = None
    sections: list[str] | None = None
    questions: list[SeedQuestion] | None = None


def find_line(lines: list[str], predicate, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if predicate(lines[i]):
            return i
    return -1


def parse_table(lines: list[str], mapping: dict[str, str], what: str,
                problems: list[str]) -> dict[str, str]:
    """Parse 'Label<TAB>Description' rows into {toml_key: description}."""
    rows = {}
    for line in lines:
        if "\t" in line:
            label, _, desc = line.partition("\t")
            rows[label.strip()] = desc.strip()
    out = {}
    for key, label in mapping.items():
        if label in rows:
            out[key] = rows[label]
        else:
            problems.append(f"seed: {what} row {label!r} not found")
    return out


def parse_seed(text: str, problems: list[str]) -> Seed:
    lines = [ln.strip() for ln in text.splitlines()]
    seed = Seed()

    i_instr = find_line(lines, lambda l: l.rstrip(":") == INSTRUCTIONS_HEADING)
    i_legend = find_line(lines, lambda l: l == LEGEND_HEADING)
    i_prio = find_line(lines, lambda l: l == PRIORITY_HEADING)
    i_first_section = find_line(lines, lambda l: bool(SECTION_RE.match(l)))
    i_summary = find_line(lines, lambda l: l == SUMMARY_HEADING)
    for name, idx in [(INSTRUCTIONS_HEADING, i_instr), (LEGEND_HEADING, i_legend),
                      (PRIORITY_HEADING, i_prio), ("Раздел 1", i_first_section),
                      (SUMMARY_HEADING, i_summary)]:
        if idx < 0:
            problems.append(f"seed: heading {name!r} not found")
    if min(i_instr, i_legend, i_prio, i_first_section, i_summary) < 0 or not (
            i_instr < i_legend < i_prio < i_first_section < i_summary):
        problems.append("seed: headings missing or out of order, cannot parse")
        return seed

    # Title, subtitle and intro are the last three non-empty lines before the
    # instructions heading (the marketing lines above them are ignored).
    head = [l for l in lines[:i_instr] if l]
    if len(head) < 3:
        problems.append("seed: title/subtitle/intro not found")
    else:
        seed.title, seed.subtitle, seed.intro = head[-3:]

    seed.instructions = []
    for l in lines[i_instr + 1:i_legend]:
        m = INSTRUCTION_RE.match(l)
        if m:
            seed.instructions.append(m.group(2).strip())
        elif l:
            problems.append(f"seed: unexpected line in instructions: {l!r}")

    seed.answers = parse_table(lines[i_legend + 1:i_prio], ANSWER_KEYS, "legend", problems)
    seed.priorities = parse_table(lines[i_prio + 1:i_first_section], PRIORITY_KEYS,
                                  "priority scale", problems)

    # Sections: after each «Раздел N: Title» heading come question/hint pairs
    # (blank lines ignored). A question line may carry a "- " list marker; a
    # hint never does, so a marked line where a hint is expected means the
    # previous question has no hint.
    seed.sections, seed.questions = [], []
    pending: str | None = None
    for l in lines[i_first_section:i_summary]:
        if not l:
            continue
        m = SECTION_RE.match(l)
        if m:
            if pending is not None:
                problems.append(f"seed: question without hint: {pending!r}")
                pending = None
            if int(m.group(1)) != len(seed.sections) + 1:
                problems.append(f"seed: section number {m.group(1)} out of sequence")
            seed.sections.append(m.group(2).strip())
            continue
        marked = l.startswith("- ")
        body = l[2:].strip() if marked else l
        if pending is None:
            pending = body
        elif marked:
            problems.append(f"seed: question without hint: {pending!r}")
            pending = body
        else:
            seed.questions.append(SeedQuestion(len(seed.questions) + 1,
                                               len(seed.sections) - 1, pending, body))
            pending = None
    if pending is not None:
        problems.append(f"seed: question without hint: {pending!r}")
    return seed


# ---------------------------------------------------------------- TOML checks

@dataclass
class TomlQuestion:
    pos: int        # 1-based position in the TOML
    section: int    # 0-based section index
    id: object
    text: object
    hint: object
    action: object


def check_keys(table: object, allowed: set[str], where: str, out: list[str]) -> bool:
    if not isinstance(table, dict):
        out.append(f"{where}: expected a table, found {type(table).__name__}")
        return False
    for key in sorted(set(table) - allowed):
        out.append(f"{where}: unknown key {key!r}")
    for key in sorted(allowed - set(table)):
        out.append(f"{where}: missing key {key!r}")
    return True


def check(seed: Seed, doc: dict, out: list[str]) -> None:
    check_keys(doc, TOP_KEYS, "top level", out)

    if not (isinstance(doc.get("id"), str) and ID_RE.match(doc["id"])):
        out.append(f"id: not ASCII [a-z0-9_]: {doc.get('id')!r}")
    v = doc.get("version")
    if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
        out.append(f"version: expected a positive integer, found {v!r}")
    if doc.get("language") != "ru":
        out.append(f"language: expected 'ru', found {doc.get('language')!r}")
    m = doc.get("minutes")
    if not (isinstance(m, int) and not isinstance(m, bool) and m >= 1):
        out.append(f"minutes: expected a positive integer, found {m!r}")

    for key in ("title", "subtitle", "intro"):
        if key in doc and not same(doc[key], getattr(seed, key)):
            out.append(f"{key}: {describe(getattr(seed, key), doc[key])}")

    instr = doc.get("instructions")
    if isinstance(instr, list) and seed.instructions is not None:
        if len(instr) != len(seed.instructions):
            out.append(f"instructions: seed has {len(seed.instructions)}, toml has {len(instr)}")
        for n, (want, got) in enumerate(zip(seed.instructions, instr), 1):
            if not same(got, want):
                out.append(f"instruction {n}: {describe(want, got)}")
    elif "instructions" in doc:
        out.append("instructions: expected an array of strings")

    for table, keys, seed_values in (("answers", ANSWER_KEYS, seed.answers),
                                     ("priorities", PRIORITY_KEYS, seed.priorities)):
        if table in doc and check_keys(doc[table], set(keys), table, out):
            for key in keys:
                if key in doc[table] and key in (seed_values or {}):
                    if not same(doc[table][key], seed_values[key]):
                        out.append(f"{table}.{key}: {describe(seed_values[key], doc[table][key])}")

    sections = doc.get("sections")
    if not isinstance(sections, list):
        out.append("sections: expected an array of tables [[sections]]")
        return
    seed_sections = seed.sections or []
    if len(sections) != len(seed_sections):
        out.append(f"sections: seed has {len(seed_sections)}, toml has {len(sections)}")

    questions: list[TomlQuestion] = []
    section_ids: list[str] = []
    for si, sec in enumerate(sections):
        where = f"section {si + 1}"
        if not check_keys(sec, SECTION_KEYS, where, out):
            continue
        sid = sec.get("id")
        if not (isinstance(sid, str) and ID_RE.match(sid)):
            out.append(f"{where}: id not ASCII [a-z0-9_]: {sid!r}")
        elif sid in section_ids:
            out.append(f"{where}: duplicate section id {sid!r}")
        section_ids.append(sid if isinstance(sid, str) else "")
        if si < len(seed_sections) and "title" in sec and not same(sec["title"], seed_sections[si]):
            out.append(f"{where}: title {describe(seed_sections[si], sec['title'])}")
        qs = sec.get("questions")
        if not isinstance(qs, list):
            out.append(f"{where}: expected an array of tables [[sections.questions]]")
            continue
        for q in qs:
            pos = len(questions) + 1
            if check_keys(q, QUESTION_KEYS, f"toml question {pos}", out):
                questions.append(TomlQuestion(pos, si, q.get("id"), q.get("text"),
                                              q.get("hint"), q.get("action")))
            else:
                questions.append(TomlQuestion(pos, si, None, None, None, None))

    check_questions(seed, questions, section_ids, out)


def label(sq: SeedQuestion | None, tq: TomlQuestion | None) -> str:
    if sq is not None:
        s = f"question {sq.num} (section {sq.section + 1})"
    else:
        s = f"toml question {tq.pos} (section {tq.section + 1})"
    if tq is not None and isinstance(tq.id, str):
        s += f" [{tq.id}]"
    return s


def check_questions(seed: Seed, toml_qs: list[TomlQuestion], section_ids: list[str],
                    out: list[str]) -> None:
    seed_qs = seed.questions or []

    # Per-question checks that don't need the seed: ids and actions.
    seen: dict[str, int] = {}
    for tq in toml_qs:
        where = f"toml question {tq.pos}"
        qid = tq.id
        if not isinstance(qid, str) or not QUESTION_ID_RE.match(qid):
            out.append(f"{where}: id not of the form <section>.<name> in ASCII [a-z0-9_.]: {qid!r}")
        else:
            if len(qid) > MAX_QUESTION_ID_LEN:
                out.append(f"{where}: id longer than {MAX_QUESTION_ID_LEN} chars: {qid!r}")
            sid = section_ids[tq.section] if tq.section < len(section_ids) else ""
            if qid.split(".", 1)[0] != sid:
                out.append(f"{where}: id {qid!r} does not start with its section id {sid + '.'!r}")
            if qid in seen:
                out.append(f"{where}: duplicate id {qid!r} (also toml question {seen[qid]})")
            else:
                seen[qid] = tq.pos
        act = tq.action
        if not isinstance(act, str) or not act.strip():
            out.append(f"{where}: empty or missing action")
        else:
            if len(act) > MAX_ACTION_LEN:
                out.append(f"{where}: action longer than {MAX_ACTION_LEN} chars ({len(act)})")
            if HTML_RE.search(act):
                out.append(f"{where}: action contains HTML")

    # Match TOML questions to seed questions: first by exact (quote-normalised)
    # text, then the leftovers by similarity (an edited text), the rest are
    # missing / extra.
    match: dict[int, TomlQuestion] = {}          # seed num -> toml question
    by_text: dict[str, list[TomlQuestion]] = {}
    for tq in toml_qs:
        if isinstance(tq.text, str):
            by_text.setdefault(norm(tq.text), []).append(tq)
    for sq in seed_qs:
        cands = by_text.get(norm(sq.text))
        if cands:
            match[sq.num] = cands.pop(0)
    used = {id(tq) for tq in match.values()}
    rest_seed = [sq for sq in seed_qs if sq.num not in match]
    rest_toml = [tq for tq in toml_qs if id(tq) not in used]
    scored = []
    for sq in rest_seed:
        for tq in rest_toml:
            t = tq.text if isinstance(tq.text, str) else ""
            r = difflib.SequenceMatcher(None, norm(sq.text), norm(t)).ratio()
            # Same position in the document is strong evidence too.
            if r >= 0.6 or tq.pos == sq.num:
                scored.append((r + (0.5 if tq.pos == sq.num else 0), sq.num, tq.pos, sq, tq))
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    fuzzy = set()
    for _, _, _, sq, tq in scored:
        if sq.num in match or id(tq) in used:
            continue
        match[sq.num] = tq
        used.add(id(tq))
        fuzzy.add(sq.num)

    for sq in seed_qs:
        tq = match.get(sq.num)
        if tq is None:
            out.append(f"{label(sq, None)}: missing from toml: {sq.text!r}")
            continue
        if sq.num in fuzzy:
            out.append(f"{label(sq, tq)}: text differs, {describe(sq.text, tq.text)}")
        if not same(tq.hint, sq.hint):
            out.append(f"{label(sq, tq)}: hint differs, {describe(sq.hint, tq.hint)}")
        if tq.section != sq.section:
            out.append(f"{label(sq, tq)}: in toml section {tq.section + 1}, "
                       f"seed has it in section {sq.section + 1}")
    for tq in toml_qs:
        if id(tq) not in used:
            out.append(f"{label(None, tq)}: not in seed: {tq.text!r}")

    # Order: the seed numbers, read in TOML order, must be increasing.
    order = [n for _, n in sorted((tq.pos, n) for n, tq in match.items())]
    for got, want in zip(order, sorted(order)):
        if got != want:
            sq = seed_qs[got - 1]
            out.append(f"{label(sq, match[got])}: out of order, found at toml position "
                       f"{match[got].pos} where seed question {want} belongs")

    # Per-section counts (cheap summary that helps spot boundary mistakes).
    seed_counts = [sum(1 for q in seed_qs if q.section == i) for i in range(len(seed.sections or []))]
    toml_counts = [sum(1 for q in toml_qs if q.section == i) for i in range(len(section_ids))]
    for i, (a, b) in enumerate(zip(seed_counts, toml_counts)):
        if a != b:
            out.append(f"section {i + 1}: seed has {a} questions, toml has {b}")


# ---------------------------------------------------------------- main

def main(argv: list[str]) -> int:
    if len(argv) > 2 or any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    seed_path = Path(argv[0]) if len(argv) >= 1 else DEFAULT_SEED
    toml_path = Path(argv[1]) if len(argv) >= 2 else DEFAULT_TOML

    if not seed_path.is_file():
        print(f"seed check: skipped, {seed_path} not found")
        return 0

    problems: list[str] = []
    seed = parse_seed(seed_path.read_text(encoding="utf-8"), problems)
    try:
        with open(toml_path, "rb") as f:
            doc = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        problems.append(f"toml: cannot load {toml_path}: {e}")
        doc = None
    if doc is not None:
        check(seed, doc, problems)

    for p in problems:
        print(p)
    print(f"seed check: {len(seed.questions or [])} questions, "
          f"{len(seed.sections or [])} sections, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
