//! A checklist is data: a TOML file in `questions/`, parsed and checked once
//! at start. Later code only ever sees a valid [`Checklist`].

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// A checklist that passed validation: ids are unique and well-formed, no
/// text is empty, no section is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub id: String,
    pub version: u32,
    pub language: String,
    pub title: String,
    pub subtitle: String,
    pub intro: String,
    pub minutes: u32,
    pub instructions: Vec<String>,
    pub answers: Legend,
    pub priorities: PriorityScale,
    pub sections: Vec<Section>,
}

/// What each answer means, as the checklist's legend explains it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Legend {
    pub yes: String,
    pub no: String,
    pub not_applicable: String,
}

/// What each priority means, as the checklist's scale explains it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityScale {
    pub low: String,
    pub medium: String,
    pub high: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub hint: String,
    /// The recommended action: the «proposed solution» of the action plan.
    pub action: String,
}

/// Where a question sits in its checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Index over all questions, 0-based.
    pub index: usize,
    /// Index of the section, 0-based.
    pub section: usize,
}

impl Checklist {
    /// Parses and validates a checklist; `origin` names the file in errors.
    pub fn parse(origin: &str, source: &str) -> Result<Self, ChecklistError> {
        let raw: RawChecklist = toml::from_str(source).map_err(|e| {
            let line = e.span().map(|s| line_of(source, s.start));
            ChecklistError::new(origin, line, e.message().trim().to_string())
        })?;
        raw.validate(origin, source)
    }

    /// Reads and parses one checklist file.
    pub fn load(path: &Path) -> Result<Self, ChecklistError> {
        let origin = path.display().to_string();
        let source = std::fs::read_to_string(path)
            .map_err(|e| ChecklistError::new(&origin, None, format!("cannot read: {e}")))?;
        Self::parse(&origin, &source)
    }

    pub fn question_count(&self) -> usize {
        self.sections.iter().map(|s| s.questions.len()).sum()
    }

    /// All questions in order, with their section index.
    pub fn questions(&self) -> impl Iterator<Item = (usize, &Question)> + '_ {
        self.sections
            .iter()
            .enumerate()
            .flat_map(|(si, s)| s.questions.iter().map(move |q| (si, q)))
    }

    pub fn question(&self, index: usize) -> Option<(Position, &Question)> {
        self.questions()
            .nth(index)
            .map(|(section, q)| (Position { index, section }, q))
    }

    pub fn position_of(&self, question_id: &str) -> Option<Position> {
        self.questions()
            .enumerate()
            .find(|(_, (_, q))| q.id == question_id)
            .map(|(index, (section, _))| Position { index, section })
    }
}

/// Loads every `*.toml` file of a folder, sorted by file name. Ids must be
/// unique across files.
pub fn load_dir(dir: &Path) -> Result<Vec<Checklist>, ChecklistError> {
    let origin = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ChecklistError::new(&origin, None, format!("cannot read folder: {e}")))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(ChecklistError::new(
            &origin,
            None,
            "no checklist (*.toml) in this folder".to_string(),
        ));
    }
    let mut out: Vec<Checklist> = Vec::with_capacity(paths.len());
    for path in paths {
        let checklist = Checklist::load(&path)?;
        if out.iter().any(|c| c.id == checklist.id) {
            return Err(ChecklistError::new(
                &path.display().to_string(),
                None,
                format!("checklist id `{}` is used by another file", checklist.id),
            ));
        }
        out.push(checklist);
    }
    Ok(out)
}

/// A checklist file that can't be used, with the place and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ChecklistError {
    pub file: String,
    pub line: Option<usize>,
    pub problem: String,
}

impl ChecklistError {
    fn new(file: &str, line: Option<usize>, problem: String) -> Self {
        Self {
            file: file.to_string(),
            line,
            problem,
        }
    }
}

impl fmt::Display for ChecklistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {}: {}", self.file, line, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

/// The 1-based line of a byte offset; an offset at the very end of a file
/// that ends with a line break belongs to its last line.
fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    let line = source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    line.min(source.lines().count().max(1))
}

