//! One run of one checklist by one user, as a pure state machine: the rules
//! of answering, rating, going back and finishing, with no I/O.

use std::sync::Arc;

use super::checklist::{Checklist, QuestionIndex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    Yes,
    No,
    NotApplicable,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Yes, Answer::No, Answer::NotApplicable];

    /// The stable code stored in the database and in callback data.
    pub fn code(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::NotApplicable => "na",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    Low,
    Medium,
    High,
}

impl Priority {
    /// Highest first, the order problems are listed in.
    pub const DESCENDING: [Priority; 3] = [Priority::High, Priority::Medium, Priority::Low];

    /// Weight of a problem of this priority when ranking problem areas.
    pub fn weight(self) -> u32 {
        match self {
            Priority::Low => 1,
            Priority::Medium => 2,
            Priority::High => 3,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::DESCENDING.into_iter().find(|p| p.code() == code)
    }
}

/// The owner's answer to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    pub answer: Answer,
    pub priority: Option<Priority>,
    /// The owner chose not to rate a «Не применимо».
    pub priority_skipped: bool,
}

impl Response {
    fn new(answer: Answer) -> Self {
        Self {
            answer,
            priority: None,
            priority_skipped: false,
        }
    }

    /// A «Нет» needs a priority; a «Не применимо» needs a priority or a skip.
    pub fn is_complete(&self) -> bool {
        match self.answer {
            Answer::Yes => true,
            Answer::No => self.priority.is_some(),
            Answer::NotApplicable => self.priority.is_some() || self.priority_skipped,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    InProgress,
    Finished,
    Abandoned,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::InProgress => "in_progress",
            Status::Finished => "finished",
            Status::Abandoned => "abandoned",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Status::InProgress, Status::Finished, Status::Abandoned]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// What the current question waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Answer,
    /// `required` after «Нет»; after «Не применимо» the owner may skip.
    Priority {
        required: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Answer(Answer),
    Priority(Priority),
    SkipPriority,
    Back,
    JumpToUnanswered,
    Finish,
    Abandon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    #[error("the audit is no longer in progress")]
    Closed,
    #[error("this question waits for an answer, not a priority")]
    NotAwaitingPriority,
    #[error("a «No» needs a priority")]
    PriorityRequired,
    #[error("already at the first question")]
    AtFirstQuestion,
    #[error("every question is answered")]
    NothingUnanswered,
    #[error("question {0} is not answered yet")]
    Incomplete(usize),
}

/// What a command changed, for storage to persist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The question whose stored response changes: `Some` to write, `None` to
    /// delete.
    pub response: Option<(String, Option<Response>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// The checklist's questions, shared with every audit of it.
    questions: Arc<QuestionIndex>,
    /// The response to each question, by its index: progress and the
    /// current step read them a press, without hashing an id.
    responses: Vec<Option<Response>>,
    cursor: usize,
    status: Status,
}

/// Answered (complete) out of total, for a whole audit or a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub answered: usize,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub overall: Count,
    pub sections: Vec<Count>,
}

impl Audit {
    pub fn new(checklist: &Checklist) -> Self {
        Self::restore(checklist, Vec::new(), None, Status::InProgress)
    }

    /// Rebuilds an audit from what storage holds. Responses to questions the
    /// checklist no longer has are left out (storage keeps them); a cursor
    /// on a removed question moves to the first unanswered one.
    pub fn restore(
        checklist: &Checklist,
        responses: Vec<(String, Response)>,
        cursor_question: Option<&str>,
        status: Status,
    ) -> Self {
        let questions = checklist.question_index().clone();
        debug_assert!(
            questions
                .ids()
                .iter()
                .eq(checklist.questions().map(|(_, q)| &q.id)),
            "the checklist's questions changed after it was parsed"
        );
        let mut by_index = vec![None; questions.ids().len()];
        let places = questions.positions(responses.iter().map(|(id, _)| id.as_str()));
        for (place, (_, response)) in places.zip(&responses) {
            if let Some(i) = place {
                by_index[i] = Some(*response);
            }
        }
        let mut audit = Self {
            questions,
            responses: by_index,
            cursor: 0,
            status,
        };
        audit.cursor = cursor_question
            .and_then(|id| audit.questions.position(id))
            .or_else(|| audit.first_unanswered())
            .unwrap_or(audit.len().saturating_sub(1));
        audit
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// Index of the current question.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn current_question_id(&self) -> &str {
        &self.questions.ids()[self.cursor]
    }

