//! The operator's figures over many audits: how many started, finished and
//! were abandoned, how long finishing took, scores, and the most frequent
//! problems — overall, by checklist and by source, for a period. One
//! aggregation for the admin's /stats and the terminal's `stats`.

use std::collections::BTreeMap;

use crate::domain::audit::Status;

/// What one audit contributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFacts {
    pub checklist: String,
    pub source: Option<String>,
    pub status: Status,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// Finished audits: the overall score, when any answer was applicable.
    pub score: Option<u32>,
    /// Finished audits: each section's id and score.
    pub sections: Vec<(String, Option<u32>)>,
    /// Finished audits: the questions answered «Нет».
    pub problems: Vec<String>,
}

/// How often one question was a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemCount {
    pub question_id: String,
    /// Finished audits that answered it «Нет».
    pub audits: usize,
    /// Of the finished audits of its checklist, in percent (rounded).
    pub share: u32,
}

/// The figures of a set of audits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures {
    pub started: usize,
    pub finished: usize,
    pub abandoned: usize,
    pub in_progress: usize,
    /// Finished of started, in percent.
    pub completion: Option<u32>,
    /// Median seconds from start to finish.
    pub median_secs: Option<i64>,
    pub average_score: Option<u32>,
    /// Each section's average score, by section id, in the order first seen.
    pub sections: Vec<(String, Option<u32>)>,
    /// The ten most frequent problems, most frequent first (ties by id).
    pub top_problems: Vec<ProblemCount>,
}

/// How many problems [`Figures::top_problems`] lists.
pub const TOP_PROBLEMS: usize = 10;

fn rounded_percent(part: usize, whole: usize) -> Option<u32> {
    (whole > 0).then(|| ((part * 200 + whole) / (whole * 2)) as u32)
}

fn average(values: impl Iterator<Item = u32>) -> Option<u32> {
    let (sum, n) = values.fold((0u64, 0u64), |(s, n), v| (s + u64::from(v), n + 1));
    (n > 0).then(|| ((sum * 2 + n) / (n * 2)) as u32)
}

/// The median of `values`; the lower middle one of an even count.
fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    let n = values.len();
    (n > 0).then(|| values[(n - 1) / 2])
}

impl Figures {
    pub fn of<'a>(audits: impl IntoIterator<Item = &'a AuditFacts>) -> Self {
        let audits: Vec<&AuditFacts> = audits.into_iter().collect();
        let count = |status: Status| audits.iter().filter(|a| a.status == status).count();
        let finished: Vec<&&AuditFacts> = audits
            .iter()
            .filter(|a| a.status == Status::Finished)
            .collect();
        let mut section_order: Vec<String> = Vec::new();
        let mut section_scores: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (id, score) in finished.iter().flat_map(|a| &a.sections) {
            if !section_order.contains(id) {
                section_order.push(id.clone());
            }
            let scores = section_scores.entry(id.clone()).or_default();
            scores.extend(*score);
        }
        // Problems: the share is of the finished audits of the same checklist.
        let mut per_checklist: BTreeMap<&str, usize> = BTreeMap::new();
        let mut problems: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for a in &finished {
            *per_checklist.entry(&a.checklist).or_default() += 1;
            for q in &a.problems {
                *problems.entry((&a.checklist, q)).or_default() += 1;
            }
        }
        let mut top: Vec<ProblemCount> = problems
            .into_iter()
            .map(|((checklist, q), n)| ProblemCount {
                question_id: q.to_string(),
                audits: n,
                share: rounded_percent(n, per_checklist[checklist]).unwrap_or(0),
            })
            .collect();
        top.sort_by(|a, b| {
            b.audits
                .cmp(&a.audits)
                .then(a.question_id.cmp(&b.question_id))
        });
        top.truncate(TOP_PROBLEMS);
        Figures {
            started: audits.len(),
            finished: finished.len(),
            abandoned: count(Status::Abandoned),
            in_progress: count(Status::InProgress),
            completion: rounded_percent(finished.len(), audits.len()),
            median_secs: median(
                finished
                    .iter()
                    .filter_map(|a| Some(a.finished_at? - a.started_at))
                    .collect(),
            ),
            average_score: average(finished.iter().filter_map(|a| a.score)),
            sections: section_order
                .into_iter()
                .map(|id| {
                    let avg = average(section_scores[&id].iter().copied());
                    (id, avg)
                })
                .collect(),
            top_problems: top,
        }
    }
}

/// The figures of a period: overall, per checklist, per source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub overall: Figures,
    pub by_checklist: Vec<(String, Figures)>,
    /// `None`: audits that came without a tracked link.
    pub by_source: Vec<(Option<String>, Figures)>,
}

impl Breakdown {
    pub fn of(audits: &[&AuditFacts]) -> Self {
        let mut checklists: Vec<&str> = audits.iter().map(|a| a.checklist.as_str()).collect();
        checklists.sort_unstable();
        checklists.dedup();
        let mut sources: Vec<Option<&str>> = audits.iter().map(|a| a.source.as_deref()).collect();
        sources.sort_unstable();
        sources.dedup();
        Breakdown {
            overall: Figures::of(audits.iter().copied()),
            by_checklist: checklists
                .into_iter()
                .map(|c| {
                    let of = audits.iter().copied().filter(|a| a.checklist == c);
                    (c.to_string(), Figures::of(of))
                })
                .collect(),
            by_source: sources
                .into_iter()
                .map(|s| {
                    let of = audits.iter().copied().filter(|a| a.source.as_deref() == s);
                    (s.map(str::to_string), Figures::of(of))
                })
                .collect(),
        }
    }
}

