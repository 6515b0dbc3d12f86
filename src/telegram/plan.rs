//! The dialogues that wait for typed text — notes on answers and the action
//! plan — and the report files. What the bot waits for is stored (a restart
//! keeps it); a press on a prompt that no longer waits changes nothing.

use chrono::NaiveDate;
use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardMarkup, MessageId, User};

use super::api::{self, strip_buttons, Api};
use super::callback::PlanAction;
use super::handlers::{refusal, replace_message, send_card, send_html, send_with_keyboard};
use super::plan_view::{self, Typed};
use super::{HandlerError, HandlerResult};
use crate::domain::audit::Status;
use crate::domain::plan::{self as rules, PlanEntry};
use crate::export::{file_name, report_csv, report_pdf, ChartLabels, ExportLabels, ReportInput};
use crate::i18n::{n, s, Locale};
use crate::service::{PlanInput, PlanStep, Service, ServiceError, Session};
use crate::storage::{Awaiting, Card, Pending};

/// The day deadlines count from: the server's calendar day.
pub(super) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The name the report files carry for a Telegram user.
fn display_name(user: &User) -> String {
    user.full_name()
}

/// The question number (1-based) of a question id in a session's checklist.
fn question_number(session: &Session, question_id: &str) -> i64 {
    session
        .checklist
        .original()
        .position_of(question_id)
        .map(|p| p.index as i64 + 1)
        .unwrap_or(0)
}

/// Sends a prompt (or edits the pressed message into it) and remembers it
/// as the message whose buttons go when the answer comes.
async fn show_prompt<B: Api>(
    bot: &B,
    service: &Service,
    pending: Pending,
    (text, keyboard): (String, InlineKeyboardMarkup),
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
) -> HandlerResult {
    if let Some((chat, message)) = pressed {
        if api::edit_with_keyboard(bot, chat, message, &text, &keyboard)
            .await
            .is_ok()
        {
            let card = Card {
                chat_id: chat.0,
                message_id: message.0,
            };
            service.set_prompt(pending, card).await?;
            return Ok(());
        }
    }
    let sent = send_with_keyboard(bot, chat, (text, keyboard)).await?;
    let card = Card {
        chat_id: chat.0,
        message_id: sent.id.0,
    };
    // Asked again in a new message (/plan): one live prompt, like one card.
    let previous = pending.prompt.filter(|old| *old != card);
    service.set_prompt(pending, card).await?;
    if let Some(old) = previous {
        strip_buttons(bot, ChatId(old.chat_id), MessageId(old.message_id)).await;
    }
    Ok(())
}

/// The prompt of a plan step that asks about an item.
fn ask_prompt(
    i18n: &Locale,
    pending: &Pending,
    entry: &PlanEntry,
    total: usize,
) -> (String, InlineKeyboardMarkup) {
    let audit_id = pending.audit_id;
    match pending.awaiting {
        Awaiting::Deadline { .. } => {
            plan_view::deadline_prompt(i18n, audit_id, entry, total, pending.walk, today())
        }
        Awaiting::Solution { .. } => plan_view::solution_prompt(i18n, audit_id, entry, total),
        _ => plan_view::owner_prompt(i18n, audit_id, entry, total, pending.walk),
    }
}

/// Shows where the plan dialogue went: the next question, the offer of
/// the «Высокий» problems, or — at the end of a walk — the plan and the
/// report files. `lead` goes above the first prompt.
#[allow(clippy::too_many_arguments)]
async fn show_step<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    user: &User,
    step: PlanStep,
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
    lead: Option<String>,
) -> HandlerResult {
    let with_lead = |(text, keyboard): (String, InlineKeyboardMarkup)| match &lead {
        Some(lead) => (format!("{lead}\n\n{text}"), keyboard),
        None => (text, keyboard),
    };
    match step {
        PlanStep::Ask { pending, entry } => {
            // The item in the reader's language, as the plan has it now.
            let session = service.session(pending.audit_id).await?;
            let plan = service.plan(&session, i18n.lang()).await?;
            let entry = plan
                .iter()
                .find(|e| e.position == entry.position)
                .cloned()
                .unwrap_or(entry);
            let prompt = with_lead(ask_prompt(i18n, &pending, &entry, plan.len()));
            show_prompt(bot, service, pending, prompt, pressed, chat).await
        }
        PlanStep::OfferHigh { pending, count } => {
            let prompt = with_lead(plan_view::offer_high(i18n, pending.audit_id, count));
            show_prompt(bot, service, pending, prompt, pressed, chat).await
        }
        PlanStep::Done { audit_id, walked } => {
            if let Some((chat, message)) = pressed {
                strip_buttons(bot, chat, message).await;
            }
            let session = service.session(audit_id).await?;
            send_plan(bot, service, i18n, &session, chat, !walked).await?;
            if walked {
                send_report_files(bot, service, i18n, &session, &display_name(user), chat).await?;
            }
            Ok(())
        }
    }
}

