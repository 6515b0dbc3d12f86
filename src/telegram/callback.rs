//! Callback data of every inline button: compact ASCII, at most 64 bytes,
//! carrying the audit id and revision a press was made on so that stale and
//! doubled presses can be told apart from fresh ones.

use crate::domain::audit::{Answer, Command, Priority};
use crate::domain::lang::Lang;
use crate::domain::plan::Term;
use crate::domain::schedule::Kind;
use crate::service::ReminderPress;
use chrono::NaiveDate;

/// Telegram's limit on callback data, in bytes.
pub const MAX_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackData {
    /// Start a new audit of this checklist; offered to `user` only.
    StartNew { checklist: String, user: i64 },
    /// Show the card of `user`'s audit in progress.
    Continue { user: i64 },
    /// Ask `user` to confirm starting over: with the same checklist, or
    /// with another one (a deep link named it during an audit).
    RestartAsk {
        user: i64,
        checklist: Option<String>,
    },
    /// Abandon this audit and start its checklist again, or `checklist`.
    RestartConfirm {
        audit_id: i64,
        checklist: Option<String>,
    },
    /// `user` chooses the bot's language.
    Language { lang: Lang, user: i64 },
    /// `user` confirms deleting all their data.
    DeleteConfirm { user: i64 },
    /// `user` keeps their data after all.
    DeleteCancel { user: i64 },
    /// A press on the audit card.
    Step {
        audit_id: i64,
        revision: i64,
        action: Action,
    },
    /// «📝 Заметка» on the card at this revision: a note for the question
    /// the card offers it for.
    Note { audit_id: i64, revision: i64 },
    /// Leave the note as it is.
    NoteCancel { audit_id: i64 },
    /// Delete the note the prompt is about.
    NoteDelete { audit_id: i64 },
    /// A press on a plan prompt for the item at `position`.
    Plan {
        audit_id: i64,
        position: u32,
        action: PlanAction,
    },
    /// Add every «Высокий» problem to the plan (`add`), or finish it.
    PlanMore { audit_id: i64, add: bool },
    /// Stop walking through the plan; what is filled in stays.
    PlanStop { audit_id: i64 },
    /// Change one item of the plan.
    PlanEdit { audit_id: i64, position: u32 },
    /// Mark one item done or not done.
    PlanDone {
        audit_id: i64,
        position: u32,
        done: bool,
    },
    /// «🔕 Больше не напоминать» on a reminder of `kind`, sent to `user`.
    RemindOff { kind: Kind, user: i64 },
    /// A switch in /settings: `kind` on or off for `user`.
    Setting { kind: Kind, on: bool, user: i64 },
    /// «📄 Отчёт» on a finish notice in an admin chat.
    AdminReport { audit_id: i64 },
    /// A press on the deadline reminder of the plan item at `position`.
    Deadline {
        audit_id: i64,
        position: u32,
        press: ReminderPress,
    },
}

fn kind_code(kind: Kind) -> &'static str {
    match kind {
        Kind::Unfinished => "u",
        Kind::Deadline => "d",
        Kind::Reaudit => "r",
    }
}

fn kind_from_code(code: &str) -> Result<Kind, ParseError> {
    Kind::ALL
        .into_iter()
        .find(|k| kind_code(*k) == code)
        .ok_or(ParseError)
}

fn press_code(press: ReminderPress) -> &'static str {
    match press {
        ReminderPress::Done => "d",
        ReminderPress::Postpone => "w",
        ReminderPress::Stuck => "s",
    }
}

fn press_from_code(code: &str) -> Result<ReminderPress, ParseError> {
    [
        ReminderPress::Done,
        ReminderPress::Postpone,
        ReminderPress::Stuck,
    ]
    .into_iter()
    .find(|p| press_code(*p) == code)
    .ok_or(ParseError)
}

