//! The action plan: the «Резюме и план действий» of the checklist, one item
//! per problem area, with who is responsible and by when; and the rules for
//! what the owner may type into it (owner, deadline, own solution, notes).

use chrono::{Days, Months, NaiveDate};

use super::audit::{Answer, Priority};
use super::checklist::Checklist;
use super::report::Report;

/// Longest owner name, in characters.
pub const MAX_OWNER_CHARS: usize = 64;
/// Longest solution the owner may write, in characters.
pub const MAX_SOLUTION_CHARS: usize = 1000;
/// Longest note on an answer, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// How far ahead a typed deadline may be.
pub const MAX_YEARS_AHEAD: u32 = 5;

/// One row of the action plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    /// The problem area: a section title, or a question for a single
    /// «Высокий» problem.
    pub zone: String,
    pub priority: Priority,
    /// The proposed solution — the recommended actions, one per line,
    /// never cut — or the owner's own, one line.
    pub solution: String,
    /// Who is responsible; `None` until named.
    pub owner: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub done: bool,
    /// What blocks it, as the owner wrote it after «🧱 Застряло».
    pub blocker: Option<String>,
}

impl PlanItem {
    /// The solution's actions, one per line, as they are shown («• …»).
    pub fn solution_lines(&self) -> Vec<&str> {
        self.solution
            .split('\n')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

impl PlanItem {
    /// How many days past its deadline an open item is on `today`.
    pub fn days_overdue(&self, today: NaiveDate) -> Option<i64> {
        let deadline = self.deadline.filter(|_| !self.done)?;
        let days = (today - deadline).num_days();
        (days > 0).then_some(days)
    }
}

/// The plan as the owner reads it: what is overdue first, the longest
/// overdue at the top, then every other item in its place.
pub fn overdue_first(plan: &[PlanEntry], today: NaiveDate) -> Vec<PlanEntry> {
    let mut ordered = plan.to_vec();
    ordered.sort_by_key(|e| {
        let overdue = e.item.days_overdue(today);
        (std::cmp::Reverse(overdue.unwrap_or(0)), e.position)
    });
    ordered
}

/// What a plan item was drawn from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// One of the top problem areas: a section id.
    Zone(String),
    /// A single «Высокий» problem: a question id.
    Problem(String),
}

/// A plan item as it stands in the plan: its place and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    /// 1-based place in the plan.
    pub position: u32,
    pub source: Source,
    pub item: PlanItem,
    /// The solution is the owner's own words, not the proposed one.
    pub own_solution: bool,
}

impl PlanEntry {
    /// The entry with its texts in the language of `checklist`: the zone
    /// (a section title, or a question) and, unless the owner wrote their
    /// own, the proposed solution, drafted again from `report` (made with
    /// the same checklist). A source the checklist no longer has keeps the
    /// texts stored with the entry.
    pub fn localized(mut self, checklist: &Checklist, report: &Report) -> Self {
        let texts = match &self.source {
            Source::Zone(section_id) => checklist
                .sections
                .iter()
                .position(|s| &s.id == section_id)
                .map(|si| {
                    (
                        checklist.sections[si].title.clone(),
                        zone_solution(report, si),
                    )
                }),
            Source::Problem(question_id) => checklist
                .position_of(question_id)
                .and_then(|p| checklist.question(p.index))
                .map(|(_, q)| (q.text.clone(), q.action.clone())),
        };
        if let Some((zone, solution)) = texts {
            self.item.zone = zone;
            if !self.own_solution && !solution.is_empty() {
                self.item.solution = solution;
            }
        }
        self
    }
}

/// The proposed solution of a problem area: the recommended actions of its
/// problems, highest priority first, one per line and each whole.
fn zone_solution(report: &Report, section: usize) -> String {
    let actions: Vec<&str> = report
        .problems
        .iter()
        .filter(|p| p.section == section)
        .map(|p| p.action.as_str())
        .collect();
    actions.join("\n")
}

fn draft(zone: String, priority: Priority, solution: String) -> PlanItem {
    PlanItem {
        zone,
        priority,
        solution,
        owner: None,
        deadline: None,
        done: false,
        blocker: None,
    }
}

