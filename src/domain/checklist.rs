//! A checklist is data: a TOML file in `questions/`, parsed and checked once
//! at start. Later code only ever sees a valid [`Checklist`].

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::lang::Lang;

/// A checklist in one language that passed validation: ids are unique and
/// well-formed, no text is empty, no section is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub id: String,
    pub version: u32,
    pub language: Lang,
    /// The language of the file this one translates; `None` in the
    /// original.
    pub translated_from: Option<Lang>,
    pub title: String,
    /// The title on a button: `short_title`, else the title.
    pub short_title: String,
    pub subtitle: String,
    pub intro: String,
    pub minutes: u32,
    pub instructions: Vec<String>,
    pub answers: Legend,
    pub priorities: PriorityScale,
    pub sections: Vec<Section>,
    /// Where the checklist was read from, for errors found later.
    pub origin: Origin,
    /// Its questions' ids and order, made once when it is parsed: the
    /// sections' ids and order are not changed after that (their texts
    /// may be, in tests).
    questions: Arc<QuestionIndex>,
}

/// A checklist's questions as each audit of it needs them, shared by all
/// of them: their ids and sections in the order they are asked, and their
/// indexes sorted by id, to find a stored response's question.
#[derive(Debug, PartialEq, Eq)]
pub struct QuestionIndex {
    ids: Vec<String>,
    sections: Vec<usize>,
    section_count: usize,
    by_id: Vec<usize>,
}

impl QuestionIndex {
    fn new(sections: &[Section]) -> Self {
        let (sections_of, ids): (Vec<usize>, Vec<String>) = sections
            .iter()
            .enumerate()
            .flat_map(|(si, s)| s.questions.iter().map(move |q| (si, q.id.clone())))
            .unzip();
        let mut by_id: Vec<usize> = (0..ids.len()).collect();
        by_id.sort_unstable_by(|&a, &b| ids[a].cmp(&ids[b]));
        Self {
            ids,
            sections: sections_of,
            section_count: sections.len(),
            by_id,
        }
    }

    /// The questions' ids in the order they are asked.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// The section of each question, by its index.
    pub fn sections(&self) -> &[usize] {
        &self.sections
    }

    pub fn section_count(&self) -> usize {
        self.section_count
    }

    /// The index of the question `id`, if the checklist has it.
    pub fn position(&self, id: &str) -> Option<usize> {
        let at = self.place_by_id(id)?;
        Some(self.by_id[at])
    }

    /// [`QuestionIndex::position`] of each of `ids` in turn, for ids that
    /// mostly come in id order, as SQLite reads an audit's answers (by
    /// their key): each is looked for first a few places after the one
    /// found before it — one or two comparisons instead of a search of
    /// them all — then searched for.
    pub fn positions<'a>(
        &'a self,
        ids: impl Iterator<Item = &'a str> + 'a,
    ) -> impl Iterator<Item = Option<usize>> + 'a {
        /// Places looked at ahead before a search.
        const AHEAD: usize = 4;
        let mut next = 0;
        ids.map(move |id| {
            let ahead = self.by_id.iter().skip(next).take(AHEAD);
            let near = ahead
                .take_while(|&&i| self.ids[i].as_str() <= id)
                .position(|&i| self.ids[i] == id)
                .map(|k| next + k);
            let at = near.or_else(|| self.place_by_id(id))?;
            next = at + 1;
            Some(self.by_id[at])
        })
    }

    /// Where `id` is in `by_id`.
    fn place_by_id(&self, id: &str) -> Option<usize> {
        self.by_id
            .binary_search_by(|&i| self.ids[i].as_str().cmp(id))
            .ok()
    }
}

/// The file a checklist came from and the lines of what a translation must
/// agree on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: String,
    pub version_line: Option<usize>,
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
    /// The line of its `id` in the file.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub hint: String,
    /// The recommended action: the «proposed solution» of the action plan.
    pub action: String,
    /// The line of its `id` in the file.
    pub line: usize,
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

    /// Its questions' ids and order, shared.
    pub fn question_index(&self) -> &Arc<QuestionIndex> {
        &self.questions
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

/// One checklist in every language it has: the same id, version, sections
/// and questions, with texts per language. The audit and its answers never
/// see the language: any version gives the same structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Localized {
    /// The original first, then the translations in file-name order.
    versions: Vec<Arc<Checklist>>,
}

