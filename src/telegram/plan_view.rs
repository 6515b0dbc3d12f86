//! How notes and the action plan read in the chat: prompts, their buttons,
//! and the plan as blocks (Telegram has no tables). Every word comes from
//! the locale; every dynamic text is escaped here.

use chrono::NaiveDate;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html::escape;

use super::callback::{CallbackData, PlanAction};
use super::render::{button, priority_icon, priority_word};
use crate::domain::plan::{
    overdue_first, DateError, PlanEntry, PlanItem, Term, TextError, MAX_NOTE_CHARS,
    MAX_OWNER_CHARS, MAX_SOLUTION_CHARS, MAX_YEARS_AHEAD,
};
use crate::i18n::{n, s, Locale};
use crate::service::Session;

/// A date as the owner reads it.
pub fn day(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// The prompt for a note on question `index` (0-based).
pub fn note_prompt(
    i18n: &Locale,
    session: &Session,
    index: usize,
    question_id: &str,
) -> (String, InlineKeyboardMarkup) {
    let question = session
        .texts(i18n.lang())
        .question(index)
        .map(|(_, q)| q.text.as_str())
        .unwrap_or_default();
    let mut text = i18n.t_args(
        "note-prompt",
        &[
            n("number", index as i64 + 1),
            s("question", escape(question)),
            n("max", MAX_NOTE_CHARS as i64),
        ],
    );
    let audit_id = session.record.id;
    let mut row = Vec::new();
    if let Some(note) = session.notes.get(question_id) {
        text.push_str("\n\n");
        text.push_str(&i18n.t_args("note-prompt-current", &[s("note", escape(note))]));
        row.push(button(
            i18n.t("btn-note-delete"),
            CallbackData::NoteDelete { audit_id },
        ));
    }
    row.push(button(
        i18n.t("btn-note-cancel"),
        CallbackData::NoteCancel { audit_id },
    ));
    (text, InlineKeyboardMarkup::new([row]))
}

/// What kind of text the bot asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    Note,
    Owner,
    Solution,
    /// What blocks a plan item.
    Blocker,
}

/// Why a typed note, owner or solution was refused.
pub fn text_refusal(i18n: &Locale, kind: Typed, error: TextError) -> String {
    let (empty, too_long, max) = match kind {
        Typed::Note => ("note-empty", "note-too-long", MAX_NOTE_CHARS),
        Typed::Owner => ("owner-empty", "owner-too-long", MAX_OWNER_CHARS),
        Typed::Solution => ("solution-empty", "solution-too-long", MAX_SOLUTION_CHARS),
        Typed::Blocker => ("blocker-empty", "blocker-too-long", MAX_NOTE_CHARS),
    };
    match error {
        TextError::Empty => i18n.t_args(empty, &[n("max", max as i64)]),
        TextError::TooLong { chars, max } => {
            i18n.t_args(too_long, &[n("chars", chars as i64), n("max", max as i64)])
        }
    }
}

/// Why a typed deadline was refused.
pub fn date_refusal(i18n: &Locale, error: DateError, text: &str, today: NaiveDate) -> String {
    let shown = escape(&crate::domain::plan::shorten(text.trim(), 40));
    match error {
        DateError::NotADate => i18n.t_args(
            "date-not-a-date",
            &[s("example", day(Term::Month.due(today)))],
        ),
        DateError::Impossible => i18n.t_args("date-impossible", &[s("text", shown)]),
        DateError::Past => i18n.t_args("date-past", &[s("text", shown), s("today", day(today))]),
        DateError::TooFar => i18n.t_args(
            "date-too-far",
            &[s("text", shown), n("years", i64::from(MAX_YEARS_AHEAD))],
        ),
    }
}

/// The lines of one plan item: zone, priority, solution, owner, deadline.
fn item_lines(i18n: &Locale, item: &PlanItem) -> Vec<String> {
    let mut lines = vec![i18n.t_args(
        "plan-item-priority",
        &[
            s("icon", priority_icon(i18n, item.priority)),
            s("priority", priority_word(i18n, item.priority)),
        ],
    )];
    lines.extend(solution_lines(i18n, item));
    if let Some(blocker) = &item.blocker {
        lines.push(i18n.t_args("plan-item-blocker", &[s("blocker", escape(blocker))]));
    }
    lines.extend([
        i18n.t_args(
            "plan-item-owner",
            &[s(
                "owner",
                item.owner
                    .as_deref()
                    .map(escape)
                    .unwrap_or_else(|| i18n.t("plan-no-owner")),
            )],
        ),
        i18n.t_args(
            "plan-item-deadline",
            &[s(
                "deadline",
                item.deadline
                    .map(day)
                    .unwrap_or_else(|| i18n.t("plan-no-deadline")),
            )],
        ),
    ]);
    if item.done {
        lines.push(i18n.t("plan-item-done"));
    }
    lines
}