/// The plan's first items: the top problem areas of the report, each with
/// the recommended actions of its problems as the proposed solution.
pub fn draft_zones(checklist: &Checklist, report: &Report) -> Vec<(Source, PlanItem)> {
    report
        .top_zones
        .iter()
        .filter_map(|zone| {
            let section = checklist.sections.get(zone.section)?;
            Some((
                Source::Zone(section.id.clone()),
                draft(
                    zone.title.clone(),
                    zone.priority,
                    zone_solution(report, zone.section),
                ),
            ))
        })
        .collect()
}

/// `text` cut to at most `max` characters, ending in «…» when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Every «Нет» rated «Высокий» that the plan does not hold yet as an item
/// of its own, in checklist order.
pub fn draft_high(report: &Report, existing: &[Source]) -> Vec<(Source, PlanItem)> {
    let mut problems: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.priority == Priority::High && p.answer == Answer::No)
        .filter(|p| !existing.contains(&Source::Problem(p.question_id.clone())))
        .collect();
    problems.sort_by_key(|p| p.index);
    problems
        .into_iter()
        .map(|p| {
            (
                Source::Problem(p.question_id.clone()),
                draft(p.text.clone(), p.priority, p.action.clone()),
            )
        })
        .collect()
}

/// Why a typed text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("empty")]
    Empty,
    #[error("{chars} characters, at most {max}")]
    TooLong { chars: usize, max: usize },
}

/// A typed text as one line: trimmed, every run of whitespace (line breaks
/// included) made one space, control characters dropped; 1..=`max`
/// characters.
pub fn one_line(text: &str, max: usize) -> Result<String, TextError> {
    let cleaned: String = text
        .split_whitespace()
        .map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let chars = cleaned.chars().count();
    if chars == 0 {
        Err(TextError::Empty)
    } else if chars > max {
        Err(TextError::TooLong { chars, max })
    } else {
        Ok(cleaned)
    }
}

/// The owner's name as typed: 1–64 characters once trimmed.
pub fn parse_owner(text: &str) -> Result<String, TextError> {
    one_line(text, MAX_OWNER_CHARS)
}

/// The owner's own solution: 1–1000 characters.
pub fn parse_solution(text: &str) -> Result<String, TextError> {
    one_line(text, MAX_SOLUTION_CHARS)
}

/// A note on an answer: 1–500 characters.
pub fn parse_note(text: &str) -> Result<String, TextError> {
    one_line(text, MAX_NOTE_CHARS)
}

/// A user's name when they answer «Я» to «Кто отвечает?», cut to fit.
pub fn owner_from_name(name: &str) -> String {
    match one_line(name, usize::MAX) {
        Ok(name) => name.chars().take(MAX_OWNER_CHARS).collect(),
        Err(_) => "—".to_string(),
    }
}

/// The deadlines offered as buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    Week,
    TwoWeeks,
    Month,
    ThreeMonths,
}

impl Term {
    pub const ALL: [Term; 4] = [Term::Week, Term::TwoWeeks, Term::Month, Term::ThreeMonths];

    /// The deadline suggested for a problem of this priority.
    pub fn default_for(priority: Priority) -> Self {
        match priority {
            Priority::High => Term::Week,
            Priority::Medium => Term::Month,
            Priority::Low => Term::ThreeMonths,
        }
    }

    /// The date this term ends, counted from `today`.
    pub fn due(self, today: NaiveDate) -> NaiveDate {
        let due = match self {
            Term::Week => today.checked_add_days(Days::new(7)),
            Term::TwoWeeks => today.checked_add_days(Days::new(14)),
            Term::Month => today.checked_add_months(Months::new(1)),
            Term::ThreeMonths => today.checked_add_months(Months::new(3)),
        };
        due.unwrap_or(NaiveDate::MAX)
    }

