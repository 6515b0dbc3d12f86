//! Property tests on hostile input: the callback-data parser, the text
//! handling (splitting and HTML escaping) and the checklist loader, plus the
//! audit state machine under arbitrary command sequences.
//!
//! Every property runs `FUZZ_CASES` cases (2,000 by default, so `cargo test`
//! stays quick). The long run:
//!
//! ```sh
//! FUZZ_CASES=100000 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! `--nocapture` shows how many cases each property ran and how long it took.
//! Failures are not persisted to files: proptest prints the minimal failing
//! input, which belongs in a regular test.

#[path = "../integration/fake_api.rs"]
mod fake_api;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestCaseError, TestRunner};
use teloxide::types::{InlineKeyboardButtonKind, InlineKeyboardMarkup};
use teloxide::utils::html::escape;

use churn_audit_bot::domain::audit::{
    Answer, Audit, AuditError, Command, Priority, Response, Status,
};
use churn_audit_bot::domain::checklist::Localized;
use churn_audit_bot::domain::checklist::{Checklist, ChecklistError, MAX_CHECKLIST_ID_LEN};
use churn_audit_bot::domain::plan::Term;
use churn_audit_bot::domain::report::Report;
use churn_audit_bot::domain::schedule::Kind;
use churn_audit_bot::i18n::{Lang, Locale};
use churn_audit_bot::service::{ReminderPress, Session};
use churn_audit_bot::storage::AuditRecord;
use churn_audit_bot::telegram::callback::{Action, CallbackData, PlanAction, MAX_LEN};
use churn_audit_bot::telegram::render::{self, MAX_MESSAGE_CHARS};

/// The shipped checklist, the seed of the loader's mutations.
const CHURN_TOML: &str = include_str!("../../questions/churn_audit.ru.toml");
const ORIGIN: &str = "questions/churn_audit.ru.toml";

static I18N: LazyLock<Locale> =
    LazyLock::new(|| Locale::new(Lang::Ru).expect("the ru locale loads"));

// ---------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------

/// Cases per property: `FUZZ_CASES`, else 2,000.
fn cases() -> u32 {
    match std::env::var("FUZZ_CASES") {
        Ok(v) => v
            .trim()
            .replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("FUZZ_CASES={v:?} is not a number")),
        Err(_) => 2_000,
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // No regression files in the repository: a failure prints its
        // minimal input instead.
        failure_persistence: None,
        // Several times faster than the default ChaCha in debug builds, where
        // generating the inputs costs more than testing them.
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::with_cases(cases())
    }
}

/// Runs one property for `cases()` cases; prints the count and the time.
fn check<S>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config());
    let ran = AtomicU64::new(0);
    let started = Instant::now();
    let result = runner.run(&strategy, |value| {
        ran.fetch_add(1, Ordering::Relaxed);
        test(value)
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    eprintln!(
        "fuzz {name}: {} cases in {:.2} s",
        ran.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------
// Hostile text
// ---------------------------------------------------------------------------

/// One character of hostile text: anything, HTML and TOML syntax, controls,
/// bidi and zero-width marks, right-to-left scripts, emoji, Cyrillic.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        3 => select(vec![
            '<', '>', '&', '"', '\'', ';', '/', '=', '#', '\\', '[', ']', '{', '}', ':',
            ' ', '\t', '\r', '\n', '\u{0}', '\u{7f}', '\u{85}', '\u{a0}', '\u{200b}',
            '\u{200d}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202e}', '\u{2066}',
            '\u{2069}', '\u{2028}', '\u{2029}', '\u{3000}', '\u{feff}', '\u{fffd}',
            '\u{301}',
        ]),
        2 => prop::char::range('\u{0590}', '\u{06ff}'),
        2 => prop::char::range('\u{1f300}', '\u{1faff}'),
        3 => prop::char::range('a', 'z'),
        2 => prop::char::range('а', 'я'),
    ]
}

/// A piece of hostile text: a character or a whole markup-looking token.
fn hostile_token() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => hostile_char().prop_map(String::from),
        1 => select(vec![
            "<b>", "</b>", "<i>", "</i>", "<a href=\"https://example.com/?a=1&amp;b=2\">",
            "</a>", "<a href='javascript:alert(1)'>", "<tg-spoiler>", "<span class=\"tg-spoiler\">",
            "<pre><code class=\"language-rust\">", "<script>", "</script>", "<!--", "-->",
            "<br/>", "<", "</", "<b", "&", "&amp;", "&amp", "&lt;", "&gt;", "&quot;", "&#39;",
            "&#x1F600;", "&#0;", "&nbsp;", "]]>", "\"\"\"", "'''", "\\u0000", "\\\"",
            "{ $name }", "{ \"{\" }", "👨‍👩‍👧", "🇺🇦", "שלום עולם", "مرحبا بالعالم",
            "\u{202e}txt.exe", "Z͑ͫ̓ͪ̂ͫ̽͏̴̙̤̞͉͚̯̞̠͍", "Нет", "Да", "\r\n", "\n\n\n",
        ])
        .prop_map(String::from),
    ]
}

fn hostile_string(max_tokens: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_token(), 0..=max_tokens).prop_map(|t| t.concat())
}

/// A user-supplied text: usually short, sometimes a few hundred characters.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => hostile_string(12),
        1 => hostile_string(120),
    ]
}

/// A text the checklist loader keeps: not blank once trimmed, and within
/// its shortest length limit (200 characters, for titles).
fn not_blank(s: String) -> String {
    let s: String = s.chars().take(190).collect();
    if s.trim().is_empty() {
        format!("{s}x")
    } else {
        s
    }
}

// ---------------------------------------------------------------------------
// Telegram HTML
// ---------------------------------------------------------------------------