/// Longest texts accepted, in characters: with them a card, the greeting
/// and a summary line stay within Telegram's 4096 per message.
const MAX_TITLE: usize = 200;
const MAX_INTRO: usize = 1500;
const MAX_QUESTION: usize = 500;
const MAX_HINT: usize = 500;
const MAX_ACTION: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecklist {
    id: Spanned<String>,
    version: u32,
    language: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    subtitle: String,
    intro: Spanned<String>,
    minutes: u32,
    #[serde(default)]
    instructions: Vec<Spanned<String>>,
    answers: Legend,
    priorities: PriorityScale,
    sections: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    questions: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    text: Spanned<String>,
    hint: Spanned<String>,
    action: Spanned<String>,
}

/// Longest id accepted: question ids are stored in the database and shown in
/// exports, and a short bound keeps them readable.
const MAX_ID_LEN: usize = 48;

/// Longest checklist id: it travels in callback data (at most 64 bytes) with
/// a user id.
pub const MAX_CHECKLIST_ID_LEN: usize = 32;

struct Validator<'a> {
    origin: &'a str,
    source: &'a str,
}

impl Validator<'_> {
    fn err(&self, at: &Spanned<String>, problem: String) -> ChecklistError {
        ChecklistError::new(
            self.origin,
            Some(line_of(self.source, at.span().start)),
            problem,
        )
    }

    /// A one-line text: line breaks and runs of spaces become one space, so
    /// every rendered line stays well-formed on its own. At most `max`
    /// characters, so a card always fits one Telegram message.
    fn text(
        &self,
        field: &str,
        value: &Spanned<String>,
        max: usize,
    ) -> Result<String, ChecklistError> {
        let text = value
            .get_ref()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if text.is_empty() {
            return Err(self.err(value, format!("`{field}` is empty")));
        }
        let length = text.chars().count();
        if length > max {
            return Err(self.err(
                value,
                format!("`{field}` is {length} characters long; at most {max} fit"),
            ));
        }
        Ok(text)
    }

    fn id(
        &self,
        field: &str,
        value: &Spanned<String>,
        dotted: bool,
    ) -> Result<String, ChecklistError> {
        let max = if dotted {
            MAX_ID_LEN
        } else {
            MAX_CHECKLIST_ID_LEN
        };
        let id = value.get_ref();
        let part_ok = |p: &str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let ok = if dotted {
            id.split('.').all(part_ok)
        } else {
            part_ok(id)
        };
        if !ok || id.len() > max {
            let allowed = if dotted {
                "a-z, 0-9, _ and ."
            } else {
                "a-z, 0-9 and _"
            };
            return Err(self.err(
                value,
                format!("`{field}` \"{id}\" must be 1-{max} characters of {allowed}"),
            ));
        }
        Ok(id.clone())
    }
}