    pub fn len(&self) -> usize {
        self.questions.ids().len()
    }

    pub fn is_empty(&self) -> bool {
        self.questions.ids().is_empty()
    }

    pub fn response(&self, index: usize) -> Option<&Response> {
        self.responses.get(index)?.as_ref()
    }

    pub fn response_to(&self, question_id: &str) -> Option<&Response> {
        self.response(self.questions.position(question_id)?)
    }

    pub fn is_answered(&self, index: usize) -> bool {
        self.response(index).is_some_and(Response::is_complete)
    }

    pub fn first_unanswered(&self) -> Option<usize> {
        (0..self.len()).find(|&i| !self.is_answered(i))
    }

    pub fn is_complete(&self) -> bool {
        self.first_unanswered().is_none()
    }

    /// The question a note from the card goes to: the current question if
    /// it is answered (the owner went back to it, or the audit is over),
    /// else the one before it if that is answered (the one just answered).
    pub fn note_target(&self) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        if self.is_answered(self.cursor) {
            return Some(self.cursor);
        }
        let previous = self.cursor.checked_sub(1)?;
        self.is_answered(previous).then_some(previous)
    }

    /// What the current question waits for; `None` once the audit is closed.
    pub fn step(&self) -> Option<Step> {
        if self.status != Status::InProgress {
            return None;
        }
        Some(match self.response(self.cursor) {
            Some(r) if !r.is_complete() => Step::Priority {
                required: r.answer == Answer::No,
            },
            _ => Step::Answer,
        })
    }

    pub fn progress(&self) -> Progress {
        let mut sections = vec![
            Count {
                answered: 0,
                total: 0
            };
            self.questions.section_count()
        ];
        for (i, &s) in self.questions.sections().iter().enumerate() {
            sections[s].total += 1;
            if self.is_answered(i) {
                sections[s].answered += 1;
            }
        }
        Progress {
            overall: Count {
                answered: sections.iter().map(|c| c.answered).sum(),
                total: self.len(),
            },
            sections,
        }
    }

    pub fn apply(&mut self, command: Command) -> Result<Change, AuditError> {
        let step = self.step().ok_or(AuditError::Closed)?;
        let id = self.current_question_id().to_string();
        match command {
            Command::Answer(answer) => {
                let response = Response::new(answer);
                self.responses[self.cursor] = Some(response);
                if response.is_complete() {
                    self.advance();
                }
                Ok(Change {
                    response: Some((id, Some(response))),
                })
            }
            Command::Priority(priority) => {
                let Step::Priority { .. } = step else {
                    return Err(AuditError::NotAwaitingPriority);
                };
                let response = self.set_current(|r| r.priority = Some(priority));
                self.advance();
                Ok(Change {
                    response: Some((id, Some(response))),
                })
            }
            Command::SkipPriority => match step {
                Step::Answer => Err(AuditError::NotAwaitingPriority),
                Step::Priority { required: true } => Err(AuditError::PriorityRequired),
                Step::Priority { required: false } => {
                    let response = self.set_current(|r| r.priority_skipped = true);
                    self.advance();
                    Ok(Change {
                        response: Some((id, Some(response))),
                    })
                }
            },
            Command::Back => match step {
                // An answer still waiting for its priority was never complete:
                // going back undoes it and asks the question again.
                Step::Priority { .. } => {
                    self.responses[self.cursor] = None;
                    Ok(Change {
                        response: Some((id, None)),
                    })
                }
                Step::Answer if self.cursor == 0 => Err(AuditError::AtFirstQuestion),
                Step::Answer => {
                    self.cursor -= 1;
                    Ok(Change { response: None })
                }
            },
            Command::JumpToUnanswered => {
                let target = self
                    .first_unanswered()
                    .ok_or(AuditError::NothingUnanswered)?;
                self.cursor = target;
                Ok(Change { response: None })
            }
            Command::Finish => match self.first_unanswered() {
                Some(i) => Err(AuditError::Incomplete(i)),
                None => {
                    self.status = Status::Finished;
                    Ok(Change { response: None })
                }
            },
            Command::Abandon => {
                self.status = Status::Abandoned;
                Ok(Change { response: None })
            }
        }
    }