/// The visible text of valid Telegram HTML, or why it is not valid.
fn visible(html: &str) -> Result<String, TestCaseError> {
    fake_api::parse_telegram_html(html)
        .map(|(text, _)| text)
        .map_err(|e| TestCaseError::fail(format!("invalid Telegram HTML ({e}) in {html:?}")))
}

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Escaped text without line breaks: the leaves of generated HTML.
fn html_text() -> impl Strategy<Value = String> {
    hostile_string(8)
        .prop_map(|s| escape(&s.replace(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'], " ")))
}

/// Well-formed Telegram HTML on one line, the way the bot builds it: tags
/// around escaped text, the entities `escape` writes.
fn html_line() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => html_text(),
        1 => select(vec!["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "🙂", "▰▰▱", "—"])
            .prop_map(String::from),
    ];
    let node = leaf.prop_recursive(3, 24, 4, |inner| {
        let tag = select(vec![
            "b",
            "i",
            "u",
            "s",
            "strong",
            "em",
            "ins",
            "del",
            "strike",
            "tg-spoiler",
            "code",
            "blockquote",
        ]);
        prop_oneof![
            4 => (tag, prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(tag, kids)| format!("<{tag}>{}</{tag}>", kids.concat())),
            1 => prop::collection::vec(inner.clone(), 0..3).prop_map(|kids| format!(
                "<a href=\"https://example.com/a?b=1&amp;c=2\">{}</a>",
                kids.concat()
            )),
            1 => prop::collection::vec(inner, 0..3)
                .prop_map(|kids| format!("<span class=\"tg-spoiler\">{}</span>", kids.concat())),
        ]
    });
    prop::collection::vec(node, 0..6).prop_map(|nodes| nodes.concat())
}

/// Repeats `unit` to at most `target` characters (and at most 20,000), or
/// once if it is longer.
fn repeat_to(unit: &str, target: usize) -> String {
    let len = unit.chars().count().max(1);
    unit.repeat((target.min(20_000) / len).max(1))
}

/// Telegram HTML of many well-formed lines: short ones, blank ones, and
/// lines far over the message limit.
fn html_text_lines() -> impl Strategy<Value = String> {
    let long = prop_oneof![3 => 4_000usize..6_000, 1 => 4_000usize..=20_000];
    let line = prop_oneof![
        12 => html_line(),
        3 => Just(String::new()),
        1 => (html_line(), long).prop_map(|(l, n)| {
            let l = if l.is_empty() { "<b>x</b>".to_string() } else { l };
            repeat_to(&l, n)
        }),
    ];
    prop::collection::vec(line, 0..25).prop_map(|lines| lines.join("\n"))
}

/// Arbitrary text: hostile lines, blank runs, lines up to 20,000 characters.
fn arbitrary_text() -> impl Strategy<Value = String> {
    let long = prop_oneof![3 => 1usize..6_000, 1 => 1usize..=20_000];
    let line = prop_oneof![
        12 => hostile_string(20),
        3 => Just(String::new()),
        1 => (hostile_string(20), long).prop_map(|(unit, n)| {
            let unit = if unit.is_empty() { "я".to_string() } else { unit };
            repeat_to(&unit, n).chars().take(20_000).collect()
        }),
        1 => (1usize..200).prop_map(|n| "\n".repeat(n)),
    ];
    prop::collection::vec(line, 0..30).prop_map(|lines| lines.join("\n"))
}

// ---------------------------------------------------------------------------
// Callback data
// ---------------------------------------------------------------------------

const ACTIONS: [Action; 10] = [
    Action::Answer(Answer::Yes),
    Action::Answer(Answer::No),
    Action::Answer(Answer::NotApplicable),
    Action::Priority(Priority::Low),
    Action::Priority(Priority::Medium),
    Action::Priority(Priority::High),
    Action::SkipPriority,
    Action::Back,
    Action::Jump,
    Action::Finish,
];

/// A non-negative id, often at the edges.
fn id() -> impl Strategy<Value = i64> {
    prop_oneof![
        1 => Just(0i64),
        1 => Just(i64::MAX),
        2 => 0i64..1_000,
        4 => 0i64..=i64::MAX,
    ]
}

/// Every kind of callback data. The match has no catch-all, so a new kind
/// fails to compile here until `callback_data` generates it too.
fn kind_of(data: &CallbackData) -> usize {
    match data {
        CallbackData::StartNew { .. } => 0,
        CallbackData::Continue { .. } => 1,
        CallbackData::RestartAsk { .. } => 2,
        CallbackData::RestartConfirm { .. } => 3,
        CallbackData::DeleteConfirm { .. } => 4,
        CallbackData::DeleteCancel { .. } => 5,
        CallbackData::Step { .. } => 6,
        CallbackData::Note { .. } => 7,
        CallbackData::NoteCancel { .. } => 8,
        CallbackData::NoteDelete { .. } => 9,
        CallbackData::Plan { .. } => 10,
        CallbackData::PlanMore { .. } => 11,
        CallbackData::PlanStop { .. } => 12,
        CallbackData::PlanEdit { .. } => 13,
        CallbackData::PlanDone { .. } => 14,
        CallbackData::Language { .. } => 15,
        CallbackData::RemindOff { .. } => 16,
        CallbackData::Setting { .. } => 17,
        CallbackData::Deadline { .. } => 18,
        CallbackData::AdminReport { .. } => 19,
    }
}
const KINDS: usize = 20;

/// Any plan action; a term with any day an eight-digit date can hold.
fn plan_action() -> impl Strategy<Value = PlanAction> {
    let day = (1000i32..=9999, 1u32..=12, 1u32..=31)
        .prop_filter_map("a real day", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
    prop_oneof![
        select(PlanAction::FIXED.to_vec()),
        (select(Term::ALL.to_vec()), day).prop_map(|(term, day)| PlanAction::Term(term, day)),
    ]
}

/// A plan position: 1 or more, often at the edges.
fn position() -> impl Strategy<Value = u32> {
    prop_oneof![
        1 => Just(1u32),
        1 => Just(u32::MAX),
        2 => 1u32..100,
        2 => 1u32..=u32::MAX,
    ]
}

fn callback_data() -> impl Strategy<Value = CallbackData> {
    prop_oneof![
        ("[a-z0-9_]{1,32}", id())
            .prop_map(|(checklist, user)| CallbackData::StartNew { checklist, user }),
        id().prop_map(|user| CallbackData::Continue { user }),
        (id(), proptest::option::of("[a-z0-9_]{1,32}"))
            .prop_map(|(user, checklist)| CallbackData::RestartAsk { user, checklist }),
        (id(), proptest::option::of("[a-z0-9_]{1,32}")).prop_map(|(audit_id, checklist)| {
            CallbackData::RestartConfirm {
                audit_id,
                checklist,
            }
        }),
        (id(), select(Lang::ALL.to_vec()))
            .prop_map(|(user, lang)| CallbackData::Language { lang, user }),
        id().prop_map(|user| CallbackData::DeleteConfirm { user }),
        id().prop_map(|user| CallbackData::DeleteCancel { user }),
        (id(), id(), select(ACTIONS.to_vec())).prop_map(|(audit_id, revision, action)| {
            CallbackData::Step {
                audit_id,
                revision,
                action,
            }
        }),
        (id(), id()).prop_map(|(audit_id, revision)| CallbackData::Note { audit_id, revision }),
        id().prop_map(|audit_id| CallbackData::NoteCancel { audit_id }),
        id().prop_map(|audit_id| CallbackData::NoteDelete { audit_id }),
        (id(), position(), plan_action()).prop_map(|(audit_id, position, action)| {
            CallbackData::Plan {
                audit_id,
                position,
                action,
            }
        }),
        (id(), any::<bool>()).prop_map(|(audit_id, add)| CallbackData::PlanMore { audit_id, add }),
        id().prop_map(|audit_id| CallbackData::PlanStop { audit_id }),
        (id(), position())
            .prop_map(|(audit_id, position)| CallbackData::PlanEdit { audit_id, position }),
        (id(), position(), any::<bool>()).prop_map(|(audit_id, position, done)| {
            CallbackData::PlanDone {
                audit_id,
                position,
                done,
            }
        }),
        (id(), select(Kind::ALL.to_vec()))
            .prop_map(|(user, kind)| CallbackData::RemindOff { kind, user }),
        id().prop_map(|audit_id| CallbackData::AdminReport { audit_id }),
        (id(), select(Kind::ALL.to_vec()), any::<bool>())
            .prop_map(|(user, kind, on)| CallbackData::Setting { kind, on, user }),
        (
            id(),
            position(),
            select(vec![
                ReminderPress::Done,
                ReminderPress::Postpone,
                ReminderPress::Stuck
            ])
        )
            .prop_map(|(audit_id, position, press)| CallbackData::Deadline {
                audit_id,
                position,
                press,
            }),
    ]
}

/// Whatever `parse` accepts is the canonical encoding of what it returns,
/// so two different strings never mean the same press.
fn check_callback(input: &str) -> Result<(), TestCaseError> {
    if let Ok(data) = CallbackData::parse(input) {
        let encoded = data.encode();
        prop_assert!(encoded.len() <= MAX_LEN, "{encoded:?} is too long");
        prop_assert!(encoded.is_ascii(), "{encoded:?} is not ASCII");
        prop_assert_eq!(CallbackData::parse(&encoded), Ok(data.clone()));
        prop_assert_eq!(&encoded, input, "accepted a non-canonical form");
    }
    Ok(())
}

/// Strings that look like callback data: its words, numbers at the edges of
/// i64, separators and a few intruders.
fn callback_like() -> impl Strategy<Value = String> {
    let token = select(vec![
        "new",
        "cont",
        "ask",
        "rst",
        "del",
        "keep",
        "s",
        "nt",
        "nx",
        "nd",
        "p",
        "pm",
        "px",
        "pe",
        "pd",
        "me",
        "so",
        "sd",
        "ed",
        "ks",
        "w1",
        "m3",
        "4294967295",
        "4294967296",
        ":",
        ":",
        ":",
        "0",
        "00",
        "1",
        "7",
        "42",
        "-1",
        "+1",
        "-0",
        "9223372036854775807",
        "9223372036854775808",
        "99999999999999999999",
        "y",
        "n",
        "x",
        "l",
        "m",
        "h",
        "b",
        "j",
        "f",
        "q",
        "Y",
        "churn_audit",
        "Churn",
        "чек",
        "a.b",
        " ",
        "\t",
        "\0",
        "_",
        "٣",
        "１",
        "0x1",
        "1e3",
        "",
    ]);
    prop::collection::vec(token, 1..10).prop_map(|t| t.concat())
}

/// A valid encoding with a few bytes inserted, removed or replaced.
fn mutated_callback() -> impl Strategy<Value = String> {
    let edit = (any::<prop::sample::Index>(), 0u8..3, 0x20u8..0x7f);
    (callback_data(), prop::collection::vec(edit, 1..4)).prop_map(|(data, edits)| {
        let mut bytes = data.encode().into_bytes();
        for (at, kind, byte) in edits {
            let i = at.index(bytes.len() + 1);
            match kind {
                0 => bytes.insert(i, byte),
                1 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ if i < bytes.len() => bytes[i] = byte,
                _ => bytes.push(byte),
            }
        }
        String::from_utf8(bytes).expect("ASCII edits of ASCII")
    })
}

#[test]
fn callback_parse_never_panics_on_arbitrary_bytes() {
    check(
        "callback/bytes",
        prop::collection::vec(any::<u8>(), 1..=MAX_LEN),
        |bytes| check_callback(&String::from_utf8_lossy(&bytes)),
    );
}

#[test]
fn callback_parse_never_panics_on_printable_ascii() {
    check("callback/ascii", "[ -~]{1,64}", |s: String| {
        check_callback(&s)
    });
}

#[test]
fn callback_parse_handles_lookalikes_and_mutations() {
    check(
        "callback/lookalikes",
        prop_oneof![callback_like(), mutated_callback()],
        |s| check_callback(&s),
    );
}

#[test]
fn every_callback_data_fits_and_round_trips() {
    let seen: Vec<AtomicU64> = (0..KINDS).map(|_| AtomicU64::new(0)).collect();
    check("callback/round-trip", callback_data(), |data| {
        seen[kind_of(&data)].fetch_add(1, Ordering::Relaxed);
        let encoded = data.encode();
        prop_assert!(
            encoded.len() <= MAX_LEN,
            "{encoded:?} is {} bytes",
            encoded.len()
        );
        prop_assert!(encoded.is_ascii());
        prop_assert_eq!(CallbackData::parse(&encoded), Ok(data));
        Ok(())
    });
    for (kind, count) in seen.iter().enumerate().filter(|_| cases() >= 100) {
        assert!(
            count.load(Ordering::Relaxed) > 0,
            "kind {kind} never generated"
        );
    }
}

// ---------------------------------------------------------------------------
// Text handling
// ---------------------------------------------------------------------------

/// The parts of any text fit a message, are never blank, and keep every
/// non-blank line of the input that fits in a message.
fn check_split(text: &str, limit: usize) -> Result<Vec<String>, TestCaseError> {
    let parts = render::split_message(text, limit);
    for part in &parts {
        let len = part.chars().count();
        prop_assert!(len <= limit, "a part of {len} characters over {limit}");
        prop_assert!(!part.trim().is_empty(), "a blank part");
        prop_assert!(!part.starts_with('\n') && !part.ends_with('\n'));
    }
    if text.split('\n').all(|l| l.chars().count() <= limit) {
        let kept = |s: &str| -> Vec<String> {
            s.split('\n')
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect()
        };
        prop_assert_eq!(
            kept(&parts.join("\n")),
            kept(text),
            "lines were lost or cut"
        );
    }
    Ok(parts)
}

#[test]
fn split_message_never_panics_and_parts_fit() {
    check("text/split-arbitrary", arbitrary_text(), |text| {
        check_split(&text, MAX_MESSAGE_CHARS).map(drop)
    });
}

#[test]
fn split_message_fits_any_workable_limit() {
    // Limits under 6 panic (see `split_message_with_a_tiny_limit_panics`).
    check(
        "text/split-limits",
        (arbitrary_text(), 6usize..=5_000),
        |(text, limit)| check_split(&text, limit).map(drop),
    );
}

#[test]
fn split_message_keeps_telegram_html_valid() {
    check("text/split-html", html_text_lines(), |text| {
        let whole = visible(&text)?;
        let parts = check_split(&text, MAX_MESSAGE_CHARS)?;
        let mut shown = String::new();
        for part in &parts {
            shown.push_str(&visible(part)?);
        }
        prop_assert_eq!(no_space(&shown), no_space(&whole), "visible text changed");
        Ok(())
    });
}

// --- Escaping: everything rendered from hostile checklists and names -------

/// Hostile texts for every field of a checklist.
#[derive(Debug, Clone)]
struct Texts {
    title: String,
    subtitle: String,
    intro: String,
    instructions: Vec<String>,
    legend: [String; 3],
    scale: [String; 3],
    /// Section titles with their questions' text, hint and action.
    sections: Vec<(String, Vec<[String; 3]>)>,
}

fn texts(max_sections: usize, max_questions: usize) -> impl Strategy<Value = Texts> {
    let t = || hostile_text().prop_map(not_blank);
    let three = move || [t(), t(), t()];
    (
        (t(), hostile_text(), t()),
        prop::collection::vec(t(), 0..3),
        three(),
        three(),
        prop::collection::vec(
            (t(), prop::collection::vec(three(), 1..=max_questions)),
            1..=max_sections,
        ),
    )
        .prop_map(
            |((title, subtitle, intro), instructions, legend, scale, sections)| Texts {
                title,
                subtitle,
                intro,
                instructions,
                legend,
                scale,
                sections,
            },
        )
}

impl Texts {
    /// The same texts with every line break turned into a space.
    fn one_line(self) -> Self {
        let f = |s: String| s.replace(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'], " ");
        let f3 = |a: [String; 3]| a.map(f);
        Texts {
            title: f(self.title),
            subtitle: f(self.subtitle),
            intro: f(self.intro),
            instructions: self.instructions.into_iter().map(f).collect(),
            legend: f3(self.legend),
            scale: f3(self.scale),
            sections: self
                .sections
                .into_iter()
                .map(|(title, qs)| (f(title), qs.into_iter().map(f3).collect()))
                .collect(),
        }
    }
}

/// The checklist file of these texts, written by the `toml` crate.
fn checklist_toml(t: &Texts) -> String {
    use toml::{Table, Value};
    let s = |v: &str| Value::String(v.to_string());
    let pairs = |keys: [&str; 3], values: &[String; 3]| {
        Value::Table(
            keys.iter()
                .zip(values)
                .map(|(k, v)| (k.to_string(), s(v)))
                .collect(),
        )
    };
    let mut root = Table::new();
    root.insert("id".into(), s("fuzz_checklist"));
    root.insert("version".into(), Value::Integer(1));
    root.insert("language".into(), s("ru"));
    root.insert("title".into(), s(&t.title));
    root.insert("subtitle".into(), s(&t.subtitle));
    root.insert("intro".into(), s(&t.intro));
    root.insert("minutes".into(), Value::Integer(5));
    root.insert(
        "instructions".into(),
        Value::Array(t.instructions.iter().map(|i| s(i)).collect()),
    );
    root.insert(
        "answers".into(),
        pairs(["yes", "no", "not_applicable"], &t.legend),
    );
    root.insert(
        "priorities".into(),
        pairs(["low", "medium", "high"], &t.scale),
    );
    let sections = t
        .sections
        .iter()
        .enumerate()
        .map(|(si, (title, questions))| {
            let mut section = Table::new();
            section.insert("id".into(), s(&format!("s{si}")));
            section.insert("title".into(), s(title));
            let questions = questions
                .iter()
                .enumerate()
                .map(|(qi, [text, hint, action])| {
                    let mut q = Table::new();
                    q.insert("id".into(), s(&format!("s{si}.q{qi}")));
                    q.insert("text".into(), s(text));
                    q.insert("hint".into(), s(hint));
                    q.insert("action".into(), s(action));
                    Value::Table(q)
                })
                .collect();
            section.insert("questions".into(), Value::Array(questions));
            Value::Table(section)
        })
        .collect();
    root.insert("sections".into(), Value::Array(sections));
    toml::to_string(&root).expect("a table serializes")
}

/// Parses the checklist of `t`, which must load with its texts trimmed.
fn load_texts(t: &Texts) -> Result<Checklist, TestCaseError> {
    let source = checklist_toml(t);
    let c = Checklist::parse("fuzz.toml", &source)
        .map_err(|e| TestCaseError::fail(format!("{e}\n--- source:\n{source}")))?;
    prop_assert_eq!(&c.title, &one_line(&t.title));
    prop_assert_eq!(&c.subtitle, t.subtitle.trim());
    prop_assert_eq!(&c.intro, &one_line(&t.intro));
    prop_assert_eq!(c.instructions.len(), t.instructions.len());
    prop_assert_eq!(&c.answers.not_applicable, t.legend[2].trim());
    prop_assert_eq!(&c.priorities.high, t.scale[2].trim());
    prop_assert_eq!(c.sections.len(), t.sections.len());
    for (section, (title, questions)) in c.sections.iter().zip(&t.sections) {
        prop_assert_eq!(&section.title, &one_line(title));
        prop_assert_eq!(section.questions.len(), questions.len());
        for (q, [text, hint, action]) in section.questions.iter().zip(questions) {
            prop_assert_eq!(&q.text, &one_line(text));
            prop_assert_eq!(&q.hint, &one_line(hint));
            prop_assert_eq!(&q.action, &one_line(action));
        }
    }
    Ok(c)
}

/// What the loader makes of a one-line text: whitespace runs, line breaks
/// included, become one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn session(checklist: &Arc<Checklist>, audit: Audit, ids: (i64, i64, i64)) -> Session {
    let (id, user_id, revision) = ids;
    let record = AuditRecord {
        id,
        user_id,
        chat_id: user_id,
        checklist_id: checklist.id.clone(),
        checklist_version: checklist.version,
        status: audit.status(),
        current_question_id: Some(audit.current_question_id().to_string()),
        revision,
        card: None,
        started_at: 0,
        updated_at: 0,
        finished_at: None,
        source: None,
    };
    Session {
        record,
        checklist: Arc::new(Localized::single(checklist.as_ref().clone())),
        audit,
        notes: Default::default(),
    }
}

/// Every button carries callback data that fits and parses back, and a
/// card's buttons name this audit and revision.
fn check_keyboard(keyboard: &InlineKeyboardMarkup, s: &Session) -> Result<(), TestCaseError> {
    for button in keyboard.inline_keyboard.iter().flatten() {
        prop_assert!(!button.text.trim().is_empty(), "a button without a label");
        let InlineKeyboardButtonKind::CallbackData(data) = &button.kind else {
            return Err(TestCaseError::fail(format!(
                "not a callback button: {button:?}"
            )));
        };
        prop_assert!(data.len() <= MAX_LEN, "{data:?} is too long");
        let parsed = CallbackData::parse(data)
            .map_err(|_| TestCaseError::fail(format!("{data:?} does not parse")))?;
        if let CallbackData::Step {
            audit_id, revision, ..
        }
        | CallbackData::Note { audit_id, revision } = parsed
        {
            prop_assert_eq!((audit_id, revision), (s.record.id, s.record.revision));
        }
    }
    Ok(())
}

fn check_card(s: &Session) -> Result<(), TestCaseError> {
    let (text, keyboard) = render::card(&I18N, s);
    let shown = visible(&text)?;
    if s.audit.step().is_some() {
        let (_, question) = s
            .texts(Lang::Ru)
            .question(s.audit.cursor())
            .expect("the cursor is on a question");
        prop_assert!(
            shown.contains(&question.text),
            "the question is not shown as written"
        );
        prop_assert!(
            shown.contains(&question.hint),
            "the hint is not shown as written"
        );
    } else {
        // A closed audit offers nothing but a note on its last answer.
        for button in keyboard.inline_keyboard.iter().flatten() {
            let InlineKeyboardButtonKind::CallbackData(data) = &button.kind else {
                return Err(TestCaseError::fail("not a callback button"));
            };
            prop_assert!(
                matches!(CallbackData::parse(data), Ok(CallbackData::Note { .. })),
                "a closed audit with the button {data:?}"
            );
        }
        prop_assert!(keyboard.inline_keyboard.len() <= 1);
    }
    check_keyboard(&keyboard, s)
}

fn check_summary(s: &Session) -> Result<(), TestCaseError> {
    let report = Report::new(s.texts(Lang::Ru), &s.audit);
    let text = render::summary(&I18N, s.texts(Lang::Ru), &report);
    let shown = visible(&text)?;
    for problem in &report.problems {
        prop_assert!(shown.contains(&problem.text));
        prop_assert!(shown.contains(&problem.action));
    }
    // Each line is well-formed on its own, so any split is safe; a line
    // break inside a text breaks this (see
    // `a_line_break_in_a_question_keeps_summary_lines_well_formed`).
    let c = s.texts(Lang::Ru);
    let multiline = std::iter::once(&c.title)
        .chain(c.sections.iter().map(|s| &s.title))
        .chain(c.questions().flat_map(|(_, q)| [&q.text, &q.action]))
        .any(|t| t.contains('\n'));
    if !multiline {
        for line in text.split('\n') {
            visible(line)?;
        }
        for limit in [MAX_MESSAGE_CHARS, 300] {
            for part in check_split(&text, limit)? {
                visible(&part)?;
            }
        }
    }
    Ok(())
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        30 => select(Answer::ALL.to_vec()).prop_map(Command::Answer),
        20 => select(Priority::DESCENDING.to_vec()).prop_map(Command::Priority),
        10 => Just(Command::SkipPriority),
        10 => Just(Command::Back),
        8 => Just(Command::JumpToUnanswered),
        6 => Just(Command::Finish),
        1 => Just(Command::Abandon),
    ]
}

#[test]
fn everything_rendered_from_hostile_texts_is_valid_html() {
    let strategy = (
        (texts(3, 3), any::<bool>())
            .prop_map(|(t, one_line)| if one_line { t.one_line() } else { t }),
        hostile_text(),
        prop::collection::vec(command(), 0..=24),
        (id(), id(), id()),
    );
    check(
        "text/escaping",
        strategy,
        |(t, first_name, commands, ids)| {
            let checklist = Arc::new(load_texts(&t)?);
            let greeting = render::greeting(&I18N, &first_name, &checklist);
            let shown = visible(&greeting)?;
            prop_assert!(
                shown.contains(&first_name),
                "the name is not shown as written"
            );
            prop_assert!(shown.contains(&checklist.title));
            visible(&render::help(&I18N, &checklist))?;
            let localized = Arc::new(Localized::single(checklist.as_ref().clone()));
            let keyboard = render::start_keyboard(&I18N, std::slice::from_ref(&localized), ids.1);
            visible(&render::choose(
                &I18N,
                &first_name,
                &[localized.clone(), localized.clone()],
            ))?;
            for button in keyboard.inline_keyboard.iter().flatten() {
                let InlineKeyboardButtonKind::CallbackData(data) = &button.kind else {
                    return Err(TestCaseError::fail("not a callback button"));
                };
                prop_assert!(CallbackData::parse(data).is_ok(), "{data:?}");
            }

            let mut s = session(&checklist, Audit::new(&checklist), ids);
            for (i, command) in commands.into_iter().enumerate() {
                let _ = s.audit.apply(command);
                s.record.revision = s.record.revision.wrapping_add(1).max(0);
                check_card(&s)?;
                if i % 10 == 0 {
                    visible(&render::progress(&I18N, &s))?;
                    for other in [None, Some(localized.as_ref())] {
                        let (text, keyboard) = render::in_progress(&I18N, &s, other);
                        visible(&text)?;
                        check_keyboard(&keyboard, &s)?;
                        let (text, keyboard) = render::restart_confirm(&I18N, &s, other);
                        visible(&text)?;
                        check_keyboard(&keyboard, &s)?;
                    }
                    let (text, keyboard) = render::delete_confirm(&I18N, s.record.user_id);
                    visible(&text)?;
                    check_keyboard(&keyboard, &s)?;
                }
            }
            check_card(&s)?;
            check_summary(&s)
        },
    );
}

// ---------------------------------------------------------------------------
// The audit state machine
// ---------------------------------------------------------------------------

/// A small checklist of this shape (questions per section).
fn shaped_checklist(shape: &[usize]) -> Checklist {
    Checklist::parse("shape.toml", &checklist_toml(&shaped_texts(shape)))
        .expect("a shaped checklist loads")
}

fn shaped_texts(shape: &[usize]) -> Texts {
    Texts {
        title: "T".into(),
        subtitle: String::new(),
        intro: "I".into(),
        instructions: Vec::new(),
        legend: ["y".into(), "n".into(), "x".into()],
        scale: ["l".into(), "m".into(), "h".into()],
        sections: shape
            .iter()
            .map(|&n| {
                (
                    "S".to_string(),
                    vec![["q".into(), "h".into(), "a".into()]; n],
                )
            })
            .collect(),
    }
}

static CHURN: LazyLock<Checklist> =
    LazyLock::new(|| Checklist::parse(ORIGIN, CHURN_TOML).expect("the shipped checklist loads"));

/// How an audit begins: fresh, or restored from whatever storage holds
/// (responses to unknown questions, incomplete or odd responses, a cursor
/// on a removed question, any status).
#[derive(Debug, Clone)]
enum Start {
    New,
    Restore {
        /// (question index, or past the end for a removed question; response)
        responses: Vec<(usize, Response)>,
        cursor: Option<usize>,
        status: Status,
    },
}

fn response() -> impl Strategy<Value = Response> {
    (
        select(Answer::ALL.to_vec()),
        prop::option::of(select(Priority::DESCENDING.to_vec())),
        any::<bool>(),
    )
        .prop_map(|(answer, priority, priority_skipped)| Response {
            answer,
            priority,
            priority_skipped,
        })
}

fn start() -> impl Strategy<Value = Start> {
    prop_oneof![
        2 => Just(Start::New),
        1 => (
            prop::collection::vec((0usize..48, response()), 0..48),
            prop::option::of(0usize..48),
            prop_oneof![
                6 => Just(Status::InProgress),
                1 => Just(Status::Finished),
                1 => Just(Status::Abandoned),
            ],
        )
            .prop_map(|(responses, cursor, status)| Start::Restore {
                responses,
                cursor,
                status,
            }),
    ]
}

fn begin(checklist: &Checklist, start: &Start) -> Audit {
    let ids: Vec<String> = checklist.questions().map(|(_, q)| q.id.clone()).collect();
    let id_of = |i: usize| {
        ids.get(i)
            .cloned()
            .unwrap_or_else(|| format!("removed.q{i}"))
    };
    match start {
        Start::New => Audit::new(checklist),
        Start::Restore {
            responses,
            cursor,
            status,
        } => {
            let cursor = cursor.map(id_of);
            Audit::restore(
                checklist,
                responses.iter().map(|&(i, r)| (id_of(i), r)).collect(),
                cursor.as_deref(),
                *status,
            )
        }
    }
}

fn check_invariants(audit: &Audit, ids: &[String]) -> Result<(), TestCaseError> {
    prop_assert_eq!(audit.len(), ids.len());
    prop_assert!(
        audit.cursor() < audit.len(),
        "cursor {} of {}",
        audit.cursor(),
        audit.len()
    );
    prop_assert_eq!(audit.current_question_id(), ids[audit.cursor()].as_str());
    let p = audit.progress();
    prop_assert!(p.overall.answered <= p.overall.total);
    prop_assert_eq!(p.overall.total, ids.len());
    prop_assert_eq!(
        p.sections.iter().map(|c| c.answered).sum::<usize>(),
        p.overall.answered
    );
    prop_assert_eq!(
        p.sections.iter().map(|c| c.total).sum::<usize>(),
        p.overall.total
    );
    let answered = (0..audit.len()).filter(|&i| audit.is_answered(i)).count();
    prop_assert_eq!(p.overall.answered, answered);
    prop_assert_eq!(audit.is_complete(), answered == ids.len());
    prop_assert_eq!(audit.step().is_some(), audit.status() == Status::InProgress);
    Ok(())
}

#[test]
fn the_audit_state_machine_survives_any_command_sequence() {
    let checklist = prop_oneof![
        4 => prop::collection::vec(1usize..=5, 1..=4).prop_map(|shape| shaped_checklist(&shape)),
        1 => Just(CHURN.clone()),
    ];
    let strategy = (
        checklist,
        start(),
        prop::collection::vec(command(), 0..=200),
    );
    check(
        "audit/commands",
        strategy,
        |(checklist, start, commands)| {
            let ids: Vec<String> = checklist.questions().map(|(_, q)| q.id.clone()).collect();
            let mut audit = begin(&checklist, &start);
            let fresh = matches!(start, Start::New);
            check_invariants(&audit, &ids)?;
            for command in commands {
                let before = audit.clone();
                let result = audit.apply(command);
                check_invariants(&audit, &ids)?;
                match result {
                    Err(e) => {
                        prop_assert_eq!(
                            &audit,
                            &before,
                            "{:?} refused with {} changed the audit",
                            command,
                            e
                        );
                        if before.status() != Status::InProgress {
                            prop_assert_eq!(e, AuditError::Closed);
                        }
                        if let AuditError::Incomplete(i) = e {
                            prop_assert_eq!(Some(i), before.first_unanswered());
                        }
                    }
                    Ok(change) => {
                        prop_assert_eq!(
                            before.status(),
                            Status::InProgress,
                            "a closed audit accepted {:?}",
                            command
                        );
                        // Responses change only where the change says, so
                        // storage writes exactly what changed.
                        let named = change.response.as_ref().map(|(id, _)| id.as_str());
                        if let Some((id, response)) = &change.response {
                            prop_assert_eq!(id.as_str(), before.current_question_id());
                            prop_assert_eq!(audit.response_to(id), response.as_ref());
                        }
                        for id in &ids {
                            if Some(id.as_str()) != named {
                                prop_assert_eq!(
                                    audit.response_to(id),
                                    before.response_to(id),
                                    "{} changed silently",
                                    id
                                );
                            }
                        }
                        match command {
                            Command::Finish => prop_assert!(before.is_complete()),
                            Command::Abandon => prop_assert_eq!(audit.status(), Status::Abandoned),
                            Command::Answer(a) => {
                                let id = before.current_question_id();
                                prop_assert_eq!(audit.response_to(id).map(|r| r.answer), Some(a));
                            }
                            _ => {}
                        }
                        if audit.status() == Status::Finished {
                            prop_assert!(
                                audit.is_complete(),
                                "finished with a question unanswered"
                            );
                        }
                    }
                }
                if fresh && audit.status() == Status::Finished {
                    prop_assert!(audit.is_complete(), "finished with a question unanswered");
                }
            }
            let report = Report::new(&checklist, &audit);
            prop_assert_eq!(report.answered, audit.progress().overall.answered);
            prop_assert_eq!(report.total, ids.len());
            prop_assert!(report.overall.percent().is_none_or(|p| p <= 100));
            prop_assert!(report.top_zones.len() <= 3);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------
// The checklist loader
// ---------------------------------------------------------------------------

/// Whatever the source, the loader returns a valid checklist or an error
/// naming the file and, if it names a line, a line of the file.
fn check_loader(source: &str) -> Result<Result<Checklist, ChecklistError>, TestCaseError> {
    match Checklist::parse(ORIGIN, source) {
        Err(e) => {
            let message = e.to_string();
            prop_assert!(message.starts_with(ORIGIN), "{message:?}");
            prop_assert_eq!(&e.file, ORIGIN);
            prop_assert!(!e.problem.trim().is_empty(), "an error without a reason");
            if let Some(line) = e.line {
                // Counting the empty "line" after a final line break: an
                // error at the end of such a file names it (see
                // `an_error_at_the_end_of_a_file_names_one_of_its_lines`).
                let lines = source.split('\n').count();
                prop_assert!(
                    (1..=lines).contains(&line),
                    "line {} of a {}-line source: {}",
                    line,
                    lines,
                    message
                );
            }
            Ok(Err(e))
        }
        Ok(c) => {
            prop_assert!(
                !c.id.is_empty() && c.id.len() <= MAX_CHECKLIST_ID_LEN,
                "{:?}",
                c.id
            );
            let start = CallbackData::StartNew {
                checklist: c.id.clone(),
                user: i64::MAX,
            }
            .encode();
            prop_assert!(start.len() <= MAX_LEN, "{start:?}");
            prop_assert!(c.minutes >= 1);
            prop_assert!(!c.sections.is_empty());
            let mut ids = HashSet::new();
            let mut section_ids = HashSet::new();
            for s in &c.sections {
                prop_assert!(section_ids.insert(s.id.clone()), "section {} twice", s.id);
                prop_assert!(!s.questions.is_empty());
                prop_assert!(!s.title.is_empty() && s.title == s.title.trim());
                for q in &s.questions {
                    prop_assert!(ids.insert(q.id.clone()), "question {} twice", q.id);
                    prop_assert!(!q.id.is_empty() && q.id.len() <= 48);
                    for text in [&q.text, &q.hint, &q.action] {
                        prop_assert!(!text.is_empty() && text == text.trim());
                    }
                }
            }
            Ok(Ok(c))
        }
    }
}

/// TOML-looking soup: the checklist's keys and headers, TOML syntax and
/// hostile text.
fn toml_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => select(vec![
            "id", "version", "language", "title", "subtitle", "intro", "minutes",
            "instructions", "answers", "priorities", "sections", "questions", "text", "hint",
            "action", "yes", "no", "not_applicable", "low", "medium", "high", "[answers]",
            "[priorities]", "[[sections]]", "[[sections.questions]]", "[sections]", " = ", "=",
            "\"", "'", "\"\"\"", "'''", "\n", "\n", "\r\n", "[", "]", "{", "}", ",", ".", "#",
            "\\", "\\u0000", "\\uD800", "\\U0010FFFF", "1", "0", "-1", "4294967296", "1e400",
            "inf", "nan", "true", "1979-05-27T07:32:00Z", "0x7f", "\"churn_audit\"", "\"a.b\"",
            "\"\"", " ", "\t",
        ])
        .prop_map(String::from),
        1 => hostile_token(),
    ];
    prop::collection::vec(token, 0..200).prop_map(|t| t.concat())
}

#[test]
fn the_loader_never_panics_on_arbitrary_text() {
    check(
        "checklist/arbitrary",
        prop_oneof![hostile_string(200), toml_like()],
        |source| check_loader(&source).map(drop),
    );
}

/// One edit of a checklist file.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index),
    Truncate(prop::sample::Index),
    Insert(prop::sample::Index, String),
    EmptyValue(prop::sample::Index),
    DuplicateId(prop::sample::Index, prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    use prop::sample::Index;
    prop_oneof![
        2 => any::<Index>().prop_map(Mutation::DeleteLine),
        2 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => any::<Index>().prop_map(Mutation::SwapLines),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), prop_oneof![hostile_string(6), toml_like()])
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        2 => any::<Index>().prop_map(Mutation::EmptyValue),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::DuplicateId(a, b)),
    ]
}

/// Which `id` a line of a checklist file sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Checklist,
    Section,
    Question,
}

