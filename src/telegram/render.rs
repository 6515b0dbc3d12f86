//! Turns sessions and reports into Telegram HTML and inline keyboards. Every
//! word comes from the locale; every dynamic text is escaped here.

use std::collections::HashMap;

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html::escape;

use super::callback::{Action, CallbackData};
use crate::domain::audit::{Answer, Priority, Response, Status, Step};
use crate::domain::checklist::{Checklist, Localized};
use crate::domain::plan::PlanEntry;
use crate::domain::report::{Comparison, Report, Score};
use crate::i18n::{n, s, Locale};
use crate::service::Session;

/// Telegram's limit on a message's text, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4096;

pub fn button(label: String, data: CallbackData) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, data.encode())
}

fn answer_word(i18n: &Locale, answer: Answer) -> String {
    match answer {
        Answer::Yes => i18n.t("answer-yes"),
        Answer::No => i18n.t("answer-no"),
        Answer::NotApplicable => i18n.t("answer-na"),
    }
}

fn answer_icon(i18n: &Locale, answer: Answer) -> String {
    match answer {
        Answer::Yes => i18n.t("icon-yes"),
        Answer::No => i18n.t("icon-no"),
        Answer::NotApplicable => i18n.t("icon-na"),
    }
}

pub fn priority_word(i18n: &Locale, priority: Priority) -> String {
    match priority {
        Priority::Low => i18n.t("priority-low"),
        Priority::Medium => i18n.t("priority-medium"),
        Priority::High => i18n.t("priority-high"),
    }
}

pub fn priority_icon(i18n: &Locale, priority: Priority) -> String {
    match priority {
        Priority::Low => i18n.t("icon-low"),
        Priority::Medium => i18n.t("icon-medium"),
        Priority::High => i18n.t("icon-high"),
    }
}

fn priority_description(checklist: &Checklist, priority: Priority) -> &str {
    match priority {
        Priority::Low => &checklist.priorities.low,
        Priority::Medium => &checklist.priorities.medium,
        Priority::High => &checklist.priorities.high,
    }
}

/// The short notice confirming a recorded response.
pub fn ack_response(i18n: &Locale, response: &Response) -> String {
    let answer = answer_word(i18n, response.answer);
    match (response.priority, response.priority_skipped) {
        (Some(p), _) => i18n.t_args(
            "ack-answer-priority",
            &[s("answer", answer), s("priority", priority_word(i18n, p))],
        ),
        (None, true) => i18n.t("ack-skip"),
        (None, false) => i18n.t_args("ack-answer", &[s("answer", answer)]),
    }
}

/// A bar of ten cells for a share from 0 to 100.
pub fn bar(percent: u32) -> String {
    let filled = ((percent.min(100) + 5) / 10) as usize;
    format!("{}{}", "▰".repeat(filled), "▱".repeat(10 - filled))
}

fn percent_of(part: usize, whole: usize) -> u32 {
    (part * 100).checked_div(whole).unwrap_or(0) as u32
}

/// The greeting of /start with the checklist's intro, legend and scale.
pub fn greeting(i18n: &Locale, first_name: &str, checklist: &Checklist) -> String {
    let mut lines = vec![i18n.t_args(
        "start-greeting",
        &[
            s("name", escape(first_name)),
            s("title", escape(&checklist.title)),
            s("subtitle", escape(&checklist.subtitle)),
            s("intro", escape(&checklist.intro)),
            s(
                "minutes",
                i18n.t_args("minutes-count", &[n("count", checklist.minutes)]),
            ),
            s(
                "questions",
                i18n.t_args(
                    "questions-count",
                    &[n("count", checklist.question_count() as i64)],
                ),
            ),
            s(
                "sections",
                i18n.t_args(
                    "sections-count",
                    &[n("count", checklist.sections.len() as i64)],
                ),
            ),
        ],
    )];
    lines.push(String::new());
    lines.push(i18n.t("start-legend-title"));
    for (answer, description) in [
        (Answer::Yes, &checklist.answers.yes),
        (Answer::No, &checklist.answers.no),
        (Answer::NotApplicable, &checklist.answers.not_applicable),
    ] {
        lines.push(i18n.t_args(
            "card-priority-line",
            &[
                s("icon", answer_icon(i18n, answer)),
                s("name", answer_word(i18n, answer)),
                s("description", escape(description)),
            ],
        ));
    }
    lines.push(String::new());
    lines.push(i18n.t("start-priority-title"));
    lines.extend(priority_lines(i18n, checklist));
    lines.join("\n")
}