impl RawChecklist {
    fn validate(self, origin: &str, source: &str) -> Result<Checklist, ChecklistError> {
        let v = Validator { origin, source };
        let id = v.id("id", &self.id, false)?;
        let language = v.text("language", &self.language, MAX_TITLE)?;
        let title = v.text("title", &self.title, MAX_TITLE)?;
        let intro = v.text("intro", &self.intro, MAX_INTRO)?;
        let instructions = self
            .instructions
            .iter()
            .map(|i| v.text("instructions", i, MAX_INTRO))
            .collect::<Result<Vec<_>, _>>()?;
        let plain = |field: &str, value: &str| -> Result<String, ChecklistError> {
            let t = value.trim();
            if t.is_empty() {
                return Err(ChecklistError::new(
                    origin,
                    None,
                    format!("`{field}` is empty"),
                ));
            }
            Ok(t.to_string())
        };
        let answers = Legend {
            yes: plain("answers.yes", &self.answers.yes)?,
            no: plain("answers.no", &self.answers.no)?,
            not_applicable: plain("answers.not_applicable", &self.answers.not_applicable)?,
        };
        let priorities = PriorityScale {
            low: plain("priorities.low", &self.priorities.low)?,
            medium: plain("priorities.medium", &self.priorities.medium)?,
            high: plain("priorities.high", &self.priorities.high)?,
        };
        if self.sections.is_empty() {
            return Err(ChecklistError::new(
                origin,
                None,
                "no [[sections]]".to_string(),
            ));
        }
        let mut section_ids = HashSet::new();
        let mut question_ids = HashSet::new();
        let mut sections = Vec::with_capacity(self.sections.len());
        for raw in &self.sections {
            let sid = v.id("sections.id", &raw.id, false)?;
            if !section_ids.insert(sid.clone()) {
                return Err(v.err(&raw.id, format!("section id \"{sid}\" is used twice")));
            }
            let stitle = v.text("sections.title", &raw.title, MAX_TITLE)?;
            if raw.questions.is_empty() {
                return Err(v.err(&raw.id, format!("section \"{sid}\" has no questions")));
            }
            let mut questions = Vec::with_capacity(raw.questions.len());
            for q in &raw.questions {
                let qid = v.id("questions.id", &q.id, true)?;
                if !question_ids.insert(qid.clone()) {
                    return Err(v.err(&q.id, format!("question id \"{qid}\" is used twice")));
                }
                questions.push(Question {
                    id: qid,
                    text: v.text("questions.text", &q.text, MAX_QUESTION)?,
                    hint: v.text("questions.hint", &q.hint, MAX_HINT)?,
                    action: v.text("questions.action", &q.action, MAX_ACTION)?,
                });
            }
            sections.push(Section {
                id: sid,
                title: stitle,
                questions,
            });
        }
        if self.minutes == 0 {
            return Err(ChecklistError::new(
                origin,
                None,
                "`minutes` must be at least 1".into(),
            ));
        }
        Ok(Checklist {
            id,
            version: self.version,
            language,
            title,
            subtitle: self.subtitle.trim().to_string(),
            intro,
            minutes: self.minutes,
            instructions,
            answers,
            priorities,
            sections,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small valid checklist for tests of this crate: 2 sections, 3 questions.
    pub(crate) const SMALL: &str = r#"
id = "small"
version = 1
language = "ru"
title = "Малый"
intro = "Вступление"
minutes = 2
instructions = ["Один"]

[answers]
yes = "да"
no = "нет"
not_applicable = "н/п"

[priorities]
low = "низкий"
medium = "средний"
high = "высокий"

[[sections]]
id = "a"
title = "Раздел А"

[[sections.questions]]
id = "a.one"
text = "Вопрос 1?"
hint = "Подсказка 1"
action = "Сделать 1"

[[sections.questions]]
id = "a.two"
text = "Вопрос 2?"
hint = "Подсказка 2"
action = "Сделать 2"

[[sections]]
id = "b"
title = "Раздел Б"

[[sections.questions]]
id = "b.three"
text = "Вопрос 3?"
hint = "Подсказка 3"
action = "Сделать 3"
"#;

    pub(crate) fn small() -> Checklist {
        Checklist::parse("small.toml", SMALL).expect("valid")
    }

    #[test]
    fn a_valid_checklist_parses_in_order() {
        let c = small();
        assert_eq!(c.id, "small");
        assert_eq!(c.question_count(), 3);
        assert_eq!(c.sections[1].questions[0].id, "b.three");
        assert_eq!(
            c.position_of("b.three"),
            Some(Position {
                index: 2,
                section: 1
            })
        );
        assert_eq!(c.question(1).map(|(_, q)| q.id.as_str()), Some("a.two"));
        assert_eq!(c.question(3), None);
    }

    fn error_for(source: &str) -> ChecklistError {
        Checklist::parse("bad.toml", source).expect_err("must be rejected")
    }

    #[test]
    fn broken_files_are_rejected_naming_file_line_and_problem() {
        let cases = [
            (
                "id = \"a.two\"",
                "id = \"a.one\"",
                "\"a.one\" is used twice",
            ),
            (
                "hint = \"Подсказка 2\"",
                "hint = \"   \"",
                "`questions.hint` is empty",
            ),
            (
                "text = \"Вопрос 2?\"",
                "text = \"\"",
                "`questions.text` is empty",
            ),
            (
                "id = \"a.two\"",
                "id = \"a.Two\"",
                "must be 1-48 characters",
            ),
            ("id = \"b\"", "id = \"a\"", "section id \"a\" is used twice"),
        ];
        for (original, replacement, expected) in cases {
            let line = SMALL
                .lines()
                .position(|l| l == original)
                .map(|i| i + 1)
                .expect("line in SMALL");
            let err = error_for(&SMALL.replacen(original, replacement, 1));
            assert_eq!(err.file, "bad.toml", "{replacement}");
            assert_eq!(err.line, Some(line), "{replacement}: {err}");
            assert!(err.problem.contains(expected), "{replacement}: {err}");
        }
    }

    #[test]
    fn texts_become_one_line_and_overlong_texts_are_rejected() {
        let c = Checklist::parse(
            "ok.toml",
            &SMALL.replace("text = \"Вопрос 2?\"", "text = \"\"\"Вопрос\n  два?\"\"\""),
        )
        .expect("valid");
        assert_eq!(c.sections[0].questions[1].text, "Вопрос два?");
        let long = "я".repeat(MAX_QUESTION + 1);
        let err = error_for(&SMALL.replace("Вопрос 2?", &long));
        assert!(
            err.problem.contains("501 characters long; at most 500"),
            "{err}"
        );
        assert!(err.line.is_some());
    }

    #[test]
    fn an_error_at_the_end_of_the_file_names_its_last_line() {
        let source = format!("{SMALL}x = \"\"\"\n");
        let err = error_for(&source);
        assert_eq!(err.line, Some(source.lines().count()), "{err}");
    }

    #[test]
    fn a_section_without_questions_is_rejected() {
        let source = SMALL.replace(
            "[[sections]]\nid = \"b\"",
            "[[sections]]\nid = \"empty\"\ntitle = \"Пусто\"\n\n[[sections]]\nid = \"b\"",
        );
        let err = error_for(&source);
        assert!(err.problem.contains("\"empty\" has no questions"), "{err}");
        assert!(err.line.is_some());
    }

    #[test]
    fn toml_syntax_errors_carry_the_line() {
        let source = SMALL.replace("minutes = 2", "minutes = = 2");
        let err = error_for(&source);
        let expected = SMALL
            .lines()
            .position(|l| l == "minutes = 2")
            .map(|i| i + 1);
        assert_eq!(err.line, expected, "{err}");
        assert!(err.to_string().starts_with("bad.toml, line "), "{err}");
    }

    #[test]
    fn unknown_and_missing_keys_are_rejected() {
        assert!(
            error_for(&SMALL.replace("minutes = 2", "minutes = 2\ncolour = 1"))
                .problem
                .contains("colour")
        );
        assert!(error_for(&SMALL.replace("intro = \"Вступление\"\n", ""))
            .problem
            .contains("intro"));
    }

    #[test]
    fn load_dir_reads_every_toml_and_rejects_duplicate_ids() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.toml"), SMALL).expect("write");
        std::fs::write(dir.path().join("notes.txt"), "not a checklist").expect("write");
        assert_eq!(load_dir(dir.path()).expect("loads").len(), 1);
        std::fs::write(dir.path().join("b.toml"), SMALL).expect("write");
        let err = load_dir(dir.path()).expect_err("duplicate id");
        assert!(
            err.file.ends_with("b.toml") && err.problem.contains("small"),
            "{err}"
        );
    }

    #[test]
    fn the_shipped_checklist_loads_with_39_questions_in_6_sections() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("questions");
        let all = load_dir(&dir).expect("questions/ loads");
        let churn = all
            .iter()
            .find(|c| c.id == "churn_audit")
            .expect("churn_audit");
        assert_eq!(churn.sections.len(), 6);
        assert_eq!(churn.question_count(), 39);
        assert_eq!(
            churn
                .sections
                .iter()
                .map(|s| s.questions.len())
                .collect::<Vec<_>>(),
            [6, 7, 6, 7, 6, 7]
        );
        for section in &churn.sections {
            for q in &section.questions {
                assert!(q.id.starts_with(&format!("{}.", section.id)), "{}", q.id);
            }
        }
    }

    #[test]
    fn an_empty_folder_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(load_dir(dir.path()).is_err());
    }
}