impl Localized {
    /// The checklist in its original language.
    pub fn original(&self) -> &Arc<Checklist> {
        &self.versions[0]
    }

    /// The checklist in `lang`, else in its original language.
    pub fn get(&self, lang: Lang) -> &Arc<Checklist> {
        self.versions
            .iter()
            .find(|c| c.language == lang)
            .unwrap_or(self.original())
    }

    pub fn id(&self) -> &str {
        &self.original().id
    }

    pub fn version(&self) -> u32 {
        self.original().version
    }

    /// The languages it has, the original first.
    pub fn languages(&self) -> impl Iterator<Item = Lang> + '_ {
        self.versions.iter().map(|c| c.language)
    }

    /// A checklist with no translation.
    pub fn single(checklist: Checklist) -> Self {
        Self {
            versions: vec![Arc::new(checklist)],
        }
    }

    /// Groups an original with its translations, checking they agree on
    /// the version and on every section and question id, in order.
    pub fn new(original: Checklist, translations: Vec<Checklist>) -> Result<Self, ChecklistError> {
        let mut versions = vec![Arc::new(original)];
        for translation in translations {
            let original = &versions[0];
            if let Some(clash) = versions.iter().find(|c| c.language == translation.language) {
                return Err(ChecklistError::new(
                    &translation.origin.file,
                    None,
                    format!(
                        "checklist `{}` already has a {} version in {}",
                        translation.id, translation.language, clash.origin.file
                    ),
                ));
            }
            agree(original, &translation)?;
            versions.push(Arc::new(translation));
        }
        Ok(Self { versions })
    }
}

/// Checks that `translation` has what `original` has: the version, the
/// sections and the questions with the same ids in the same order. The
/// first difference is reported at its line in the translation.
fn agree(original: &Checklist, translation: &Checklist) -> Result<(), ChecklistError> {
    let file = &translation.origin.file;
    let at = |line: Option<usize>, problem: String| {
        Err(ChecklistError::new(
            file,
            line,
            format!("{problem} (the original is {})", original.origin.file),
        ))
    };
    if translation.translated_from != Some(original.language) {
        return at(
            None,
            format!(
                "a translation of `{}` must say translated_from = \"{}\"",
                original.id, original.language
            ),
        );
    }
    if translation.version != original.version {
        return at(
            translation.origin.version_line,
            format!(
                "version {} differs from the original's {}",
                translation.version, original.version
            ),
        );
    }
    let last_line = translation
        .sections
        .last()
        .and_then(|s| s.questions.last())
        .map(|q| q.line);
    for (i, theirs) in original.sections.iter().enumerate() {
        let Some(ours) = translation.sections.get(i) else {
            return at(
                last_line,
                format!("section \"{}\" is missing at the end", theirs.id),
            );
        };
        if ours.id != theirs.id {
            return at(
                Some(ours.line),
                format!(
                    "section {} is \"{}\" here but \"{}\" in the original",
                    i + 1,
                    ours.id,
                    theirs.id
                ),
            );
        }
        for (j, question) in theirs.questions.iter().enumerate() {
            match ours.questions.get(j) {
                Some(q) if q.id == question.id => {}
                Some(q) => {
                    let problem = format!(
                        "question {} of section \"{}\" is \"{}\" here but \"{}\" in the original",
                        j + 1,
                        ours.id,
                        q.id,
                        question.id
                    );
                    return at(Some(q.line), problem);
                }
                None => {
                    let line = ours.questions.last().map(|q| q.line).unwrap_or(ours.line);
                    return at(
                        Some(line),
                        format!(
                            "question \"{}\" is missing from section \"{}\"",
                            question.id, ours.id
                        ),
                    );
                }
            }
        }
        if let Some(extra) = ours.questions.get(theirs.questions.len()) {
            return at(
                Some(extra.line),
                format!("question \"{}\" is not in the original", extra.id),
            );
        }
    }
    if let Some(extra) = translation.sections.get(original.sections.len()) {
        return at(
            Some(extra.line),
            format!("section \"{}\" is not in the original", extra.id),
        );
    }
    Ok(())
}