fn priority_lines(i18n: &Locale, checklist: &Checklist) -> Vec<String> {
    [Priority::Low, Priority::Medium, Priority::High]
        .into_iter()
        .map(|p| {
            i18n.t_args(
                "card-priority-line",
                &[
                    s("icon", priority_icon(i18n, p)),
                    s("name", priority_word(i18n, p)),
                    s("description", escape(priority_description(checklist, p))),
                ],
            )
        })
        .collect()
}

/// The /start answer with several checklists: each with its size and
/// time, in the user's language.
pub fn choose(i18n: &Locale, first_name: &str, checklists: &[std::sync::Arc<Localized>]) -> String {
    let mut lines = vec![
        i18n.t_args("start-choose", &[s("name", escape(first_name))]),
        String::new(),
    ];
    for (i, localized) in checklists.iter().enumerate() {
        let c = localized.get(i18n.lang());
        lines.push(i18n.t_args(
            "start-choose-item",
            &[
                n("number", i as i64 + 1),
                s("title", escape(&c.title)),
                s(
                    "questions",
                    i18n.t_args("questions-count", &[n("count", c.question_count() as i64)]),
                ),
                s(
                    "minutes",
                    i18n.t_args("minutes-count", &[n("count", c.minutes)]),
                ),
            ],
        ));
        if !c.subtitle.is_empty() {
            lines.push(format!("<i>{}</i>", escape(&c.subtitle)));
        }
        lines.push(String::new());
    }
    lines.push(i18n.t("start-choose-hint"));
    lines.join("\n")
}

/// Buttons to start an audit: one per checklist.
pub fn start_keyboard(
    i18n: &Locale,
    checklists: &[std::sync::Arc<Localized>],
    user: i64,
) -> InlineKeyboardMarkup {
    let single = checklists.len() == 1;
    InlineKeyboardMarkup::new(checklists.iter().enumerate().map(|(i, c)| {
        let label = if single {
            i18n.t("btn-start")
        } else {
            i18n.t_args(
                "btn-start-named",
                &[
                    n("number", i as i64 + 1),
                    s("title", c.get(i18n.lang()).short_title.clone()),
                ],
            )
        };
        vec![button(
            label,
            CallbackData::StartNew {
                checklist: c.id().to_string(),
                user,
            },
        )]
    }))
}

/// The /start answer while an audit is in progress; `other` is a checklist
/// a deep link named, offered in place of this audit.
pub fn in_progress(
    i18n: &Locale,
    session: &Session,
    other: Option<&Localized>,
) -> (String, InlineKeyboardMarkup) {
    let p = session.audit.progress().overall;
    let counts = [n("answered", p.answered as i64), n("total", p.total as i64)];
    let text = i18n.t_args(
        "start-in-progress",
        &[
            s("title", escape(&session.texts(i18n.lang()).title)),
            counts[0].clone(),
            counts[1].clone(),
        ],
    );
    let user = session.record.user_id;
    let mut rows = vec![vec![button(
        i18n.t_args("btn-continue", &counts),
        CallbackData::Continue { user },
    )]];
    match other {
        Some(other) => rows.push(vec![button(
            i18n.t_args(
                "btn-start-other",
                &[s("title", other.get(i18n.lang()).short_title.clone())],
            ),
            CallbackData::RestartAsk {
                user,
                checklist: Some(other.id().to_string()),
            },
        )]),
        None => rows.push(vec![button(
            i18n.t("btn-restart"),
            CallbackData::RestartAsk {
                user,
                checklist: None,
            },
        )]),
    }
    (text, InlineKeyboardMarkup::new(rows))
}

