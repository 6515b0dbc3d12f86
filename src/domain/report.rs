//! The summary of an audit: scores, problems by priority, the top problem
//! areas and strengths. Pure: computed from a checklist and an audit.

use super::audit::{Answer, Audit, Priority};
use super::checklist::Checklist;

/// «Да» out of the applicable answers («Да» + «Нет»).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Score {
    pub yes: usize,
    pub applicable: usize,
}

impl Score {
    /// Whole percent, rounded; `None` when nothing applicable was answered.
    pub fn percent(&self) -> Option<u32> {
        (self.applicable > 0)
            .then(|| ((self.yes * 200 + self.applicable) / (self.applicable * 2)) as u32)
    }
}

/// A question answered «Нет» (or «Не применимо» rated as a possible
/// improvement), with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub index: usize,
    pub section: usize,
    pub question_id: String,
    pub text: String,
    pub action: String,
    pub answer: Answer,
    pub priority: Priority,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionReport {
    pub title: String,
    pub score: Score,
    pub answered: usize,
    pub total: usize,
    /// Sum of the problems' weights (Высокий 3, Средний 2, Низкий 1).
    pub weight: u32,
}

/// One of the top problem areas: the first columns of the action plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub section: usize,
    pub title: String,
    pub weight: u32,
    /// The highest priority among the area's problems.
    pub priority: Priority,
    /// The problems of the area, highest priority first.
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub answered: usize,
    pub total: usize,
    pub overall: Score,
    pub sections: Vec<SectionReport>,
    /// Highest priority first, then in checklist order.
    pub problems: Vec<Problem>,
    pub top_zones: Vec<Zone>,
    /// Indices of sections with at least one «Да» and no problem.
    pub strengths: Vec<usize>,
}

/// How many problem areas the action plan names.
pub const TOP_ZONES: usize = 3;

impl Report {
    pub fn new(checklist: &Checklist, audit: &Audit) -> Self {
        let mut sections: Vec<SectionReport> = checklist
            .sections
            .iter()
            .map(|s| SectionReport {
                title: s.title.clone(),
                score: Score::default(),
                answered: 0,
                total: s.questions.len(),
                weight: 0,
            })
            .collect();
        let mut overall = Score::default();
        let mut problems = Vec::new();
        for (index, (si, question)) in checklist.questions().enumerate() {
            let Some(response) = audit.response_to(&question.id).filter(|r| r.is_complete()) else {
                continue;
            };
            let section = &mut sections[si];
            section.answered += 1;
            match response.answer {
                Answer::Yes => {
                    section.score.yes += 1;
                    section.score.applicable += 1;
                }
                Answer::No => section.score.applicable += 1,
                Answer::NotApplicable => {}
            }
            if let Some(priority) = response.priority {
                section.weight += priority.weight();
                problems.push(Problem {
                    index,
                    section: si,
                    question_id: question.id.clone(),
                    text: question.text.clone(),
                    action: question.action.clone(),
                    answer: response.answer,
                    priority,
                });
            }
        }
        for s in &sections {
            overall.yes += s.score.yes;
            overall.applicable += s.score.applicable;
        }
        problems.sort_by_key(|p| (std::cmp::Reverse(p.priority), p.index));

        let mut ranked: Vec<usize> = (0..sections.len())
            .filter(|&i| sections[i].weight > 0)
            .collect();
        // Most weight first; ties go to the area with the graver problem, then
        // to checklist order.
        let top_priority = |si: usize| {
            problems
                .iter()
                .find(|p| p.section == si)
                .map(|p| p.priority)
        };
        ranked.sort_by_key(|&i| {
            (
                std::cmp::Reverse(sections[i].weight),
                std::cmp::Reverse(top_priority(i)),
                i,
            )
        });
        let top_zones = ranked
            .into_iter()
            .take(TOP_ZONES)
            .filter_map(|si| {
                let zone_problems: Vec<Problem> = problems
                    .iter()
                    .filter(|p| p.section == si)
                    .cloned()
                    .collect();
                Some(Zone {
                    section: si,
                    title: sections[si].title.clone(),
                    weight: sections[si].weight,
                    priority: zone_problems.first()?.priority,
                    problems: zone_problems,
                })
            })
            .collect();
        let strengths = (0..sections.len())
            .filter(|&i| sections[i].weight == 0 && sections[i].score.yes > 0)
            .collect();
        Report {
            answered: sections.iter().map(|s| s.answered).sum(),
            total: checklist.question_count(),
            overall,
            sections,
            problems,
            top_zones,
            strengths,
        }
    }