/// The plan as a message; with `buttons`, to change items or mark them
/// done.
async fn send_plan<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    session: &Session,
    chat: ChatId,
    buttons: bool,
) -> HandlerResult {
    let plan = service.plan(session, i18n.lang()).await?;
    let text = plan_view::plan_message(i18n, session, &plan, today());
    let keyboard = plan_view::plan_keyboard(i18n, session.record.id, &plan, today());
    let parts = super::render::split_message(&text, super::render::MAX_MESSAGE_CHARS);
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.into_iter().enumerate() {
        if i == last && buttons && !plan.is_empty() {
            send_with_keyboard(bot, chat, (part, keyboard.clone())).await?;
        } else {
            send_html(bot, chat, part).await?;
        }
    }
    Ok(())
}

/// After the last answer: the walk through the plan starts, or, with no
/// problem to plan for, the report files come at once.
pub(super) async fn after_finish<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    user: &User,
    session: &Session,
    chat: ChatId,
) -> HandlerResult {
    match service
        .begin_plan(user.id.0 as i64, session.record.id)
        .await?
    {
        PlanStep::Done { .. } => {
            send_report_files(bot, service, i18n, session, &display_name(user), chat).await
        }
        step => {
            let lead = Some(i18n.t("plan-intro"));
            show_step(bot, service, i18n, user, step, None, chat, lead).await
        }
    }
}

/// /plan: the plan of the latest finished audit with buttons; the walk
/// where it stands if one is under way; the walk from the start if there is
/// no plan yet.
pub(super) async fn plan_command<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    user: &User,
    chat: ChatId,
) -> HandlerResult {
    let user_id = user.id.0 as i64;
    let Some(session) = service.latest_finished(user_id).await? else {
        let key = if service.open(user_id).await?.is_some() {
            "plan-need-finished"
        } else {
            "plan-no-audit"
        };
        send_html(bot, chat, i18n.t(key)).await?;
        return Ok(());
    };
    let audit_id = session.record.id;
    if let Some(step) = service.current_plan_step(user_id, audit_id).await? {
        return show_step(bot, service, i18n, user, step, None, chat, None).await;
    }
    if !service.has_plan(audit_id).await? {
        let step = service.begin_plan(user_id, audit_id).await?;
        if !matches!(step, PlanStep::Done { .. }) {
            return show_step(bot, service, i18n, user, step, None, chat, None).await;
        }
    }
    send_plan(bot, service, i18n, &session, chat, true).await
}

/// /report: the PDF and CSV of the latest finished audit.
pub(super) async fn report_command<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    user: &User,
    chat: ChatId,
) -> HandlerResult {
    match service.latest_finished(user.id.0 as i64).await? {
        Some(session) => {
            send_report_files(bot, service, i18n, &session, &display_name(user), chat).await
        }
        None => {
            send_html(bot, chat, i18n.t("report-none")).await?;
            Ok(())
        }
    }
}