/// Days in the recent period.
pub const RECENT_DAYS: i64 = 30;

/// The recent period (audits started in the last [`RECENT_DAYS`] days
/// before `now`) and all time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub recent: Breakdown,
    pub all_time: Breakdown,
}

impl Stats {
    pub fn of(audits: &[AuditFacts], now: i64) -> Self {
        let since = now - RECENT_DAYS * 24 * 3600;
        let all: Vec<&AuditFacts> = audits.iter().collect();
        let recent: Vec<&AuditFacts> = audits.iter().filter(|a| a.started_at >= since).collect();
        Stats {
            recent: Breakdown::of(&recent),
            all_time: Breakdown::of(&all),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(
        checklist: &str,
        source: Option<&str>,
        status: Status,
        minutes: Option<i64>,
        score: Option<u32>,
        problems: &[&str],
    ) -> AuditFacts {
        AuditFacts {
            checklist: checklist.into(),
            source: source.map(str::to_string),
            status,
            started_at: 1_000,
            finished_at: minutes.map(|m| 1_000 + m * 60),
            score,
            sections: if status == Status::Finished {
                vec![("a".into(), score), ("b".into(), Some(50))]
            } else {
                vec![]
            },
            problems: problems.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn the_figures_count_rate_median_scores_and_problems() {
        let all = [
            facts(
                "churn",
                Some("fb"),
                Status::Finished,
                Some(10),
                Some(80),
                &["q1", "q2"],
            ),
            facts("churn", None, Status::Finished, Some(30), Some(61), &["q1"]),
            facts("churn", Some("fb"), Status::Finished, Some(20), None, &[]),
            facts("churn", None, Status::Abandoned, None, None, &[]),
            facts("rel", None, Status::InProgress, None, None, &[]),
        ];
        let f = Figures::of(&all);
        assert_eq!(
            (f.started, f.finished, f.abandoned, f.in_progress),
            (5, 3, 1, 1)
        );
        assert_eq!(f.completion, Some(60));
        assert_eq!(f.median_secs, Some(20 * 60));
        // (80 + 61) / 2 = 70.5 → 71
        assert_eq!(f.average_score, Some(71));
        assert_eq!(
            f.sections,
            vec![("a".to_string(), Some(71)), ("b".to_string(), Some(50))]
        );
        assert_eq!(
            f.top_problems,
            vec![
                ProblemCount {
                    question_id: "q1".into(),
                    audits: 2,
                    share: 67
                },
                ProblemCount {
                    question_id: "q2".into(),
                    audits: 1,
                    share: 33
                },
            ]
        );
        let b = Breakdown::of(&all.iter().collect::<Vec<_>>());
        let sources: Vec<(Option<&str>, usize)> = b
            .by_source
            .iter()
            .map(|(s, f)| (s.as_deref(), f.started))
            .collect();
        assert_eq!(sources, [(None, 3), (Some("fb"), 2)]);
        let checklists: Vec<(&str, usize)> = b
            .by_checklist
            .iter()
            .map(|(c, f)| (c.as_str(), f.finished))
            .collect();
        assert_eq!(checklists, [("churn", 3), ("rel", 0)]);
    }

    #[test]
    fn nothing_gives_no_rates() {
        let f = Figures::of(&[]);
        assert_eq!(f, Figures::default());
        assert_eq!(f.completion, None);
    }

    #[test]
    fn the_recent_period_holds_the_audits_started_in_the_last_30_days() {
        let mut old = facts("churn", None, Status::Finished, Some(5), Some(90), &[]);
        old.started_at = 0;
        old.finished_at = Some(300);
        let mut new = old.clone();
        new.started_at = 40 * 24 * 3600;
        new.finished_at = Some(new.started_at + 300);
        let stats = Stats::of(&[old, new], 45 * 24 * 3600);
        assert_eq!(stats.all_time.overall.started, 2);
        assert_eq!(stats.recent.overall.started, 1);
    }

    #[test]
    fn at_most_ten_problems_most_frequent_first() {
        let names: Vec<String> = (0..15).map(|i| format!("q{i:02}")).collect();
        let mut all = Vec::new();
        for (i, _) in names.iter().enumerate() {
            let problems: Vec<&str> = names[..=i].iter().map(String::as_str).collect();
            all.push(facts(
                "c",
                None,
                Status::Finished,
                Some(1),
                Some(1),
                &problems,
            ));
        }
        let f = Figures::of(&all);
        assert_eq!(f.top_problems.len(), TOP_PROBLEMS);
        assert_eq!(f.top_problems[0].question_id, "q00");
        assert_eq!(f.top_problems[0].share, 100);
        assert!(f
            .top_problems
            .windows(2)
            .all(|w| w[0].audits >= w[1].audits));
    }
}