/// `key = "value"` lines: (line index, key, kind of table it sits in).
fn value_lines(lines: &[&str]) -> Vec<(usize, String, IdKind)> {
    let mut kind = IdKind::Checklist;
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        match line.trim() {
            "[[sections]]" => kind = IdKind::Section,
            "[[sections.questions]]" => kind = IdKind::Question,
            _ => {}
        }
        if let Some((key, value)) = line.split_once(" = \"") {
            if value.ends_with('"') && !key.trim().is_empty() && !key.starts_with([' ', '#']) {
                out.push((i, key.to_string(), kind));
            }
        }
    }
    out
}

fn value_of(line: &str) -> &str {
    let (_, v) = line.split_once(" = \"").expect("a value line");
    &v[..v.len() - 1]
}

/// Applies a mutation. Returns the new source and, for the targeted edits
/// of a valid file, the error it must give: `Some((key, line))` where `line`
/// is the 1-based line the error names (`None`: no line).
#[allow(clippy::type_complexity)]
fn mutate(source: &str, m: &Mutation) -> (String, Option<(String, Option<usize>)>) {
    let lines: Vec<&str> = source.split('\n').collect();
    let rebuild = |lines: Vec<String>| lines.join("\n");
    let owned = || lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    match m {
        Mutation::DeleteLine(i) => {
            let mut l = owned();
            l.remove(i.index(l.len()));
            (rebuild(l), None)
        }
        Mutation::DuplicateLine(i) => {
            let mut l = owned();
            let at = i.index(l.len());
            l.insert(at, l[at].clone());
            (rebuild(l), None)
        }
        Mutation::SwapLines(i) => {
            let mut l = owned();
            if l.len() > 1 {
                let at = i.index(l.len() - 1);
                l.swap(at, at + 1);
            }
            (rebuild(l), None)
        }
        Mutation::Truncate(i) => {
            let mut at = i.index(source.len() + 1);
            while !source.is_char_boundary(at) {
                at -= 1;
            }
            (source[..at].to_string(), None)
        }
        Mutation::Insert(i, text) => {
            let mut at = i.index(source.len() + 1);
            while !source.is_char_boundary(at) {
                at -= 1;
            }
            (format!("{}{text}{}", &source[..at], &source[at..]), None)
        }
        Mutation::EmptyValue(i) => {
            let values = value_lines(&lines);
            let Some((at, key, _)) = values.get(i.index(values.len().max(1))).cloned() else {
                return (source.to_string(), None);
            };
            let mut l = owned();
            l[at] = format!("{key} = \"\"");
            let expect = match key.as_str() {
                "subtitle" => None,
                "yes" | "no" | "not_applicable" | "low" | "medium" | "high" => Some((key, None)),
                _ => Some((key, Some(at + 1))),
            };
            (rebuild(l), expect)
        }
        Mutation::DuplicateId(a, b) => {
            let ids: Vec<(usize, IdKind)> = value_lines(&lines)
                .into_iter()
                .filter(|(_, key, kind)| key == "id" && *kind != IdKind::Checklist)
                .map(|(i, _, kind)| (i, kind))
                .collect();
            if ids.is_empty() {
                return (source.to_string(), None);
            }
            let (target, kind) = ids[a.index(ids.len())];
            let same: Vec<usize> = ids
                .iter()
                .filter(|(i, k)| *k == kind && *i != target)
                .map(|(i, _)| *i)
                .collect();
            if same.is_empty() {
                return (source.to_string(), None);
            }
            let donor = same[b.index(same.len())];
            let mut l = owned();
            l[target] = format!("id = \"{}\"", value_of(lines[donor]));
            // The later of the two is the one used twice.
            (rebuild(l), Some(("id".into(), Some(target.max(donor) + 1))))
        }
    }
}