/// Builds the PDF (with the chart) and the CSV off the async workers and
/// sends both as documents. A failure to build says so to the user.
pub(super) async fn send_report_files<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    session: &Session,
    user_name: &str,
    chat: ChatId,
) -> HandlerResult {
    let _slot = api::files_slot().await;
    let lang = i18n.lang();
    let plan: Vec<_> = service
        .plan(session, lang)
        .await?
        .into_iter()
        .map(|e| e.item)
        .collect();
    let finished_at = session
        .record
        .finished_at
        .unwrap_or(session.record.updated_at);
    let date = super::render::local_day(finished_at).unwrap_or_else(today);
    let labels = ExportLabels::new(i18n);
    let chart_labels = ChartLabels::new(i18n);
    let names = (
        file_name(&labels, date, "pdf"),
        file_name(&labels, date, "csv"),
    );
    let (checklist, audit, notes) = (
        session.checklist.get(lang).clone(),
        session.audit.clone(),
        session.notes.clone(),
    );
    let user_name = user_name.to_string();
    let audit_id = session.record.id;
    let next_step = service
        .operator()
        .call_to_action(lang)
        .map(|cta| (cta.text.clone(), cta.url.to_string()));
    let built = api::render(move || {
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: &user_name,
            date,
            notes: &notes,
            plan: &plan,
            next_step: next_step.as_ref().map(|(t, u)| (t.as_str(), u.as_str())),
        };
        let pdf = report_pdf(&input, &labels, Some(&chart_labels))?;
        let csv = report_csv(&input, &labels)?;
        Ok::<_, crate::export::ExportError>((pdf, csv))
    })
    .await?;
    let (pdf, csv) = match built {
        Ok(files) => files,
        Err(e) => {
            log::error!("building the report of audit {audit_id} failed: {e}");
            send_html(bot, chat, i18n.t("report-failed")).await?;
            return Ok(());
        }
    };
    api::send_document(bot, chat, pdf, &names.0, &i18n.t("report-caption-pdf")).await?;
    api::send_document(bot, chat, csv, &names.1, &i18n.t("report-caption-csv")).await?;
    Ok(())
}

/// A message while the bot waits for typed text: the note, the owner, the
/// deadline or the solution — or a clear re-ask, with nothing changed.
pub(super) async fn on_pending_text<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    msg: &Message,
    user: &User,
    pending: Pending,
) -> Result<TextTaken, HandlerError> {
    let chat = msg.chat.id;
    let text = msg.text().unwrap_or_default();
    if text.starts_with('/') && !msg.chat.is_private() {
        return Ok(TextTaken::Handled);
    }
    if text.starts_with('/') {
        // An unknown command is not an answer: the prompt stays as it is.
        send_html(bot, chat, i18n.t("pending-not-a-command")).await?;
        return Ok(TextTaken::Handled);
    }
    let retry = |text: String| async move {
        send_html(bot, chat, text).await?;
        Ok(TextTaken::Handled)
    };
    let input = match &pending.awaiting {
        Awaiting::Note { .. } => {
            return match rules::parse_note(text) {
                Err(e) => retry(plan_view::text_refusal(i18n, Typed::Note, e)).await,
                Ok(note) => {
                    save_note(bot, service, i18n, pending.clone(), Some(&note), None, chat).await
                }
            };
        }
        Awaiting::MoreHigh => return retry(i18n.t("plan-press-button")).await,
        Awaiting::Blocker { .. } => {
            return super::reminders::blocker_text(bot, service, i18n, pending, text, chat).await;
        }
        Awaiting::Owner { .. } => match rules::parse_owner(text) {
            Ok(owner) => PlanInput::Owner(Some(owner)),
            Err(e) => return retry(plan_view::text_refusal(i18n, Typed::Owner, e)).await,
        },
        Awaiting::Solution { .. } => match rules::parse_solution(text) {
            Ok(solution) => PlanInput::Solution(solution),
            Err(e) => return retry(plan_view::text_refusal(i18n, Typed::Solution, e)).await,
        },
        Awaiting::Deadline { .. } => match rules::parse_deadline(text, today()) {
            Ok(date) => PlanInput::Deadline(Some(date)),
            Err(e) => return retry(plan_view::date_refusal(i18n, e, text, today())).await,
        },
    };
    let position = match pending.awaiting {
        Awaiting::Owner { position }
        | Awaiting::Deadline { position }
        | Awaiting::Solution { position } => position,
        _ => return Ok(TextTaken::Handled),
    };
    let step = match service
        .plan_input(pending.user_id, pending.audit_id, position, input)
        .await
    {
        Ok(step) => step,
        Err(ServiceError::Stale) if awaits_other(service, &pending).await? => {
            return Ok(TextTaken::NotAwaited);
        }
        Err(e @ (ServiceError::Stale | ServiceError::NotYours | ServiceError::NoAudit)) => {
            return retry(refusal(i18n, &e)).await;
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(prompt) = pending.prompt {
        strip_buttons(bot, ChatId(prompt.chat_id), MessageId(prompt.message_id)).await;
    }
    show_step(bot, service, i18n, user, step, None, chat, None).await?;
    Ok(TextTaken::Handled)
}

/// What became of an answer to what the bot waited for: a text, or
/// «🗑 Удалить заметку» on a note prompt.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TextTaken {
    /// Taken as the answer, or refused with a reason the user was told.
    Handled,
    /// What it was taken as the answer to had been answered meanwhile (the
    /// user's texts reached two instances at once): nothing was written or
    /// sent; a text is to be read again against what the bot waits for
    /// now.
    NotAwaited,
}

/// Whether the bot now waits for something else from `pending`'s user
/// than `pending` (or for nothing): a refused answer to it was too late,
/// not wrong.
pub(super) async fn awaits_other(
    service: &Service,
    pending: &Pending,
) -> Result<bool, HandlerError> {
    let now = service.pending(pending.user_id).await?;
    Ok(now.as_ref().map(|p| (p.audit_id, &p.awaiting, p.walk))
        != Some((pending.audit_id, &pending.awaiting, pending.walk)))
}

/// Writes or deletes the note the user was asked for, says so, and — during
/// the audit — brings the card back under the thumb.
async fn save_note<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    pending: Pending,
    note: Option<&str>,
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
) -> Result<TextTaken, HandlerError> {
    let prompt = pending.prompt;
    let result = service.finish_note(&pending, note).await;
    let (text, session) = match result {
        Err(ServiceError::Stale) => return Ok(TextTaken::NotAwaited),
        Ok((session, question_id)) => {
            let number = n("number", question_number(&session, &question_id));
            let key = if note.is_some() {
                "note-saved"
            } else {
                "note-deleted"
            };
            (i18n.t_args(key, &[number]), Some(session))
        }
        Err(ServiceError::AnswerGone) => {
            let number = match &pending.awaiting {
                Awaiting::Note { question_id } => service
                    .session(pending.audit_id)
                    .await
                    .map(|s| question_number(&s, question_id))
                    .unwrap_or(0),
                _ => 0,
            };
            (
                i18n.t_args("note-answer-gone", &[n("number", number)]),
                None,
            )
        }
        Err(e) => return Err(e.into()),
    };
    match pressed {
        Some(_) => replace_message(bot, pressed, chat, text).await?,
        None => {
            if let Some(prompt) = prompt {
                strip_buttons(bot, ChatId(prompt.chat_id), MessageId(prompt.message_id)).await;
            }
            send_html(bot, chat, text).await?;
        }
    }
    if let Some(session) = session.filter(|s| s.record.status == Status::InProgress) {
        send_card(bot, service, i18n, &session, chat).await?;
    }
    Ok(TextTaken::Handled)
}