/// Whether to give up the audit in progress for a new one: of the same
/// checklist, or of `target`.
pub fn restart_confirm(
    i18n: &Locale,
    session: &Session,
    target: Option<&Localized>,
) -> (String, InlineKeyboardMarkup) {
    let p = session.audit.progress().overall;
    let title = s("title", escape(&session.texts(i18n.lang()).title));
    let counts = [n("answered", p.answered as i64), n("total", p.total as i64)];
    let text = match target {
        Some(target) => i18n.t_args(
            "restart-confirm-other",
            &[
                title,
                s("other", escape(&target.get(i18n.lang()).title)),
                counts[0].clone(),
                counts[1].clone(),
            ],
        ),
        None => i18n.t_args(
            "restart-confirm",
            &[title, counts[0].clone(), counts[1].clone()],
        ),
    };
    let keyboard = InlineKeyboardMarkup::new([
        vec![button(
            i18n.t("btn-restart-confirm"),
            CallbackData::RestartConfirm {
                audit_id: session.record.id,
                checklist: target.map(|t| t.id().to_string()),
            },
        )],
        vec![button(
            i18n.t("btn-restart-cancel"),
            CallbackData::Continue {
                user: session.record.user_id,
            },
        )],
    ]);
    (text, keyboard)
}

/// The question before deleting a user's data.
pub fn delete_confirm(i18n: &Locale, user: i64) -> (String, InlineKeyboardMarkup) {
    let keyboard = InlineKeyboardMarkup::new([
        vec![button(
            i18n.t("btn-delete-confirm"),
            CallbackData::DeleteConfirm { user },
        )],
        vec![button(
            i18n.t("btn-delete-cancel"),
            CallbackData::DeleteCancel { user },
        )],
    ]);
    (i18n.t("delete-confirm"), keyboard)
}

/// The live audit card: where the owner is, the question, and the buttons
/// for what the question waits for. A closed audit gets a card without
/// buttons.
pub fn card(i18n: &Locale, session: &Session) -> (String, InlineKeyboardMarkup) {
    let audit = &session.audit;
    let checklist = session.texts(i18n.lang());
    let progress = audit.progress();
    let Some(step) = audit.step() else {
        let key = if audit.status() == Status::Abandoned {
            "card-abandoned"
        } else {
            "card-finished"
        };
        let text = i18n.t_args(
            key,
            &[
                n("answered", progress.overall.answered as i64),
                n("total", progress.overall.total as i64),
            ],
        );
        let rows: Vec<Vec<_>> = if audit.status() == Status::Finished {
            note_button(i18n, session)
                .into_iter()
                .map(|b| vec![b])
                .collect()
        } else {
            Vec::new()
        };
        return (text, InlineKeyboardMarkup::new(rows));
    };
    let index = audit.cursor();
    let Some((position, question)) = checklist.question(index) else {
        return (
            i18n.t("error-internal"),
            InlineKeyboardMarkup::new(Vec::<Vec<_>>::new()),
        );
    };
    let section = &checklist.sections[position.section];
    let percent = percent_of(progress.overall.answered, progress.overall.total);
    let mut lines = vec![
        i18n.t_args("card-section", &[s("title", escape(&section.title))]),
        i18n.t_args(
            "card-position",
            &[
                n("section", position.section as i64 + 1),
                n("sections", checklist.sections.len() as i64),
                n("index", index as i64 + 1),
                n("total", progress.overall.total as i64),
            ],
        ),
        i18n.t_args("card-bar", &[s("bar", bar(percent)), n("percent", percent)]),
        String::new(),
        format!("<b>{}</b>", escape(&question.text)),
        format!("<i>{}</i>", escape(&question.hint)),
    ];
    let response = audit.response(index);
    let step_data = |action: Action| CallbackData::Step {
        audit_id: session.record.id,
        revision: session.record.revision,
        action,
    };
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    match step {
        Step::Answer => {
            if let Some(r) = response {
                lines.push(String::new());
                lines.push(current_answer(i18n, r));
                if let Some(note) = session.notes.get(&question.id) {
                    lines.push(i18n.t_args("card-note", &[s("note", escape(note))]));
                }
            }
            rows.push(vec![
                button(i18n.t("btn-yes"), step_data(Action::Answer(Answer::Yes))),
                button(i18n.t("btn-no"), step_data(Action::Answer(Answer::No))),
            ]);
            rows.push(vec![button(
                i18n.t("btn-na"),
                step_data(Action::Answer(Answer::NotApplicable)),
            )]);
            let mut nav = Vec::new();
            if index > 0 {
                nav.push(button(i18n.t("btn-back"), step_data(Action::Back)));
            }
            if response.is_some() {
                match audit.first_unanswered() {
                    Some(_) => nav.push(button(i18n.t("btn-jump"), step_data(Action::Jump))),
                    None => rows.push(vec![button(
                        i18n.t("btn-finish"),
                        step_data(Action::Finish),
                    )]),
                }
            }
            if !nav.is_empty() {
                rows.push(nav);
            }
            rows.extend(note_button(i18n, session).map(|b| vec![b]));
        }
        Step::Priority { required } => {
            lines.push(String::new());
            lines.push(i18n.t(if required {
                "card-ask-priority-no"
            } else {
                "card-ask-priority-na"
            }));
            lines.extend(priority_lines(i18n, checklist));
            rows.push(
                [Priority::Low, Priority::Medium, Priority::High]
                    .into_iter()
                    .map(|p| {
                        let label = match p {
                            Priority::Low => i18n.t("btn-low"),
                            Priority::Medium => i18n.t("btn-medium"),
                            Priority::High => i18n.t("btn-high"),
                        };
                        button(label, step_data(Action::Priority(p)))
                    })
                    .collect(),
            );
            let mut nav = vec![button(i18n.t("btn-back"), step_data(Action::Back))];
            if !required {
                nav.push(button(i18n.t("btn-skip"), step_data(Action::SkipPriority)));
            }
            rows.push(nav);
        }
    }
    (lines.join("\n"), InlineKeyboardMarkup::new(rows))
}