/// What a press on a plan prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAction {
    /// «Я»: the user is responsible.
    OwnerMe,
    SkipOwner,
    /// A term counted from the day the prompt was drawn, so the press
    /// stores the date its label showed.
    Term(Term, NaiveDate),
    SkipDeadline,
    /// Write an own solution instead of the proposed one.
    EditSolution,
    /// Keep the solution after all.
    KeepSolution,
}

impl PlanAction {
    /// Every action but the terms, which carry a date.
    pub const FIXED: [PlanAction; 5] = [
        PlanAction::OwnerMe,
        PlanAction::SkipOwner,
        PlanAction::SkipDeadline,
        PlanAction::EditSolution,
        PlanAction::KeepSolution,
    ];

    fn token(self) -> String {
        match self {
            PlanAction::OwnerMe => "me".into(),
            PlanAction::SkipOwner => "so".into(),
            PlanAction::Term(term, from) => format!("{}{}", term.code(), from.format(DAY)),
            PlanAction::SkipDeadline => "sd".into(),
            PlanAction::EditSolution => "ed".into(),
            PlanAction::KeepSolution => "ks".into(),
        }
    }

    fn from_token(token: &str) -> Option<Self> {
        if let Some(fixed) = Self::FIXED.into_iter().find(|a| a.token() == token) {
            return Some(fixed);
        }
        let (code, day) = (token.get(..2)?, token.get(2..)?);
        let term = Term::from_code(code)?;
        let from = NaiveDate::parse_from_str(day, DAY).ok()?;
        // Only the canonical spelling, so one press has one form.
        (from.format(DAY).to_string() == day).then_some(PlanAction::Term(term, from))
    }
}

/// How a term's day is written in callback data.
const DAY: &str = "%Y%m%d";

/// What a press on the audit card asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Answer(Answer),
    Priority(Priority),
    SkipPriority,
    Back,
    Jump,
    Finish,
}

impl Action {
    const ALL: [Action; 9] = [
        Action::Answer(Answer::Yes),
        Action::Answer(Answer::No),
        Action::Answer(Answer::NotApplicable),
        Action::Priority(Priority::Low),
        Action::Priority(Priority::Medium),
        Action::Priority(Priority::High),
        Action::SkipPriority,
        Action::Back,
        Action::Jump,
    ];

    fn code(self) -> &'static str {
        match self {
            Action::Answer(Answer::Yes) => "y",
            Action::Answer(Answer::No) => "n",
            Action::Answer(Answer::NotApplicable) => "x",
            Action::Priority(Priority::Low) => "l",
            Action::Priority(Priority::Medium) => "m",
            Action::Priority(Priority::High) => "h",
            Action::SkipPriority => "s",
            Action::Back => "b",
            Action::Jump => "j",
            Action::Finish => "f",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .chain([Action::Finish])
            .find(|a| a.code() == code)
    }