/// Draws the prompt the bot waits on again, in place, in the language of
/// `i18n` (after /language). A prompt that can't be edited is sent anew.
pub(super) async fn redraw_prompt<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    user: &User,
    pending: Pending,
) -> HandlerResult {
    let Some(prompt) = pending.prompt else {
        return Ok(());
    };
    let (chat, message) = (ChatId(prompt.chat_id), MessageId(prompt.message_id));
    if let Awaiting::Note { question_id } = &pending.awaiting {
        let session = service.session(pending.audit_id).await?;
        let Some(position) = session.checklist.original().position_of(question_id) else {
            return Ok(());
        };
        let (text, keyboard) = plan_view::note_prompt(i18n, &session, position.index, question_id);
        if let Err(e) = api::edit_with_keyboard(bot, chat, message, &text, &keyboard).await {
            log::info!("the note prompt was not redrawn: {e}");
        }
        return Ok(());
    }
    if let Some(step) = service
        .current_plan_step(pending.user_id, pending.audit_id)
        .await?
    {
        show_step(
            bot,
            service,
            i18n,
            user,
            step,
            Some((chat, message)),
            chat,
            None,
        )
        .await?;
    }
    Ok(())
}

/// «📝 Заметка» on a card.
pub(super) async fn note_pressed<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    q: &CallbackQuery,
    audit_id: i64,
    revision: i64,
    chat: ChatId,
) -> HandlerResult {
    let user_id = q.from.id.0 as i64;
    let prompt = match service.begin_note(user_id, audit_id, revision).await {
        Ok(prompt) => prompt,
        Err(e) => {
            let text = match e {
                ServiceError::NothingToNote => i18n.t("notice-nothing-to-note"),
                ServiceError::PlanUnderway => i18n.t("notice-plan-underway"),
                e => refusal(i18n, &e),
            };
            api::answer(bot, q, Some(&text)).await?;
            return Ok(());
        }
    };
    api::answer(bot, q, Some(&i18n.t("ack-note-prompt"))).await?;
    let view = plan_view::note_prompt(i18n, &prompt.session, prompt.index, &prompt.question_id);
    show_prompt(bot, service, prompt.pending, view, None, chat).await?;
    if let Some(old) = prompt.replaces {
        strip_buttons(bot, ChatId(old.chat_id), MessageId(old.message_id)).await;
    }
    Ok(())
}