/// «📝 Заметка» for the question the card offers a note for, if any.
fn note_button(i18n: &Locale, session: &Session) -> Option<InlineKeyboardButton> {
    let index = session.audit.note_target()?;
    let (_, question) = session.checklist.original().question(index)?;
    let key = if session.notes.contains_key(&question.id) {
        "btn-note-edit"
    } else {
        "btn-note"
    };
    Some(button(
        i18n.t_args(key, &[n("number", index as i64 + 1)]),
        CallbackData::Note {
            audit_id: session.record.id,
            revision: session.record.revision,
        },
    ))
}

fn current_answer(i18n: &Locale, r: &Response) -> String {
    let answer = format!(
        "{} {}",
        answer_icon(i18n, r.answer),
        answer_word(i18n, r.answer)
    );
    match r.priority {
        Some(p) => i18n.t_args(
            "card-current-answer-priority",
            &[
                s("answer", answer),
                s(
                    "priority",
                    format!("{} {}", priority_icon(i18n, p), priority_word(i18n, p)),
                ),
            ],
        ),
        None => i18n.t_args("card-current-answer", &[s("answer", answer)]),
    }
}

/// /progress: answered out of total, overall and per section.
pub fn progress(i18n: &Locale, session: &Session) -> String {
    let p = session.audit.progress();
    let mut lines = vec![i18n.t_args(
        "progress-title",
        &[
            n("answered", p.overall.answered as i64),
            n("total", p.overall.total as i64),
        ],
    )];
    for (i, (count, section)) in p
        .sections
        .iter()
        .zip(&session.texts(i18n.lang()).sections)
        .enumerate()
    {
        let icon = if count.answered == count.total {
            "✅"
        } else if count.answered > 0 {
            "◐"
        } else {
            "○"
        };
        lines.push(i18n.t_args(
            "progress-section",
            &[
                s("icon", icon),
                n("number", i as i64 + 1),
                s("title", escape(&section.title)),
                n("answered", count.answered as i64),
                n("total", count.total as i64),
            ],
        ));
    }
    lines.join("\n")
}

pub fn help(i18n: &Locale, checklist: &Checklist) -> String {
    i18n.t_args(
        "help",
        &[
            s("yes", escape(&checklist.answers.yes)),
            s("no", escape(&checklist.answers.no)),
            s("na", escape(&checklist.answers.not_applicable)),
            s("low", escape(&checklist.priorities.low)),
            s("medium", escape(&checklist.priorities.medium)),
            s("high", escape(&checklist.priorities.high)),
        ],
    )
}

fn score_line(i18n: &Locale, score: &Score, title: &str) -> String {
    match score.percent() {
        Some(percent) => i18n.t_args(
            "summary-section",
            &[
                s("bar", bar(percent)),
                n("percent", percent),
                s("title", escape(title)),
            ],
        ),
        None => i18n.t_args(
            "summary-section-none",
            &[s("bar", bar(0)), s("title", escape(title))],
        ),
    }
}