    pub fn is_complete(&self) -> bool {
        self.answered == self.total
    }
}

/// What changed between an earlier finished audit and this one, both read
/// against the current checklist (questions matched by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub overall: (Option<u32>, Option<u32>),
    /// Section title, score then, score now.
    pub sections: Vec<(String, Option<u32>, Option<u32>)>,
    /// Questions answered «Нет» then and «Да» now.
    pub fixed: Vec<String>,
    /// Problems now that were not problems then.
    pub new_problems: Vec<Problem>,
}

impl Comparison {
    pub fn new(checklist: &Checklist, before: &Audit, now: &Audit) -> Self {
        let (then, current) = (Report::new(checklist, before), Report::new(checklist, now));
        let sections = then
            .sections
            .iter()
            .zip(&current.sections)
            .map(|(a, b)| (b.title.clone(), a.score.percent(), b.score.percent()))
            .collect();
        let fixed = checklist
            .questions()
            .filter(|(_, q)| {
                before.response_to(&q.id).map(|r| r.answer) == Some(Answer::No)
                    && now.response_to(&q.id).map(|r| r.answer) == Some(Answer::Yes)
            })
            .map(|(_, q)| q.text.clone())
            .collect();
        let new_problems = current
            .problems
            .iter()
            .filter(|p| {
                !then
                    .problems
                    .iter()
                    .any(|old| old.question_id == p.question_id)
            })
            .cloned()
            .collect();
        Self {
            overall: (then.overall.percent(), current.overall.percent()),
            sections,
            fixed,
            new_problems,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Command, Response, Status};
    use crate::domain::checklist::tests::small;
    use crate::domain::checklist::Checklist;

    fn audit_with(checklist: &Checklist, answers: &[(&str, Answer, Option<Priority>)]) -> Audit {
        let responses = answers
            .iter()
            .map(|&(id, answer, priority)| {
                (
                    id.to_string(),
                    Response {
                        answer,
                        priority,
                        priority_skipped: answer == Answer::NotApplicable && priority.is_none(),
                    },
                )
            })
            .collect();
        Audit::restore(checklist, responses, None, Status::InProgress)
    }

    #[test]
    fn score_counts_yes_out_of_applicable_answers() {
        let c = small();
        let a = audit_with(
            &c,
            &[
                ("a.one", Answer::Yes, None),
                ("a.two", Answer::NotApplicable, None),
                ("b.three", Answer::No, Some(Priority::Low)),
            ],
        );
        let r = Report::new(&c, &a);
        assert_eq!(
            r.overall,
            Score {
                yes: 1,
                applicable: 2
            }
        );
        assert_eq!(r.overall.percent(), Some(50));
        assert_eq!(r.sections[0].score.percent(), Some(100));
        assert_eq!(r.sections[1].score.percent(), Some(0));
        assert_eq!(r.strengths, vec![0]);
        assert!(r.is_complete());
    }

    #[test]
    fn percent_rounds_and_is_none_without_applicable_answers() {
        assert_eq!(
            Score {
                yes: 2,
                applicable: 3
            }
            .percent(),
            Some(67)
        );
        assert_eq!(
            Score {
                yes: 1,
                applicable: 3
            }
            .percent(),
            Some(33)
        );
        assert_eq!(Score::default().percent(), None);
    }

    #[test]
    fn problems_are_ordered_by_priority_then_checklist_order() {
        let c = small();
        let a = audit_with(
            &c,
            &[
                ("a.one", Answer::No, Some(Priority::Low)),
                ("a.two", Answer::No, Some(Priority::High)),
                ("b.three", Answer::NotApplicable, Some(Priority::High)),
            ],
        );
        let r = Report::new(&c, &a);
        let order: Vec<&str> = r.problems.iter().map(|p| p.question_id.as_str()).collect();
        assert_eq!(order, ["a.two", "b.three", "a.one"]);
        assert_eq!(r.problems[0].action, "Сделать 2");
        assert!(r.strengths.is_empty());
    }

    #[test]
    fn top_zones_rank_sections_by_weighted_problems() {
        let c = small();
        // Section a: Low + Low = 2; section b: High = 3.
        let a = audit_with(
            &c,
            &[
                ("a.one", Answer::No, Some(Priority::Low)),
                ("a.two", Answer::No, Some(Priority::Low)),
                ("b.three", Answer::No, Some(Priority::High)),
            ],
        );
        let r = Report::new(&c, &a);
        let zones: Vec<(usize, u32, Priority)> = r
            .top_zones
            .iter()
            .map(|z| (z.section, z.weight, z.priority))
            .collect();
        assert_eq!(zones, vec![(1, 3, Priority::High), (0, 2, Priority::Low)]);
        assert_eq!(r.top_zones[1].problems.len(), 2);
    }

    #[test]
    fn equal_weights_go_to_the_graver_problem() {
        let c = small();
        // a: Low + Medium = 3 (worst Medium); b: High = 3.
        let a = audit_with(
            &c,
            &[
                ("a.one", Answer::No, Some(Priority::Low)),
                ("a.two", Answer::No, Some(Priority::Medium)),
                ("b.three", Answer::No, Some(Priority::High)),
            ],
        );
        let r = Report::new(&c, &a);
        assert_eq!(
            r.top_zones.iter().map(|z| z.section).collect::<Vec<_>>(),
            vec![1, 0]
        );
    }

    #[test]
    fn a_comparison_shows_scores_then_and_now_fixed_and_new_problems() {
        let c = small();
        let before = audit_with(
            &c,
            &[
                ("a.one", Answer::No, Some(Priority::High)),
                ("a.two", Answer::Yes, None),
                ("b.three", Answer::Yes, None),
            ],
        );
        let now = audit_with(
            &c,
            &[
                ("a.one", Answer::Yes, None),
                ("a.two", Answer::Yes, None),
                ("b.three", Answer::No, Some(Priority::Low)),
            ],
        );
        let cmp = Comparison::new(&c, &before, &now);
        assert_eq!(cmp.overall, (Some(67), Some(67)));
        assert_eq!(
            cmp.sections,
            vec![
                ("Раздел А".to_string(), Some(50), Some(100)),
                ("Раздел Б".to_string(), Some(100), Some(0)),
            ]
        );
        assert_eq!(cmp.fixed, vec!["Вопрос 1?".to_string()]);
        assert_eq!(
            cmp.new_problems
                .iter()
                .map(|p| p.question_id.as_str())
                .collect::<Vec<_>>(),
            ["b.three"]
        );
    }

    #[test]
    fn an_unchanged_audit_compares_to_no_changes() {
        let c = small();
        let a = audit_with(
            &c,
            &[
                ("a.one", Answer::No, Some(Priority::Low)),
                ("a.two", Answer::Yes, None),
            ],
        );
        let cmp = Comparison::new(&c, &a, &a);
        assert!(cmp.fixed.is_empty() && cmp.new_problems.is_empty());
        assert!(cmp.sections.iter().all(|(_, then, now)| then == now));
    }

    #[test]
    fn an_interim_report_counts_only_complete_answers() {
        let c = small();
        let mut a = Audit::new(&c);
        a.apply(Command::Answer(Answer::Yes)).expect("ok");
        a.apply(Command::Answer(Answer::No)).expect("ok");
        let r = Report::new(&c, &a);
        assert_eq!((r.answered, r.total), (1, 3));
        assert!(!r.is_complete());
        assert!(r.problems.is_empty());
        assert!(r.top_zones.is_empty());
    }
}