/// Whether a press came from the prompt that is waiting (when both are
/// known): an older copy's buttons must not answer the question asked since.
fn is_the_prompt(pending: Option<&Pending>, pressed: Option<(ChatId, MessageId)>) -> bool {
    match (pending.and_then(|p| p.prompt), pressed) {
        (Some(prompt), Some((chat, message))) => {
            prompt.chat_id == chat.0 && prompt.message_id == message.0
        }
        _ => true,
    }
}

/// «✖️ Отмена» or «🗑 Удалить заметку» on a note prompt.
pub(super) async fn note_closed<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    q: &CallbackQuery,
    (audit_id, delete): (i64, bool),
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
) -> HandlerResult {
    let user_id = q.from.id.0 as i64;
    let pending = service.pending(user_id).await?;
    let Some(pending) = pending.filter(|p| {
        p.audit_id == audit_id
            && matches!(p.awaiting, Awaiting::Note { .. })
            && is_the_prompt(Some(p), pressed)
    }) else {
        api::answer(bot, q, Some(&i18n.t("notice-stale"))).await?;
        return Ok(());
    };
    if delete {
        // A note taken by a text at another instance meanwhile is no
        // longer awaited: the press changed nothing.
        let key = match save_note(bot, service, i18n, pending, None, pressed, chat).await? {
            TextTaken::Handled => "ack-note-deleted",
            TextTaken::NotAwaited => "notice-stale",
        };
        api::answer(bot, q, Some(&i18n.t(key))).await?;
        return Ok(());
    }
    service.clear_pending(user_id).await?;
    api::answer(bot, q, Some(&i18n.t("ack-note-cancelled"))).await?;
    replace_message(bot, pressed, chat, i18n.t("note-cancelled")).await
}

/// What a press on a plan prompt means.
fn plan_input(action: PlanAction, user: &User) -> PlanInput {
    match action {
        PlanAction::OwnerMe => PlanInput::Owner(Some(rules::owner_from_name(&user.first_name))),
        PlanAction::SkipOwner => PlanInput::Owner(None),
        PlanAction::Term(term, from) => PlanInput::Deadline(Some(term.due(from))),
        PlanAction::SkipDeadline => PlanInput::Deadline(None),
        PlanAction::EditSolution => PlanInput::EditSolution,
        PlanAction::KeepSolution => PlanInput::KeepSolution,
    }
}

/// The notice confirming a plan press.
fn plan_ack(i18n: &Locale, input: &PlanInput) -> String {
    match input {
        PlanInput::Owner(Some(owner)) => {
            let owner = rules::shorten(owner, 100);
            i18n.t_args("ack-owner", &[s("owner", owner)])
        }
        PlanInput::Owner(None) => i18n.t("ack-owner-skipped"),
        PlanInput::Deadline(Some(date)) => {
            i18n.t_args("ack-deadline", &[s("date", plan_view::day(*date))])
        }
        PlanInput::Deadline(None) => i18n.t("ack-deadline-skipped"),
        PlanInput::EditSolution => i18n.t("ack-solution-edit"),
        PlanInput::KeepSolution | PlanInput::Solution(_) => i18n.t("ack-solution-kept"),
    }
}

/// The notice for a refused plan press.
fn plan_refusal(i18n: &Locale, error: &ServiceError) -> String {
    match error {
        ServiceError::Stale | ServiceError::NoAudit => i18n.t("notice-plan-stale"),
        other => refusal(i18n, other),
    }
}

/// A press that moves the plan dialogue on.
#[derive(Debug, Clone, Copy)]
pub(super) enum PlanPress {
    /// On a prompt about an item: an owner, a deadline, the solution.
    Prompt {
        audit_id: i64,
        position: u32,
        action: PlanAction,
    },
    /// «Добавить проблемы «Высокий»?» answered.
    More { audit_id: i64, add: bool },
    /// «⏹ Закончить план»: what is filled in stays; the plan and the files
    /// come.
    Stop { audit_id: i64 },
    /// «✏️ Пункт N» under /plan: ask about that item again, in a new
    /// message below the plan.
    Edit { audit_id: i64, position: u32 },
}