/// The summary as HTML lines; each line is well-formed on its own, so the
/// text may be split between any two lines. Final once every question is
/// answered.
pub fn summary(i18n: &Locale, checklist: &Checklist, report: &Report) -> String {
    let extras = Extras {
        notes: &HashMap::new(),
        plan: &[],
        earlier: None,
    };
    summary_lines(i18n, checklist, report, report.is_complete(), extras).join("\n")
}

/// What a summary shows besides the report: the owner's notes, the plan,
/// and the change since an earlier audit.
struct Extras<'a> {
    notes: &'a HashMap<String, String>,
    plan: &'a [PlanEntry],
    earlier: Option<Earlier<'a>>,
}

/// An earlier audit to compare with, and when it was finished.
pub struct Earlier<'a> {
    pub comparison: &'a Comparison,
    pub finished_at: i64,
}

/// The summary of a session: final once the audit is finished (even if
/// questions were added to the checklist since), with the owner's notes,
/// the action plan once there is one (in place of the bare top zones), and
/// the change since the user's previous audit of the same checklist.
pub fn session_summary(
    i18n: &Locale,
    session: &Session,
    plan: &[PlanEntry],
    earlier: Option<Earlier<'_>>,
) -> String {
    let finished = session.audit.status() == Status::Finished;
    let report = session.report(i18n.lang());
    let extras = Extras {
        notes: &session.notes,
        plan,
        earlier,
    };
    summary_lines(
        i18n,
        session.texts(i18n.lang()),
        &report,
        finished || report.is_complete(),
        extras,
    )
    .join("\n")
}

fn percent_text(percent: Option<u32>) -> String {
    percent
        .map(|p| format!("{p}%"))
        .unwrap_or_else(|| "—".to_string())
}

/// A message as plain text for a terminal: tags dropped, entities read.
pub fn html_to_text(html: &str) -> String {
    strip_tags(html)
}

/// The calendar day of a unix time in the server's time zone — the same
/// clock deadlines are counted by.
pub fn local_day(secs: i64) -> Option<chrono::NaiveDate> {
    chrono::DateTime::from_timestamp(secs, 0).map(|d| d.with_timezone(&chrono::Local).date_naive())
}

/// Day.month.year of a unix time, as the owner reads dates.
pub fn date(secs: i64) -> String {
    local_day(secs)
        .map(super::plan_view::day)
        .unwrap_or_default()
}

fn comparison_lines(i18n: &Locale, earlier: &Earlier<'_>) -> Vec<String> {
    let cmp = earlier.comparison;
    let change = |then: Option<u32>, now: Option<u32>| {
        [s("then", percent_text(then)), s("now", percent_text(now))]
    };
    let mut lines = vec![
        String::new(),
        i18n.t_args(
            "summary-changes-title",
            &[s("date", date(earlier.finished_at))],
        ),
        i18n.t_args(
            "summary-change-overall",
            &change(cmp.overall.0, cmp.overall.1),
        ),
    ];
    for (title, then, now) in &cmp.sections {
        let [then, now] = change(*then, *now);
        lines.push(i18n.t_args(
            "summary-change-section",
            &[s("title", escape(title)), then, now],
        ));
    }
    if !cmp.fixed.is_empty() {
        lines.push(i18n.t("summary-fixed-title"));
        for question in &cmp.fixed {
            lines.push(i18n.t_args("summary-fixed", &[s("question", escape(question))]));
        }
    }
    if !cmp.new_problems.is_empty() {
        lines.push(i18n.t("summary-new-title"));
        for p in &cmp.new_problems {
            lines.push(i18n.t_args(
                "summary-new",
                &[
                    s("question", escape(&p.text)),
                    s("icon", priority_icon(i18n, p.priority)),
                    s("priority", priority_word(i18n, p.priority)),
                ],
            ));
        }
    }
    lines
}