/// The solution: on its line when it is one action, else a heading and
/// one «• …» line per action, each whole.
pub(super) fn solution_lines(i18n: &Locale, item: &PlanItem) -> Vec<String> {
    match item.solution_lines().as_slice() {
        [one] => vec![i18n.t_args("plan-item-solution", &[s("solution", escape(one))])],
        many => std::iter::once(i18n.t("plan-item-solution-head"))
            .chain(
                many.iter()
                    .map(|a| i18n.t_args("plan-item-solution-line", &[s("action", escape(a))])),
            )
            .collect(),
    }
}

/// The head of a prompt about one item: which item, and the item so far.
fn prompt_head(i18n: &Locale, entry: &PlanEntry, total: usize) -> Vec<String> {
    let mut lines = vec![
        i18n.t_args(
            "plan-item-head",
            &[n("number", entry.position), n("total", total as i64)],
        ),
        i18n.t_args("plan-item-zone", &[s("zone", escape(&entry.item.zone))]),
    ];
    lines.extend(item_lines(i18n, &entry.item));
    lines.push(String::new());
    lines
}

/// «Кто отвечает?» for an item.
pub fn owner_prompt(
    i18n: &Locale,
    audit_id: i64,
    entry: &PlanEntry,
    total: usize,
    walk: bool,
) -> (String, InlineKeyboardMarkup) {
    let mut lines = prompt_head(i18n, entry, total);
    lines.push(i18n.t_args("plan-ask-owner", &[n("max", MAX_OWNER_CHARS as i64)]));
    let data = |action| CallbackData::Plan {
        audit_id,
        position: entry.position,
        action,
    };
    let mut rows = vec![
        vec![
            button(i18n.t("btn-owner-me"), data(PlanAction::OwnerMe)),
            button(i18n.t("btn-skip-owner"), data(PlanAction::SkipOwner)),
        ],
        vec![button(
            i18n.t("btn-edit-solution"),
            data(PlanAction::EditSolution),
        )],
    ];
    rows.extend(stop_row(i18n, audit_id, walk));
    (lines.join("\n"), InlineKeyboardMarkup::new(rows))
}

fn stop_row(i18n: &Locale, audit_id: i64, walk: bool) -> Option<Vec<InlineKeyboardButton>> {
    walk.then(|| {
        vec![button(
            i18n.t("btn-plan-stop"),
            CallbackData::PlanStop { audit_id },
        )]
    })
}

/// «Срок?» for an item: the terms as buttons, the one suggested for the
/// item's priority starred.
pub fn deadline_prompt(
    i18n: &Locale,
    audit_id: i64,
    entry: &PlanEntry,
    total: usize,
    walk: bool,
    today: NaiveDate,
) -> (String, InlineKeyboardMarkup) {
    let mut lines = prompt_head(i18n, entry, total);
    lines.push(i18n.t("plan-ask-deadline"));
    let suggested = Term::default_for(entry.item.priority);
    let data = |action| CallbackData::Plan {
        audit_id,
        position: entry.position,
        action,
    };
    let term_button = |term: Term| {
        let key = match term {
            Term::Week => "btn-term-week",
            Term::TwoWeeks => "btn-term-two-weeks",
            Term::Month => "btn-term-month",
            Term::ThreeMonths => "btn-term-three-months",
        };
        let date = term.due(today).format("%d.%m").to_string();
        let mut label = i18n.t_args(key, &[s("date", date)]);
        if term == suggested {
            label = i18n.t_args("btn-term-default", &[s("label", label)]);
        }
        button(label, data(PlanAction::Term(term, today)))
    };
    let mut rows = vec![
        vec![term_button(Term::Week), term_button(Term::TwoWeeks)],
        vec![term_button(Term::Month), term_button(Term::ThreeMonths)],
        vec![button(
            i18n.t("btn-skip-deadline"),
            data(PlanAction::SkipDeadline),
        )],
    ];
    rows.extend(stop_row(i18n, audit_id, walk));
    (lines.join("\n"), InlineKeyboardMarkup::new(rows))
}

/// The owner's own solution for an item.
pub fn solution_prompt(
    i18n: &Locale,
    audit_id: i64,
    entry: &PlanEntry,
    total: usize,
) -> (String, InlineKeyboardMarkup) {
    let mut lines = prompt_head(i18n, entry, total);
    lines.push(i18n.t_args("plan-ask-solution", &[n("max", MAX_SOLUTION_CHARS as i64)]));
    let keyboard = InlineKeyboardMarkup::new([vec![button(
        i18n.t("btn-keep-solution"),
        CallbackData::Plan {
            audit_id,
            position: entry.position,
            action: PlanAction::KeepSolution,
        },
    )]]);
    (lines.join("\n"), keyboard)
}