/// Applies a plan press and shows where the dialogue went; a press that no
/// longer fits is refused with a notice and changes nothing.
pub(super) async fn plan_pressed<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    q: &CallbackQuery,
    press: PlanPress,
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
) -> HandlerResult {
    let user_id = q.from.id.0 as i64;
    if !matches!(press, PlanPress::Edit { .. })
        && !is_the_prompt(service.pending(user_id).await?.as_ref(), pressed)
    {
        api::answer(bot, q, Some(&i18n.t("notice-plan-stale"))).await?;
        return Ok(());
    }
    if let PlanPress::Prompt {
        audit_id,
        action: PlanAction::Term(term, from),
        ..
    } = press
    {
        if from > today() {
            // No prompt is drawn in the future: a forged press.
            api::answer(bot, q, Some(&i18n.t("notice-plan-stale"))).await?;
            return Ok(());
        }
        if term.due(from) < today() {
            // Drawn long ago: its dates have passed. Redraw it with today's.
            api::answer(bot, q, Some(&i18n.t("notice-dates-outdated"))).await?;
            if let Some(step) = service.current_plan_step(user_id, audit_id).await? {
                show_step(bot, service, i18n, &q.from, step, pressed, chat, None).await?;
            }
            return Ok(());
        }
    }
    let (result, ack, pressed) = match press {
        PlanPress::Prompt {
            audit_id,
            position,
            action,
        } => {
            let input = plan_input(action, &q.from);
            let ack = plan_ack(i18n, &input);
            let result = service.plan_input(user_id, audit_id, position, input).await;
            (result, ack, pressed)
        }
        PlanPress::More { audit_id, add } => {
            let key = if add {
                "ack-plan-more"
            } else {
                "ack-plan-done"
            };
            let result = service.plan_more(user_id, audit_id, add).await;
            (result, i18n.t(key), pressed)
        }
        PlanPress::Stop { audit_id } => {
            let result = service
                .plan_stop(user_id, audit_id)
                .await
                .map(|()| PlanStep::Done {
                    audit_id,
                    walked: true,
                });
            (result, i18n.t("ack-plan-stopped"), pressed)
        }
        PlanPress::Edit { audit_id, position } => {
            let result = service.edit_plan_item(user_id, audit_id, position).await;
            let ack = i18n.t_args("ack-plan-edit", &[n("number", position)]);
            (result, ack, None)
        }
    };
    match result {
        Ok(step) => {
            api::answer(bot, q, Some(&ack)).await?;
            show_step(bot, service, i18n, &q.from, step, pressed, chat, None).await
        }
        Err(e) => {
            api::answer(bot, q, Some(&plan_refusal(i18n, &e))).await?;
            Ok(())
        }
    }
}

/// «☑️ N выполнен» / «↩️ N не выполнен» under /plan: the plan message is
/// redrawn with the mark.
pub(super) async fn done_pressed<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    q: &CallbackQuery,
    (audit_id, position, done): (i64, u32, bool),
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
) -> HandlerResult {
    let user_id = q.from.id.0 as i64;
    if let Err(e) = service
        .set_plan_done(user_id, audit_id, position, done)
        .await
    {
        api::answer(bot, q, Some(&plan_refusal(i18n, &e))).await?;
        return Ok(());
    }
    let key = if done {
        "ack-plan-item-done"
    } else {
        "ack-plan-item-undone"
    };
    api::answer(bot, q, Some(&i18n.t(key))).await?;
    let session = service.session(audit_id).await?;
    let plan = service.plan(&session, i18n.lang()).await?;
    let text = plan_view::plan_message(i18n, &session, &plan, today());
    let keyboard = plan_view::plan_keyboard(i18n, audit_id, &plan, today());
    let fits = text.chars().count() <= super::render::MAX_MESSAGE_CHARS;
    match pressed {
        Some((chat, message)) if fits => {
            api::edit_with_keyboard(bot, chat, message, &text, &keyboard).await?;
        }
        _ => send_plan(bot, service, i18n, &session, chat, true).await?,
    }
    Ok(())
}