fn summary_lines(
    i18n: &Locale,
    checklist: &Checklist,
    report: &Report,
    finished: bool,
    extras: Extras<'_>,
) -> Vec<String> {
    let title = s("title", escape(&checklist.title));
    let mut lines = Vec::new();
    if finished {
        lines.push(i18n.t_args("summary-title-final", &[title]));
    } else {
        lines.push(i18n.t_args("summary-title-interim", &[title]));
        lines.push(i18n.t_args(
            "summary-interim-note",
            &[
                n("answered", report.answered as i64),
                n("total", report.total as i64),
            ],
        ));
    }
    lines.push(String::new());
    lines.push(match report.overall.percent() {
        Some(percent) => i18n.t_args(
            "summary-overall",
            &[
                n("percent", percent),
                n("yes", report.overall.yes as i64),
                n("applicable", report.overall.applicable as i64),
            ],
        ),
        None => i18n.t("summary-overall-none"),
    });
    lines.push(String::new());
    lines.push(i18n.t("summary-sections-title"));
    for section in &report.sections {
        lines.push(score_line(i18n, &section.score, &section.title));
    }

    // Each thing once: the zones (or the plan) by name and priority; the
    // actions under their problems below; the solutions in /plan and the PDF.
    if !extras.plan.is_empty() {
        lines.push(String::new());
        lines.push(i18n.t("summary-plan-title"));
        lines.extend(super::plan_view::plan_summary(i18n, extras.plan));
    } else if !report.top_zones.is_empty() {
        lines.push(String::new());
        lines.push(i18n.t("summary-top-title"));
        for (i, zone) in report.top_zones.iter().enumerate() {
            lines.push(i18n.t_args(
                "summary-zone",
                &[
                    n("number", i as i64 + 1),
                    s("title", escape(&zone.title)),
                    s("icon", priority_icon(i18n, zone.priority)),
                    s("priority", priority_word(i18n, zone.priority)),
                ],
            ));
        }
    }

    lines.push(String::new());
    lines.push(i18n.t("summary-problems-title"));
    if report.problems.is_empty() {
        lines.push(i18n.t("summary-no-problems"));
    }
    for priority in Priority::DESCENDING {
        let group: Vec<_> = report
            .problems
            .iter()
            .filter(|p| p.priority == priority)
            .collect();
        if group.is_empty() {
            continue;
        }
        lines.push(i18n.t_args(
            "summary-priority-group",
            &[
                s("icon", priority_icon(i18n, priority)),
                s("priority", priority_word(i18n, priority)),
            ],
        ));
        for problem in group {
            let key = if problem.answer == Answer::NotApplicable {
                "summary-problem-na"
            } else {
                "summary-problem"
            };
            lines.push(i18n.t_args(key, &[s("question", escape(&problem.text))]));
            if let Some(note) = extras.notes.get(&problem.question_id) {
                lines.push(i18n.t_args("summary-note", &[s("note", escape(note))]));
            }
            lines.push(i18n.t_args(
                "summary-problem-action",
                &[s("action", escape(&problem.action))],
            ));
        }
    }

    if !report.strengths.is_empty() {
        lines.push(String::new());
        lines.push(i18n.t("summary-strengths-title"));
        for &si in &report.strengths {
            lines.push(i18n.t_args(
                "summary-strength",
                &[s("title", escape(&report.sections[si].title))],
            ));
        }
    }
    if let Some(earlier) = extras.earlier {
        lines.extend(comparison_lines(i18n, &earlier));
    }
    lines.push(String::new());
    lines.push(i18n.t("summary-footer"));
    lines
}

/// /history: the user's audits, newest first.
pub fn history(i18n: &Locale, sessions: &[Session]) -> String {
    if sessions.is_empty() {
        return i18n.t("history-empty");
    }
    let mut lines = vec![i18n.t("history-title")];
    for session in sessions {
        let record = &session.record;
        let report = session.report(i18n.lang());
        let status = match record.status {
            Status::Finished => i18n.t("history-status-finished"),
            Status::Abandoned => i18n.t("history-status-abandoned"),
            Status::InProgress => i18n.t_args(
                "history-status-in-progress",
                &[
                    n("answered", report.answered as i64),
                    n("total", report.total as i64),
                ],
            ),
        };
        lines.push(i18n.t_args(
            "history-item",
            &[
                s(
                    "date",
                    date(record.finished_at.unwrap_or(record.started_at)),
                ),
                s("title", escape(&session.texts(i18n.lang()).title)),
                s("score", percent_text(report.overall.percent())),
                s("status", status),
            ],
        ));
    }
    lines.join("\n")
}