    /// The stable code used in callback data.
    pub fn code(self) -> &'static str {
        match self {
            Term::Week => "w1",
            Term::TwoWeeks => "w2",
            Term::Month => "m1",
            Term::ThreeMonths => "m3",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// Why a typed deadline was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not of the form ДД.ММ.ГГГГ.
    #[error("not a date")]
    NotADate,
    /// Of the form, but no such day (31.02.2027).
    #[error("no such day")]
    Impossible,
    #[error("in the past")]
    Past,
    #[error("too far ahead")]
    TooFar,
}

/// A deadline typed as ДД.ММ.ГГГГ (one-digit day and month allowed):
/// today or later, at most five years ahead.
pub fn parse_deadline(text: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let parts: Vec<&str> = text.trim().split('.').collect();
    let [day, month, year] = parts.as_slice() else {
        return Err(DateError::NotADate);
    };
    let digits = |s: &str, lengths: &[usize]| {
        lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(day, &[1, 2]) || !digits(month, &[1, 2]) || !digits(year, &[4]) {
        return Err(DateError::NotADate);
    }
    let number = |s: &str| s.parse::<u32>().map_err(|_| DateError::NotADate);
    let (day, month, year) = (number(day)?, number(month)?, number(year)?);
    let year = i32::try_from(year).map_err(|_| DateError::NotADate)?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::Impossible)?;
    if date < today {
        return Err(DateError::Past);
    }
    let limit = today
        .checked_add_months(Months::new(12 * MAX_YEARS_AHEAD))
        .unwrap_or(NaiveDate::MAX);
    if date > limit {
        return Err(DateError::TooFar);
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Audit, Command};
    use crate::domain::checklist::tests::small;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 23);

    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn a_typed_date_is_read_as_day_month_year() {
        assert_eq!(parse_deadline("15.12.2026", today()), Ok(day(2026, 12, 15)));
        assert_eq!(parse_deadline(" 1.2.2027 ", today()), Ok(day(2027, 2, 1)));
        assert_eq!(parse_deadline("23.11.2026", today()), Ok(today()));
        assert_eq!(parse_deadline("29.02.2028", today()), Ok(day(2028, 2, 29)));
    }

    #[test]
    fn impossible_past_far_and_non_dates_are_told_apart() {
        assert_eq!(
            parse_deadline("31.02.2027", today()),
            Err(DateError::Impossible)
        );
        assert_eq!(
            parse_deadline("29.02.2027", today()),
            Err(DateError::Impossible)
        );
        assert_eq!(
            parse_deadline("00.01.2027", today()),
            Err(DateError::Impossible)
        );
        assert_eq!(
            parse_deadline("12.13.2027", today()),
            Err(DateError::Impossible)
        );
        assert_eq!(parse_deadline("22.11.2026", today()), Err(DateError::Past));
        assert_eq!(parse_deadline("01.01.2020", today()), Err(DateError::Past));
        assert_eq!(
            parse_deadline("24.11.2031", today()),
            Err(DateError::TooFar)
        );
        for text in [
            "",
            "завтра",
            "15.12",
            "15.12.26",
            "15/12/2026",
            "15.12.2026.1",
            "+1.12.2026",
            "1 5.12.2026",
            "15.12.20261",
            "١٥.١٢.٢٠٢٦",
            "15..2026",
        ] {
            assert_eq!(
                parse_deadline(text, today()),
                Err(DateError::NotADate),
                "{text:?}"
            );
        }
    }

    #[test]
    fn terms_count_from_today_and_follow_priority() {
        assert_eq!(Term::Week.due(today()), day(2026, 11, 30));
        assert_eq!(Term::TwoWeeks.due(today()), day(2026, 12, 7));
        assert_eq!(Term::Month.due(today()), day(2026, 12, 23));
        assert_eq!(Term::ThreeMonths.due(today()), day(2027, 2, 23));
        assert_eq!(Term::Month.due(day(2027, 1, 31)), day(2027, 2, 28));
        assert_eq!(Term::default_for(Priority::High), Term::Week);
        assert_eq!(Term::default_for(Priority::Medium), Term::Month);
        assert_eq!(Term::default_for(Priority::Low), Term::ThreeMonths);
        for term in Term::ALL {
            assert_eq!(Term::from_code(term.code()), Some(term));
        }
        assert_eq!(Term::from_code("w3"), None);
    }