    fn set_current(&mut self, edit: impl FnOnce(&mut Response)) -> Response {
        let response = self.responses[self.cursor].get_or_insert(Response::new(Answer::No));
        edit(response);
        *response
    }

    /// After the current question is complete: the next question, or, after
    /// the last one, the audit ends if nothing is left unanswered.
    fn advance(&mut self) {
        if self.cursor + 1 < self.len() {
            self.cursor += 1;
        } else {
            match self.first_unanswered() {
                Some(i) => self.cursor = i,
                None => self.status = Status::Finished,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::tests::small;

    fn fresh() -> Audit {
        Audit::new(&small())
    }

    fn run(audit: &mut Audit, commands: &[Command]) {
        for &c in commands {
            audit.apply(c).unwrap_or_else(|e| panic!("{c:?}: {e}"));
        }
    }

    use Answer::*;
    use Command as C;

    #[test]
    fn yes_records_and_moves_to_the_next_question() {
        let mut a = fresh();
        let change = a.apply(C::Answer(Yes)).expect("ok");
        assert_eq!(
            change.response,
            Some(("a.one".into(), Some(Response::new(Yes))))
        );
        assert_eq!(a.cursor(), 1);
        assert_eq!(a.step(), Some(Step::Answer));
    }

    #[test]
    fn no_requires_a_priority_before_moving_on() {
        let mut a = fresh();
        a.apply(C::Answer(No)).expect("ok");
        assert_eq!(a.cursor(), 0);
        assert_eq!(a.step(), Some(Step::Priority { required: true }));
        assert_eq!(a.apply(C::SkipPriority), Err(AuditError::PriorityRequired));
        assert_eq!(a.apply(C::Finish), Err(AuditError::Incomplete(0)));
        assert_eq!(a.cursor(), 0);
        a.apply(C::Priority(Priority::High)).expect("ok");
        assert_eq!(a.cursor(), 1);
        assert_eq!(
            a.response(0),
            Some(&Response {
                answer: No,
                priority: Some(Priority::High),
                priority_skipped: false
            })
        );
    }

    #[test]
    fn not_applicable_lets_the_priority_be_skipped_or_set() {
        let mut a = fresh();
        a.apply(C::Answer(NotApplicable)).expect("ok");
        assert_eq!(a.step(), Some(Step::Priority { required: false }));
        a.apply(C::SkipPriority).expect("ok");
        assert_eq!(a.cursor(), 1);
        assert!(a
            .response(0)
            .is_some_and(|r| r.priority_skipped && r.priority.is_none()));
        a.apply(C::Answer(NotApplicable)).expect("ok");
        a.apply(C::Priority(Priority::Low)).expect("ok");
        assert_eq!(a.response(1).and_then(|r| r.priority), Some(Priority::Low));
    }

    #[test]
    fn a_priority_is_refused_when_the_question_waits_for_an_answer() {
        let mut a = fresh();
        assert_eq!(
            a.apply(C::Priority(Priority::Low)),
            Err(AuditError::NotAwaitingPriority)
        );
        assert_eq!(
            a.apply(C::SkipPriority),
            Err(AuditError::NotAwaitingPriority)
        );
        assert_eq!(a, fresh());
    }

    #[test]
    fn back_from_the_first_question_is_refused() {
        let mut a = fresh();
        assert_eq!(a.apply(C::Back), Err(AuditError::AtFirstQuestion));
        assert_eq!(a, fresh());
    }

    #[test]
    fn back_goes_to_the_previous_question_keeping_its_answer() {
        let mut a = fresh();
        run(&mut a, &[C::Answer(Yes), C::Back]);
        assert_eq!(a.cursor(), 0);
        assert_eq!(a.step(), Some(Step::Answer));
        assert_eq!(a.response(0).map(|r| r.answer), Some(Yes));
    }

    #[test]
    fn back_while_rating_undoes_the_unrated_answer() {
        let mut a = fresh();
        run(&mut a, &[C::Answer(Yes), C::Answer(No)]);
        let change = a.apply(C::Back).expect("ok");
        assert_eq!(change.response, Some(("a.two".into(), None)));
        assert_eq!(a.cursor(), 1);
        assert_eq!(a.response(1), None);
        assert_eq!(a.step(), Some(Step::Answer));
    }

    #[test]
    fn changing_no_to_yes_clears_the_priority() {
        let mut a = fresh();
        run(
            &mut a,
            &[
                C::Answer(No),
                C::Priority(Priority::High),
                C::Back,
                C::Answer(Yes),
            ],
        );
        assert_eq!(a.response(0), Some(&Response::new(Yes)));
        assert_eq!(a.cursor(), 1);
    }

    #[test]
    fn the_last_complete_answer_finishes_the_audit() {
        let mut a = fresh();
        run(&mut a, &[C::Answer(Yes), C::Answer(Yes), C::Answer(No)]);
        assert_eq!(a.status(), Status::InProgress);
        a.apply(C::Priority(Priority::Medium)).expect("ok");
        assert_eq!(a.status(), Status::Finished);
        assert_eq!(a.step(), None);
    }

    #[test]
    fn answering_after_finish_or_abandon_is_refused() {
        let mut a = fresh();
        run(&mut a, &[C::Answer(Yes), C::Answer(Yes), C::Answer(Yes)]);
        let finished = a.clone();
        for c in [
            C::Answer(No),
            C::Back,
            C::Finish,
            C::Abandon,
            C::JumpToUnanswered,
        ] {
            assert_eq!(a.apply(c), Err(AuditError::Closed), "{c:?}");
        }
        assert_eq!(a, finished);
        let mut b = fresh();
        b.apply(C::Abandon).expect("ok");
        assert_eq!(b.status(), Status::Abandoned);
        assert_eq!(b.apply(C::Answer(Yes)), Err(AuditError::Closed));
    }

    #[test]
    fn a_note_goes_to_the_question_just_answered_or_the_one_gone_back_to() {
        let mut audit = fresh();
        assert_eq!(audit.note_target(), None);
        audit.apply(Command::Answer(Answer::Yes)).unwrap();
        assert_eq!(audit.note_target(), Some(0));
        audit.apply(Command::Answer(Answer::No)).unwrap();
        // Rating is not finished: the note still goes to the first one.
        assert_eq!(audit.note_target(), Some(0));
        audit.apply(Command::Priority(Priority::High)).unwrap();
        assert_eq!(audit.note_target(), Some(1));
        audit.apply(Command::Back).unwrap();
        assert_eq!(audit.note_target(), Some(1));
        audit.apply(Command::Back).unwrap();
        assert_eq!(audit.note_target(), Some(0));
    }

    #[test]
    fn jump_goes_to_the_first_unanswered_question() {
        let mut a = fresh();
        run(&mut a, &[C::Answer(Yes), C::Answer(Yes), C::Back, C::Back]);
        assert_eq!(a.cursor(), 0);
        a.apply(C::JumpToUnanswered).expect("ok");
        assert_eq!(a.cursor(), 2);
    }

    #[test]
    fn finish_needs_every_question_answered() {
        let mut a = fresh();
        run(&mut a, &[C::Answer(Yes)]);
        assert_eq!(a.apply(C::Finish), Err(AuditError::Incomplete(1)));
        let restored = Audit::restore(
            &small(),
            ["a.one", "a.two", "b.three"]
                .map(|q| (q.to_string(), Response::new(Yes)))
                .to_vec(),
            Some("a.one"),
            Status::InProgress,
        );
        let mut r = restored;
        assert_eq!(
            r.apply(C::JumpToUnanswered),
            Err(AuditError::NothingUnanswered)
        );
        r.apply(C::Finish).expect("complete");
        assert_eq!(r.status(), Status::Finished);
    }

    #[test]
    fn progress_counts_complete_answers_per_section() {
        let mut a = fresh();
        run(&mut a, &[C::Answer(Yes), C::Answer(No)]);
        let p = a.progress();
        assert_eq!(
            p.overall,
            Count {
                answered: 1,
                total: 3
            }
        );
        assert_eq!(
            p.sections,
            vec![
                Count {
                    answered: 1,
                    total: 2
                },
                Count {
                    answered: 0,
                    total: 1
                }
            ]
        );
    }

    #[test]
    fn restore_resumes_at_the_stored_question_and_survives_checklist_edits() {
        let responses = vec![
            ("a.one".to_string(), Response::new(Yes)),
            ("removed.question".to_string(), Response::new(No)),
        ];
        let a = Audit::restore(
            &small(),
            responses.clone(),
            Some("a.two"),
            Status::InProgress,
        );
        assert_eq!(a.cursor(), 1);
        assert_eq!(a.progress().overall.answered, 1);
        let b = Audit::restore(
            &small(),
            responses,
            Some("removed.question"),
            Status::InProgress,
        );
        assert_eq!(
            b.cursor(),
            1,
            "a cursor on a removed question goes to the first unanswered"
        );
    }

    #[test]
    fn restore_puts_each_response_on_its_own_question_in_any_order() {
        // The shipped checklist's ids sort otherwise than they are asked
        // ("quality.matches_description" before "quality.known_pains").
        // Storage returns responses in any order: SQLite by id (the key of
        // the answers), PostgreSQL as it finds them.
        let checklist = crate::export::fixtures::shipped();
        let ids: Vec<String> = checklist.questions().map(|(_, q)| q.id.clone()).collect();
        let answer = |i: usize| Response::new(Answer::ALL[i % 3]);
        let given: Vec<(String, Response)> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 4 != 1)
            .map(|(i, id)| (id.clone(), answer(i)))
            .collect();
        // Responses to questions no longer in the checklist: one that
        // sorts among the others, one after them all.
        let gone = ["quality.gone", "zzz.gone"].map(|id| (id.to_string(), Response::new(No)));
        let mut by_id = given.clone();
        by_id.extend(gone.clone());
        by_id.sort_by(|a, b| a.0.cmp(&b.0));
        let mut reversed = given.clone();
        reversed.reverse();
        reversed.insert(3, gone[0].clone());
        let mut shuffled = by_id.clone();
        let n = shuffled.len();
        for i in 0..n {
            shuffled.swap(i, (i * 17 + 5) % n);
        }

        for (order, responses) in [
            ("by id", by_id),
            ("as asked", given),
            ("reversed", reversed),
            ("shuffled", shuffled),
        ] {
            let audit = Audit::restore(&checklist, responses, None, Status::InProgress);

            for (i, id) in ids.iter().enumerate() {
                let expected = (i % 4 != 1).then(|| answer(i));
                assert_eq!(
                    audit.response(i).copied(),
                    expected,
                    "{order}: question {i}, {id}"
                );
                assert_eq!(audit.response_to(id).copied(), expected, "{order}: {id}");
            }
            assert_eq!(audit.response_to("quality.gone"), None, "{order}");
            assert_eq!(audit.cursor(), 1, "{order}: the first unanswered");
            assert_eq!(
                audit.progress().overall.answered,
                (0..ids.len())
                    .filter(|&i| i % 4 != 1 && answer(i).is_complete())
                    .count(),
                "{order}"
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        for a in Answer::ALL {
            assert_eq!(Answer::from_code(a.code()), Some(a));
        }
        for p in Priority::DESCENDING {
            assert_eq!(Priority::from_code(p.code()), Some(p));
        }
        for s in [Status::InProgress, Status::Finished, Status::Abandoned] {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        assert_eq!(Answer::from_code("maybe"), None);
    }
}