/// Splits a text into messages of at most `limit` characters at line
/// boundaries. A single line longer than the limit (never produced by this
/// bot's templates) is cut between characters outside HTML tags and entities.
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in text.split('\n') {
        for piece in split_long_line(line, limit) {
            let len = piece.chars().count();
            let needed = if current.is_empty() { len } else { len + 1 };
            if current_len + needed > limit && !current.is_empty() {
                parts.push(std::mem::take(&mut current));
                current_len = 0;
            }
            if !current.is_empty() {
                current.push('\n');
                current_len += 1;
            }
            current.push_str(&piece);
            current_len += len;
        }
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts.retain(|p| !p.trim().is_empty());
    parts
        .iter()
        .map(|p| p.trim_matches('\n').to_string())
        .collect()
}

fn split_long_line(line: &str, limit: usize) -> Vec<String> {
    if line.chars().count() <= limit {
        return vec![line.to_string()];
    }
    // Too long to keep whole: drop the markup and cut the plain text, so no
    // tag or entity is ever cut in two.
    let plain = strip_tags(line);
    plain
        .chars()
        .collect::<Vec<_>>()
        .chunks((limit / 6).max(1))
        .map(|chunk| escape(&chunk.iter().collect::<String>()))
        .collect()
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A typical audit's final summary — a problem in every third
    /// question, of every priority — reads in at most two messages, for
    /// every shipped checklist in every language.
    #[test]
    fn a_typical_summary_fits_two_messages_in_every_language() {
        use crate::domain::audit::{Audit, Response};
        use crate::i18n::{Lang, Locale};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions");
        let checklists = crate::domain::checklist::load_dir(&dir).expect("the checklists");
        let priorities = [Priority::High, Priority::Medium, Priority::Low];
        for localized in &checklists {
            let original = localized.original();
            let responses = original
                .questions()
                .enumerate()
                .map(|(i, (_, q))| {
                    let response = if i % 3 == 0 {
                        Response {
                            answer: Answer::No,
                            priority: Some(priorities[(i / 3) % 3]),
                            priority_skipped: false,
                        }
                    } else {
                        Response {
                            answer: Answer::Yes,
                            priority: None,
                            priority_skipped: false,
                        }
                    };
                    (q.id.clone(), response)
                })
                .collect();
            let audit = Audit::restore(original, responses, None, Status::Finished);
            for lang in Lang::ALL {
                let i18n = Locale::new(lang).expect("the locale");
                let checklist = localized.get(lang);
                let report = Report::new(checklist, &audit);
                assert!(report.problems.len() >= 10, "{}", report.problems.len());
                let text = summary(&i18n, checklist, &report);
                let parts = split_message(&text, MAX_MESSAGE_CHARS);
                let chars: usize = parts.iter().map(|p| p.chars().count()).sum();
                assert!(
                    parts.len() <= 2,
                    "{} in {lang}: {} messages, {chars} characters",
                    localized.id(),
                    parts.len()
                );
                for problem in &report.problems {
                    assert_eq!(text.matches(&escape(&problem.action)).count(), 1);
                }
            }
        }
    }

    #[test]
    fn bar_has_ten_cells() {
        assert_eq!(bar(0), "▱▱▱▱▱▱▱▱▱▱");
        assert_eq!(bar(44), "▰▰▰▰▱▱▱▱▱▱");
        assert_eq!(bar(100), "▰▰▰▰▰▰▰▰▰▰");
        assert_eq!(bar(250).chars().count(), 10);
    }

    #[test]
    fn a_short_text_stays_one_message() {
        assert_eq!(split_message("a\nb", 4096), vec!["a\nb".to_string()]);
    }

    #[test]
    fn a_long_text_is_split_at_line_boundaries_within_the_limit() {
        let lines: Vec<String> = (0..300)
            .map(|i| format!("<b>строка {i}</b> — текст"))
            .collect();
        let text = lines.join("\n");
        let parts = split_message(&text, 4096);
        assert!(parts.len() > 1);
        for part in &parts {
            assert!(part.chars().count() <= 4096);
            for line in part.split('\n') {
                assert!(lines.contains(&line.to_string()), "a line was cut: {line}");
            }
        }
        assert_eq!(parts.join("\n"), text);
    }

    #[test]
    fn an_overlong_line_is_cut_without_breaking_markup() {
        let line = format!("<b>{}</b>", "слово &amp; ".repeat(1000));
        let parts = split_message(&line, 4096);
        assert!(parts.len() > 1);
        for part in &parts {
            assert!(part.chars().count() <= 4096);
            assert!(
                !part.contains('<') && !part.contains('>'),
                "markup left in a cut line"
            );
        }
    }
}