/// Loads every `*.toml` file of a folder, sorted by file name, and groups
/// them by checklist id: one original per id (the file without
/// `translated_from`) and its translations, which must agree with it.
pub fn load_dir(dir: &Path) -> Result<Vec<Localized>, ChecklistError> {
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
    let mut originals: Vec<Checklist> = Vec::new();
    let mut translations: Vec<Checklist> = Vec::new();
    for path in paths {
        let checklist = Checklist::load(&path)?;
        if checklist.translated_from.is_some() {
            translations.push(checklist);
            continue;
        }
        if let Some(other) = originals.iter().find(|c| c.id == checklist.id) {
            return Err(ChecklistError::new(
                &checklist.origin.file,
                None,
                format!(
                    "checklist id `{}` is used by another file, {} (a translation says translated_from)",
                    checklist.id, other.origin.file
                ),
            ));
        }
        originals.push(checklist);
    }
    if let Some(orphan) = translations
        .iter()
        .find(|t| !originals.iter().any(|o| o.id == t.id))
    {
        return Err(ChecklistError::new(
            &orphan.origin.file,
            None,
            format!(
                "a translation of checklist `{}`, but no file is its original",
                orphan.id
            ),
        ));
    }
    originals
        .into_iter()
        .map(|original| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut translations)
                .into_iter()
                .partition(|t| t.id == original.id);
            translations = rest;
            Localized::new(original, mine)
        })
        .collect()
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
/// A button shows about this many characters on a phone.
const MAX_SHORT_TITLE: usize = 40;
const MAX_INTRO: usize = 1500;
const MAX_QUESTION: usize = 500;
const MAX_HINT: usize = 500;
const MAX_ACTION: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecklist {
    id: Spanned<String>,
    version: Spanned<u32>,
    language: Spanned<String>,
    #[serde(default)]
    translated_from: Option<Spanned<String>>,
    title: Spanned<String>,
    #[serde(default)]
    short_title: Option<Spanned<String>>,
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

    /// A language the bot speaks, by its code.
    fn language(&self, field: &str, value: &Spanned<String>) -> Result<Lang, ChecklistError> {
        Lang::parse(value.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = Lang::ALL.iter().map(|l| l.code()).collect();
            self.err(
                value,
                format!(
                    "`{field}` \"{}\" is not a language the bot speaks ({})",
                    value.get_ref(),
                    known.join(", ")
                ),
            )
        })
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
        let language = v.language("language", &self.language)?;
        let translated_from = self
            .translated_from
            .as_ref()
            .map(|from| {
                let lang = v.language("translated_from", from)?;
                if lang == language {
                    return Err(v.err(
                        from,
                        format!("`translated_from` names the file's own language, {lang}"),
                    ));
                }
                Ok(lang)
            })
            .transpose()?;
        let title = v.text("title", &self.title, MAX_TITLE)?;
        let short_title = match &self.short_title {
            Some(short) => v.text("short_title", short, MAX_SHORT_TITLE)?,
            None => title.clone(),
        };
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
                    line: line_of(source, q.id.span().start),
                    id: qid,
                    text: v.text("questions.text", &q.text, MAX_QUESTION)?,
                    hint: v.text("questions.hint", &q.hint, MAX_HINT)?,
                    action: v.text("questions.action", &q.action, MAX_ACTION)?,
                });
            }
            sections.push(Section {
                line: line_of(source, raw.id.span().start),
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
            questions: Arc::new(QuestionIndex::new(&sections)),
            id,
            version: *self.version.get_ref(),
            language,
            translated_from,
            title,
            short_title,
            subtitle: self.subtitle.trim().to_string(),
            intro,
            minutes: self.minutes,
            instructions,
            answers,
            priorities,
            sections,
            origin: Origin {
                file: origin.to_string(),
                version_line: Some(line_of(source, self.version.span().start)),
            },
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
    fn the_shipped_checklists_load_in_three_languages_each() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("questions");
        let all = load_dir(&dir).expect("questions/ loads");
        let find = |id: &str| all.iter().find(|c| c.id() == id).expect(id);
        let churn = find("churn_audit");
        assert_eq!(
            churn.languages().collect::<Vec<_>>(),
            [Lang::Ru, Lang::En, Lang::Uk]
        );
        for lang in Lang::ALL {
            let c = churn.get(lang);
            assert_eq!(c.language, lang);
            assert_eq!(c.sections.len(), 6);
            assert_eq!(c.question_count(), 39);
            assert_eq!(
                c.sections
                    .iter()
                    .map(|s| s.questions.len())
                    .collect::<Vec<_>>(),
                [6, 7, 6, 7, 6, 7]
            );
            for section in &c.sections {
                for q in &section.questions {
                    assert!(q.id.starts_with(&format!("{}.", section.id)), "{}", q.id);
                }
            }
        }
        let relationship = find("relationship_audit");
        assert_eq!(relationship.original().language, Lang::Uk);
        assert_eq!(relationship.languages().count(), 3);
        let count = relationship.original().question_count();
        assert!((25..=35).contains(&count), "{count} questions");
        for lang in Lang::ALL {
            assert_eq!(relationship.get(lang).language, lang);
        }
    }

    /// SMALL in Ukrainian: the same ids, other words.
    fn small_uk() -> String {
        SMALL
            .replace(
                "language = \"ru\"",
                "language = \"uk\"\ntranslated_from = \"ru\"",
            )
            .replace("Вопрос", "Питання")
            .replace("Раздел", "Розділ")
    }

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        dir
    }

    #[test]
    fn a_translation_joins_its_original_and_a_missing_language_falls_back_to_it() {
        let uk = small_uk();
        let dir = dir_with(&[("small.ru.toml", SMALL), ("small.uk.toml", &uk)]);
        let all = load_dir(dir.path()).expect("loads");
        assert_eq!(all.len(), 1);
        let small = &all[0];
        assert_eq!(small.id(), "small");
        assert_eq!(
            small.get(Lang::Uk).sections[0].questions[0].text,
            "Питання 1?"
        );
        assert_eq!(
            small.get(Lang::Ru).sections[0].questions[0].text,
            "Вопрос 1?"
        );
        // No English version: the original serves.
        assert_eq!(small.get(Lang::En).language, Lang::Ru);
        assert_eq!(small.get(Lang::Uk).translated_from, Some(Lang::Ru));
    }

    /// The line of the first line of `file` that contains `text`.
    fn line_with(file: &str, text: &str) -> usize {
        file.lines()
            .position(|l| l.contains(text))
            .map(|i| i + 1)
            .expect("the line is in the file")
    }

    #[test]
    fn a_translation_that_disagrees_with_its_original_is_refused_at_its_line() {
        let uk = small_uk();
        let swapped = uk
            .replace("id = \"a.one\"", "id = \"a.tmp\"")
            .replace("id = \"a.two\"", "id = \"a.one\"")
            .replace("id = \"a.tmp\"", "id = \"a.two\"");
        let extra = format!(
            "{uk}\n[[sections.questions]]\nid = \"b.four\"\ntext = \"Т\"\nhint = \"П\"\naction = \"Д\"\n"
        );
        let two = "[[sections.questions]]\nid = \"a.two\"\ntext = \"Питання 2?\"\nhint = \"Подсказка 2\"\naction = \"Сделать 2\"\n";
        assert!(uk.contains(two));
        let cut = uk.replace(two, "");
        let renamed = uk.replace("[[sections]]\nid = \"b\"", "[[sections]]\nid = \"bb\"");
        let cases: Vec<(String, Option<usize>, &str)> = vec![
            (
                uk.replace("version = 1", "version = 2"),
                Some(line_with(&uk, "version = 1")),
                "version 2 differs from the original's 1",
            ),
            (
                swapped.clone(),
                Some(line_with(&swapped, "id = \"a.two\"")),
                "is \"a.two\" here but \"a.one\"",
            ),
            (
                extra.clone(),
                Some(line_with(&extra, "id = \"b.four\"")),
                "\"b.four\" is not in the original",
            ),
            (
                renamed.clone(),
                Some(line_with(&renamed, "id = \"bb\"")),
                "is \"bb\" here but \"b\"",
            ),
            (
                cut.clone(),
                Some(line_with(&cut, "id = \"a.one\"")),
                "question \"a.two\" is missing from section \"a\"",
            ),
        ];
        for (text, line, expected) in cases {
            let dir = dir_with(&[("small.ru.toml", SMALL), ("small.uk.toml", &text)]);
            let err = load_dir(dir.path()).expect_err(expected);
            assert!(err.file.ends_with("small.uk.toml"), "{err}");
            assert_eq!(err.line, line, "{err}");
            assert!(err.problem.contains(expected), "{err}");
            assert!(err.problem.contains("small.ru.toml"), "{err}");
        }
    }

    #[test]
    fn translations_without_an_original_or_in_a_taken_language_are_refused() {
        let uk = small_uk();
        let orphan = dir_with(&[("small.uk.toml", &uk)]);
        let err = load_dir(orphan.path()).expect_err("no original");
        assert!(err.problem.contains("no file is its original"), "{err}");

        let twice = dir_with(&[
            ("small.ru.toml", SMALL),
            ("small.uk.toml", &uk),
            ("small.uk2.toml", &uk),
        ]);
        let err = load_dir(twice.path()).expect_err("two uk");
        assert!(err.file.ends_with("small.uk2.toml"), "{err}");
        assert!(err.problem.contains("already has a uk version"), "{err}");

        let wrong_source = uk.replace("translated_from = \"ru\"", "translated_from = \"en\"");
        let dir = dir_with(&[("small.ru.toml", SMALL), ("small.uk.toml", &wrong_source)]);
        let err = load_dir(dir.path()).expect_err("not from ru");
        assert!(err.problem.contains("translated_from = \"ru\""), "{err}");

        let own = uk.replace("translated_from = \"ru\"", "translated_from = \"uk\"");
        let err = Checklist::parse("own.toml", &own).expect_err("from itself");
        assert_eq!(err.line, Some(line_with(&own, "translated_from")), "{err}");

        for (field, bad) in [("language", "de"), ("translated_from", "xx")] {
            let text = uk.replace(
                &format!(
                    "{field} = \"{}\"",
                    if field == "language" { "uk" } else { "ru" }
                ),
                &format!("{field} = \"{bad}\""),
            );
            let err = Checklist::parse("bad.toml", &text).expect_err(bad);
            assert!(
                err.problem.contains("not a language the bot speaks"),
                "{err}"
            );
            assert_eq!(
                err.line,
                Some(line_with(&text, &format!("\"{bad}\""))),
                "{err}"
            );
        }
    }

    #[test]
    fn a_short_title_is_optional_and_bounded() {
        assert_eq!(small().short_title, "Малый");
        let short = SMALL.replace(
            "title = \"Малый\"",
            "title = \"Малый\"\nshort_title = \"М\"",
        );
        assert_eq!(
            Checklist::parse("s.toml", &short)
                .expect("valid")
                .short_title,
            "М"
        );
        let long = SMALL.replace(
            "title = \"Малый\"",
            &format!("title = \"Малый\"\nshort_title = \"{}\"", "м".repeat(41)),
        );
        let err = Checklist::parse("s.toml", &long).expect_err("too long");
        assert!(err.problem.contains("at most 40"), "{err}");
    }

    #[test]
    fn an_empty_folder_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(load_dir(dir.path()).is_err());
    }
}