#[test]
fn one_targeted_edit_of_the_shipped_checklist_is_caught_at_its_line() {
    let strategy = prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::EmptyValue),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::DuplicateId(a, b)),
    ];
    // The first two sections of the shipped file: the same layout, a third
    // of the parsing time.
    let third = CHURN_TOML
        .match_indices("\n[[sections]]\n")
        .nth(2)
        .expect("a third section")
        .0;
    let head = &CHURN_TOML[..third + 1];
    assert!(check_loader(head).is_ok_and(|c| c.is_ok_and(|c| c.sections.len() == 2)));
    check("checklist/targeted", strategy, |m| {
        let (source, expect) = mutate(head, &m);
        let result = check_loader(&source)?;
        match (&m, expect) {
            (_, Some((key, line))) => match result {
                Ok(_) => return Err(TestCaseError::fail(format!("{m:?} was accepted"))),
                Err(e) => prop_assert_eq!(e.line, line, "{} for {}", e, key),
            },
            (Mutation::EmptyValue(_), None) => {
                prop_assert!(result.is_ok_and(|c| c.subtitle.is_empty()));
            }
            _ => {}
        }
        Ok(())
    });
}

#[test]
fn the_loader_survives_mutations_of_the_shipped_checklist() {
    check(
        "checklist/mutations",
        prop::collection::vec(mutation(), 1..=4),
        |mutations| {
            let mut source = CHURN_TOML.to_string();
            for m in &mutations {
                source = mutate(&source, m).0;
            }
            check_loader(&source).map(drop)
        },
    );
}