    pub fn command(self) -> Command {
        match self {
            Action::Answer(a) => Command::Answer(a),
            Action::Priority(p) => Command::Priority(p),
            Action::SkipPriority => Command::SkipPriority,
            Action::Back => Command::Back,
            Action::Jump => Command::JumpToUnanswered,
            Action::Finish => Command::Finish,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised callback data")]
pub struct ParseError;

impl CallbackData {
    pub fn encode(&self) -> String {
        match self {
            CallbackData::StartNew { checklist, user } => format!("new:{checklist}:{user}"),
            CallbackData::Continue { user } => format!("cont:{user}"),
            CallbackData::RestartAsk {
                user,
                checklist: None,
            } => format!("ask:{user}"),
            CallbackData::RestartAsk {
                user,
                checklist: Some(checklist),
            } => format!("ask:{user}:{checklist}"),
            CallbackData::RestartConfirm {
                audit_id,
                checklist: None,
            } => format!("rst:{audit_id}"),
            CallbackData::RestartConfirm {
                audit_id,
                checklist: Some(checklist),
            } => format!("rst:{audit_id}:{checklist}"),
            CallbackData::Language { lang, user } => format!("lang:{lang}:{user}"),
            CallbackData::DeleteConfirm { user } => format!("del:{user}"),
            CallbackData::DeleteCancel { user } => format!("keep:{user}"),
            CallbackData::Step {
                audit_id,
                revision,
                action,
            } => format!("s:{audit_id}:{revision}:{}", action.code()),
            CallbackData::Note { audit_id, revision } => format!("nt:{audit_id}:{revision}"),
            CallbackData::NoteCancel { audit_id } => format!("nx:{audit_id}"),
            CallbackData::NoteDelete { audit_id } => format!("nd:{audit_id}"),
            CallbackData::Plan {
                audit_id,
                position,
                action,
            } => format!("p:{audit_id}:{position}:{}", action.token()),
            CallbackData::PlanMore { audit_id, add } => format!("pm:{audit_id}:{}", u8::from(*add)),
            CallbackData::PlanStop { audit_id } => format!("px:{audit_id}"),
            CallbackData::PlanEdit { audit_id, position } => format!("pe:{audit_id}:{position}"),
            CallbackData::PlanDone {
                audit_id,
                position,
                done,
            } => format!("pd:{audit_id}:{position}:{}", u8::from(*done)),
            CallbackData::AdminReport { audit_id } => format!("arep:{audit_id}"),
            CallbackData::RemindOff { kind, user } => format!("roff:{}:{user}", kind_code(*kind)),
            CallbackData::Setting { kind, on, user } => {
                format!("set:{}:{}:{user}", kind_code(*kind), u8::from(*on))
            }
            CallbackData::Deadline {
                audit_id,
                position,
                press,
            } => format!("dl:{audit_id}:{position}:{}", press_code(*press)),
        }
    }

    pub fn parse(data: &str) -> Result<Self, ParseError> {
        if data.is_empty() || data.len() > MAX_LEN {
            return Err(ParseError);
        }
        let mut parts = data.split(':');
        let head = parts.next().ok_or(ParseError)?;
        let fields: Vec<&str> = parts.collect();
        let parsed = match (head, fields.as_slice()) {
            ("new", [checklist, user]) if is_checklist_id(checklist) => CallbackData::StartNew {
                checklist: checklist.to_string(),
                user: number(user)?,
            },
            ("cont", [user]) => CallbackData::Continue {
                user: number(user)?,
            },
            ("ask", [user]) => CallbackData::RestartAsk {
                user: number(user)?,
                checklist: None,
            },
            ("ask", [user, checklist]) if is_checklist_id(checklist) => CallbackData::RestartAsk {
                user: number(user)?,
                checklist: Some(checklist.to_string()),
            },
            ("rst", [audit]) => CallbackData::RestartConfirm {
                audit_id: number(audit)?,
                checklist: None,
            },
            ("rst", [audit, checklist]) if is_checklist_id(checklist) => {
                CallbackData::RestartConfirm {
                    audit_id: number(audit)?,
                    checklist: Some(checklist.to_string()),
                }
            }
            ("lang", [code, user]) => CallbackData::Language {
                lang: Lang::parse(code).ok_or(ParseError)?,
                user: number(user)?,
            },
            ("del", [user]) => CallbackData::DeleteConfirm {
                user: number(user)?,
            },
            ("keep", [user]) => CallbackData::DeleteCancel {
                user: number(user)?,
            },
            ("s", [audit, revision, code]) => CallbackData::Step {
                audit_id: number(audit)?,
                revision: number(revision)?,
                action: Action::from_code(code).ok_or(ParseError)?,
            },
            ("nt", [audit, revision]) => CallbackData::Note {
                audit_id: number(audit)?,
                revision: number(revision)?,
            },
            ("nx", [audit]) => CallbackData::NoteCancel {
                audit_id: number(audit)?,
            },
            ("nd", [audit]) => CallbackData::NoteDelete {
                audit_id: number(audit)?,
            },
            ("p", [audit, position, code]) => CallbackData::Plan {
                audit_id: number(audit)?,
                position: position_number(position)?,
                action: PlanAction::from_token(code).ok_or(ParseError)?,
            },
            ("pm", [audit, add]) => CallbackData::PlanMore {
                audit_id: number(audit)?,
                add: flag(add)?,
            },
            ("px", [audit]) => CallbackData::PlanStop {
                audit_id: number(audit)?,
            },
            ("pe", [audit, position]) => CallbackData::PlanEdit {
                audit_id: number(audit)?,
                position: position_number(position)?,
            },
            ("pd", [audit, position, done]) => CallbackData::PlanDone {
                audit_id: number(audit)?,
                position: position_number(position)?,
                done: flag(done)?,
            },
            ("arep", [audit]) => CallbackData::AdminReport {
                audit_id: number(audit)?,
            },
            ("roff", [kind, user]) => CallbackData::RemindOff {
                kind: kind_from_code(kind)?,
                user: number(user)?,
            },
            ("set", [kind, on, user]) => CallbackData::Setting {
                kind: kind_from_code(kind)?,
                on: flag(on)?,
                user: number(user)?,
            },
            ("dl", [audit, position, press]) => CallbackData::Deadline {
                audit_id: number(audit)?,
                position: position_number(position)?,
                press: press_from_code(press)?,
            },
            _ => return Err(ParseError),
        };
        Ok(parsed)
    }
}

/// A non-negative decimal without sign or leading zeros, as `encode` writes it.
fn number(s: &str) -> Result<i64, ParseError> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if !canonical {
        return Err(ParseError);
    }
    s.parse().map_err(|_| ParseError)
}

/// A plan position: 1 or more.
fn position_number(s: &str) -> Result<u32, ParseError> {
    let n = u32::try_from(number(s)?).map_err(|_| ParseError)?;
    if n == 0 {
        return Err(ParseError);
    }
    Ok(n)
}

fn flag(s: &str) -> Result<bool, ParseError> {
    match s {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(ParseError),
    }
}

fn is_checklist_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind(audit_id: i64, revision: i64) -> Vec<CallbackData> {
        let mut all = vec![
            CallbackData::StartNew {
                checklist: "churn_audit".into(),
                user: audit_id,
            },
            CallbackData::Continue { user: audit_id },
            CallbackData::RestartAsk {
                user: audit_id,
                checklist: None,
            },
            CallbackData::RestartAsk {
                user: audit_id,
                checklist: Some("relationship_audit".into()),
            },
            CallbackData::RestartConfirm {
                audit_id,
                checklist: None,
            },
            CallbackData::RestartConfirm {
                audit_id,
                checklist: Some("relationship_audit".into()),
            },
            CallbackData::DeleteConfirm { user: audit_id },
            CallbackData::DeleteCancel { user: audit_id },
        ];
        all.push(CallbackData::AdminReport { audit_id });
        for kind in Kind::ALL {
            all.push(CallbackData::RemindOff {
                kind,
                user: audit_id,
            });
            for on in [true, false] {
                all.push(CallbackData::Setting {
                    kind,
                    on,
                    user: audit_id,
                });
            }
        }
        all.extend(Lang::ALL.map(|lang| CallbackData::Language {
            lang,
            user: audit_id,
        }));
        let position = u32::try_from(revision.clamp(1, i64::from(u32::MAX))).unwrap();
        all.extend([
            CallbackData::Note { audit_id, revision },
            CallbackData::NoteCancel { audit_id },
            CallbackData::NoteDelete { audit_id },
            CallbackData::PlanMore {
                audit_id,
                add: true,
            },
            CallbackData::PlanMore {
                audit_id,
                add: false,
            },
            CallbackData::PlanStop { audit_id },
            CallbackData::PlanEdit { audit_id, position },
            CallbackData::PlanDone {
                audit_id,
                position,
                done: true,
            },
            CallbackData::PlanDone {
                audit_id,
                position,
                done: false,
            },
        ]);
        all.extend(
            [
                ReminderPress::Done,
                ReminderPress::Postpone,
                ReminderPress::Stuck,
            ]
            .map(|press| CallbackData::Deadline {
                audit_id,
                position,
                press,
            }),
        );
        // The widest days an eight-digit date holds.
        let (first, last) = (
            NaiveDate::from_ymd_opt(1000, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
        );
        let terms = Term::ALL
            .into_iter()
            .flat_map(|t| [PlanAction::Term(t, first), PlanAction::Term(t, last)]);
        all.extend(
            PlanAction::FIXED
                .into_iter()
                .chain(terms)
                .map(|action| CallbackData::Plan {
                    audit_id,
                    position,
                    action,
                }),
        );
        all.extend(
            Action::ALL
                .into_iter()
                .chain([Action::Finish])
                .map(|action| CallbackData::Step {
                    audit_id,
                    revision,
                    action,
                }),
        );
        all
    }

    #[test]
    fn every_value_round_trips() {
        for data in every_kind(42, 7).into_iter().chain(every_kind(0, 0)) {
            assert_eq!(
                CallbackData::parse(&data.encode()),
                Ok(data.clone()),
                "{data:?}"
            );
        }
    }

    #[test]
    fn every_value_fits_64_bytes_even_with_the_largest_ids() {
        let longest = "a".repeat(crate::domain::checklist::MAX_CHECKLIST_ID_LEN);
        let longest_checklist = [
            CallbackData::StartNew {
                checklist: longest.clone(),
                user: i64::MAX,
            },
            CallbackData::RestartAsk {
                user: i64::MAX,
                checklist: Some(longest.clone()),
            },
            CallbackData::RestartConfirm {
                audit_id: i64::MAX,
                checklist: Some(longest),
            },
        ];
        for data in every_kind(i64::MAX, i64::MAX)
            .into_iter()
            .chain(longest_checklist)
        {
            let encoded = data.encode();
            assert!(
                encoded.len() <= MAX_LEN,
                "{encoded} is {} bytes",
                encoded.len()
            );
            assert!(encoded.is_ascii());
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "",
            "s",
            "s:1:2",
            "s:1:2:q",
            "s:1:2:y:extra",
            "s:-1:2:y",
            "s:01:2:y",
            "s:1:+2:y",
            "s:99999999999999999999:1:y",
            "new:",
            "new:churn",
            "new:Churn:1",
            "new:чек:1",
            "rst:x",
            "rst:1:Churn",
            "rst:1:",
            "ask:1:чек",
            "ask:1:a:b",
            "lang:ua:1",
            "lang:uk",
            "lang:uk:-1",
            "lang::1",
            "cont",
            "cont:1:2",
            "ask",
            "del",
            "del:1:2",
            "keep:-1",
            "nt:1",
            "nt:1:2:3",
            "nx:",
            "roff:x:1",
            "arep:",
            "arep:1:2",
            "roff:u",
            "roff:u:-1",
            "set:u:2:1",
            "set:u:1",
            "set:q:1:1",
            "dl:1:0:d",
            "dl:1:1:x",
            "dl:1:1",
            "p:1:0:me",
            "p:1:2:zz",
            "p:1:2:w1",
            "p:1:2:w12026113",
            "p:1:2:w120261131",
            "p:1:2:w1+2026112",
            "p:1:2:x120261123",
            "p:1:4294967296:me",
            "pm:1:2",
            "pm:1:",
            "pd:1:1:yes",
            "pe:1",
            "hello",
            &"s:1:1:y".repeat(10),
        ] {
            assert_eq!(CallbackData::parse(bad), Err(ParseError), "{bad:?}");
        }
    }
}