    #[test]
    fn typed_texts_are_trimmed_to_one_line_and_bounded() {
        assert_eq!(
            parse_owner("  Анна\n Петрова \t"),
            Ok("Анна Петрова".into())
        );
        assert_eq!(parse_owner(" \n "), Err(TextError::Empty));
        assert_eq!(parse_owner("\u{7}"), Err(TextError::Empty));
        assert_eq!(parse_owner(&"я".repeat(64)), Ok("я".repeat(64)));
        assert_eq!(
            parse_owner(&"я".repeat(65)),
            Err(TextError::TooLong { chars: 65, max: 64 })
        );
        assert_eq!(parse_note(&"a".repeat(500)).map(|s| s.len()), Ok(500));
        assert_eq!(
            parse_note(&"a".repeat(501)),
            Err(TextError::TooLong {
                chars: 501,
                max: 500
            })
        );
        assert!(parse_solution(&"б".repeat(1000)).is_ok());
        assert_eq!(owner_from_name(&"Ж".repeat(100)), "Ж".repeat(64));
        assert_eq!(owner_from_name("  "), "—");
        assert_eq!(shorten("абв", 3), "абв");
        assert_eq!(shorten("абвг", 3), "аб…");
        assert_eq!(shorten(&"д".repeat(5000), 1000).chars().count(), 1000);
    }

    #[test]
    fn overdue_items_come_first_the_longest_overdue_at_the_top() {
        let entry = |position: u32, deadline: Option<NaiveDate>, done: bool| PlanEntry {
            position,
            source: Source::Zone(format!("s{position}")),
            item: PlanItem {
                deadline,
                done,
                blocker: None,
                ..draft(String::new(), Priority::Low, String::new())
            },
            own_solution: false,
        };
        let plan = [
            entry(1, Some(day(2026, 12, 1)), false),
            entry(2, Some(day(2026, 11, 20)), false),
            entry(3, Some(day(2026, 11, 1)), true),
            entry(4, None, false),
            entry(5, Some(day(2026, 11, 22)), false),
            entry(6, Some(today()), false),
        ];
        let order: Vec<u32> = overdue_first(&plan, today())
            .iter()
            .map(|e| e.position)
            .collect();
        assert_eq!(order, [2, 5, 1, 3, 4, 6]);
        assert_eq!(plan[1].item.days_overdue(today()), Some(3));
        assert_eq!(plan[4].item.days_overdue(today()), Some(1));
        // Due today, done, or without a deadline: not overdue.
        for i in [0, 2, 3, 5] {
            assert_eq!(plan[i].item.days_overdue(today()), None, "{i}");
        }
    }

    #[test]
    fn the_plan_starts_with_the_top_zones_then_offers_the_high_problems() {
        let checklist = small();
        let mut audit = Audit::new(&checklist);
        // small(): two sections; answer every question «Нет · Высокий»
        // except the last, «Нет · Низкий».
        let total = audit.len();
        for i in 0..total {
            audit.apply(Command::Answer(Answer::No)).unwrap();
            let p = if i + 1 == total {
                Priority::Low
            } else {
                Priority::High
            };
            audit.apply(Command::Priority(p)).unwrap();
        }
        let report = Report::new(&checklist, &audit);
        let zones = draft_zones(&checklist, &report);
        assert_eq!(zones.len(), report.top_zones.len());
        for ((source, item), zone) in zones.iter().zip(&report.top_zones) {
            assert_eq!(
                source,
                &Source::Zone(checklist.sections[zone.section].id.clone())
            );
            assert_eq!(item.zone, zone.title);
            assert_eq!(item.priority, zone.priority);
            let actions: Vec<&str> = zone.problems.iter().map(|p| p.action.as_str()).collect();
            assert_eq!(
                item.solution_lines(),
                actions,
                "each action whole, on its own line"
            );
            assert_eq!(
                (item.owner.as_ref(), item.deadline, item.done),
                (None, None, false)
            );
        }
        let high = draft_high(&report, &[]);
        assert_eq!(high.len(), total - 1);
        assert!(high.iter().all(|(_, item)| item.priority == Priority::High));
        let (first, _) = &high[0];
        let again = draft_high(&report, std::slice::from_ref(first));
        assert_eq!(again.len(), total - 2);
        assert!(!again.iter().any(|(source, _)| source == first));
    }
}