// ---------------------------------------------------------------------------
// Fixed cases
// ---------------------------------------------------------------------------

#[test]
fn the_shipped_checklist_passes_the_loader_checks() {
    let c = check_loader(CHURN_TOML)
        .expect("checks pass")
        .expect("the shipped checklist loads");
    assert_eq!(c.question_count(), 39);
}

#[test]
fn deeply_nested_toml_is_rejected_without_a_crash() {
    for source in [
        format!("id = {}", "[".repeat(100_000)),
        format!("id = {}", "{a = ".repeat(100_000)),
        format!("id = {}1{}", "[".repeat(5_000), "]".repeat(5_000)),
        "[a]\n".repeat(50_000),
        format!("{} = 1", "a.".repeat(50_000) + "a"),
    ] {
        let e = Checklist::parse(ORIGIN, &source).expect_err("not a checklist");
        assert!(e.to_string().starts_with(ORIGIN), "{e}");
    }
}

#[test]
fn split_message_with_a_tiny_limit_panics() {
    for limit in 1..6 {
        let parts = render::split_message("abcdefgh", limit);
        assert!(parts.iter().all(|p| p.chars().count() <= limit));
    }
}

#[test]
fn a_line_break_in_a_question_keeps_summary_lines_well_formed() {
    let mut t = shaped_texts(&[2]);
    t.sections[0].1[0][0] = "Первая строка\nвторая строка".into();
    let checklist = Checklist::parse("multiline.toml", &checklist_toml(&t)).expect("loads");
    let mut audit = Audit::new(&checklist);
    audit.apply(Command::Answer(Answer::No)).expect("ok");
    audit.apply(Command::Priority(Priority::High)).expect("ok");
    assert_eq!(
        checklist.sections[0].questions[0].text, "Первая строка вторая строка",
        "the loader makes texts one line"
    );
    let text = render::summary(&I18N, &checklist, &Report::new(&checklist, &audit));
    for line in text.split('\n') {
        assert!(
            fake_api::parse_telegram_html(line).is_ok(),
            "invalid line {line:?}"
        );
    }
}

#[test]
fn an_error_at_the_end_of_a_file_names_one_of_its_lines() {
    for source in ["id = \"\"\"\n".to_string(), format!("{CHURN_TOML}\"\"\"\n")] {
        let e = Checklist::parse(ORIGIN, &source).expect_err("broken");
        let lines = source.lines().count();
        assert!(
            e.line.is_some_and(|l| (1..=lines).contains(&l)),
            "{e} ({lines} lines)"
        );
    }
}