/// Whether to add every «Высокий» problem to the plan.
pub fn offer_high(i18n: &Locale, audit_id: i64, count: usize) -> (String, InlineKeyboardMarkup) {
    let count = n("count", count as i64);
    let keyboard = InlineKeyboardMarkup::new([
        vec![button(
            i18n.t_args("btn-plan-more", std::slice::from_ref(&count)),
            CallbackData::PlanMore {
                audit_id,
                add: true,
            },
        )],
        vec![button(
            i18n.t("btn-plan-enough"),
            CallbackData::PlanMore {
                audit_id,
                add: false,
            },
        )],
    ]);
    (i18n.t_args("plan-offer-high", &[count]), keyboard)
}

/// The plan as a message: one block per item. Every line is well-formed
/// HTML on its own, so the text may be split between any two lines.
/// Overdue items come first, each saying by how many days.
pub fn plan_message(
    i18n: &Locale,
    session: &Session,
    plan: &[PlanEntry],
    today: NaiveDate,
) -> String {
    let report = session.report(i18n.lang());
    let finished_at = session
        .record
        .finished_at
        .unwrap_or(session.record.updated_at);
    let score = report
        .overall
        .percent()
        .map(|p| format!("{p}%"))
        .unwrap_or_else(|| "—".to_string());
    let mut lines = vec![
        i18n.t_args(
            "plan-title",
            &[s("title", escape(&session.texts(i18n.lang()).title))],
        ),
        i18n.t_args(
            "plan-title-date",
            &[
                s("date", super::render::date(finished_at)),
                s("score", score),
            ],
        ),
    ];
    lines.extend(plan_blocks(i18n, plan, today));
    lines.push(String::new());
    lines.push(i18n.t("plan-footer"));
    lines.join("\n")
}

/// One block per plan item, each after an empty line.
pub fn plan_blocks(i18n: &Locale, plan: &[PlanEntry], today: NaiveDate) -> Vec<String> {
    if plan.is_empty() {
        return vec![String::new(), i18n.t("plan-empty")];
    }
    let mut lines = Vec::new();
    for entry in overdue_first(plan, today) {
        lines.push(String::new());
        lines.push(format!(
            "{}. {}",
            entry.position,
            i18n.t_args("plan-item-zone", &[s("zone", escape(&entry.item.zone))])
        ));
        if let Some(days) = entry.item.days_overdue(today) {
            lines.push(i18n.t_args("plan-item-overdue", &[n("days", days)]));
        }
        lines.extend(item_lines(i18n, &entry.item));
    }
    lines
}

/// The plan in the summary: one line per item — zone, priority, owner and
/// deadline; the solutions are in /plan and the PDF.
pub fn plan_summary(i18n: &Locale, plan: &[PlanEntry]) -> Vec<String> {
    plan.iter()
        .map(|entry| {
            let item = &entry.item;
            let key = if item.done {
                "summary-plan-item-done"
            } else {
                "summary-plan-item"
            };
            i18n.t_args(
                key,
                &[
                    n("number", entry.position),
                    s("zone", escape(&item.zone)),
                    s("icon", priority_icon(i18n, item.priority)),
                    s(
                        "owner",
                        item.owner
                            .as_deref()
                            .map(escape)
                            .unwrap_or_else(|| i18n.t("plan-no-owner")),
                    ),
                    s(
                        "deadline",
                        item.deadline
                            .map(day)
                            .unwrap_or_else(|| i18n.t("plan-no-deadline")),
                    ),
                ],
            )
        })
        .collect()
}

/// /plan's buttons: change an item, mark it done or not done.
pub fn plan_keyboard(
    i18n: &Locale,
    audit_id: i64,
    plan: &[PlanEntry],
    today: NaiveDate,
) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(overdue_first(plan, today).into_iter().map(|entry| {
        let number = [n("number", entry.position)];
        let (key, done) = if entry.item.done {
            ("btn-plan-undone", false)
        } else {
            ("btn-plan-done", true)
        };
        vec![
            button(
                i18n.t_args("btn-plan-edit", &number),
                CallbackData::PlanEdit {
                    audit_id,
                    position: entry.position,
                },
            ),
            button(
                i18n.t_args(key, &number),
                CallbackData::PlanDone {
                    audit_id,
                    position: entry.position,
                    done,
                },
            ),
        ]
    }))
}
