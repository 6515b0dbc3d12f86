//! Endpoints of the handler tree: extract → call the service → render → send.

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, User};
use teloxide::RequestError;

use super::api::{self, strip_buttons, Api};
use super::callback::{Action, CallbackData};
use super::language;
use super::plan::{self, PlanPress};
use super::reminders;
use super::render;
use super::{Cmd, HandlerResult, Prefetched};
use crate::domain::audit::{AuditError, Change, Status};
use crate::domain::checklist::Localized;
use crate::domain::link::parse_start_payload;
use crate::domain::report::Comparison;
use crate::export::{section_chart, ChartLabels};
use crate::i18n::{n, I18n, Locale, Tr};
use crate::service::{Service, ServiceError, Session};
use crate::storage::{Card, UserInfo};

pub(super) fn user_info(user: &User) -> UserInfo {
    UserInfo {
        id: user.id.0 as i64,
        first_name: user.first_name.clone(),
        username: user.username.clone(),
    }
}

pub(super) async fn send_html<B: Api>(
    bot: &B,
    chat: ChatId,
    text: String,
) -> Result<Message, RequestError> {
    api::send_html(bot, chat, &text).await
}

pub(super) async fn send_with_keyboard<B: Api>(
    bot: &B,
    chat: ChatId,
    (text, keyboard): (String, InlineKeyboardMarkup),
) -> Result<Message, RequestError> {
    api::send_with_keyboard(bot, chat, &text, &keyboard).await
}

/// Sends the audit card as a fresh message; the previous card loses its
/// buttons so only one live card exists.
pub(super) async fn send_card<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    session: &Session,
    chat: ChatId,
) -> HandlerResult {
    let sent = send_with_keyboard(bot, chat, render::card(i18n, session)).await?;
    let card = Card {
        chat_id: chat.0,
        message_id: sent.id.0,
    };
    if let Some(old) = service.set_card(session.record.id, card).await? {
        if old != card {
            strip_buttons(bot, ChatId(old.chat_id), MessageId(old.message_id)).await;
        }
    }
    Ok(())
}

async fn send_summary<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    session: &Session,
    chat: ChatId,
) -> HandlerResult {
    let previous = if session.audit.status() == Status::Finished {
        service.previous(session).await?
    } else {
        None
    };
    let lang = i18n.lang();
    let comparison = previous.as_ref().map(|p| {
        (
            Comparison::new(session.texts(lang), &p.audit, &session.audit),
            p,
        )
    });
    let earlier = comparison.as_ref().map(|(comparison, p)| render::Earlier {
        comparison,
        finished_at: p.record.finished_at.unwrap_or(p.record.updated_at),
    });
    let plan = if session.audit.status() == Status::Finished {
        service.plan(session, lang).await?
    } else {
        Vec::new()
    };
    let text = render::session_summary(i18n, session, &plan, earlier);
    let parts = render::split_message(&text, render::MAX_MESSAGE_CHARS);
    // The operator's next step, under the final summary's last message.
    let cta = service
        .operator()
        .call_to_action(lang)
        .filter(|_| session.audit.status() == Status::Finished);
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.into_iter().enumerate() {
        match cta {
            Some(cta) if i == last => {
                let button = InlineKeyboardButton::url(cta.text.clone(), cta.url.clone());
                let keyboard = InlineKeyboardMarkup::new([[button]]);
                send_with_keyboard(bot, chat, (part, keyboard)).await?;
            }
            _ => {
                send_html(bot, chat, part).await?;
            }
        }
    }
    if session.audit.status() == Status::Finished {
        // The picture is a bonus to the text: its failure is logged, not
        // shown as an error.
        if let Err(e) = send_chart(bot, i18n, session, chat).await {
            log::warn!(
                "could not send the chart of audit {}: {e:#}",
                session.record.id
            );
        }
    }
    Ok(())
}

/// The section scores as a bar chart photo.
async fn send_chart<B: Api>(
    bot: &B,
    i18n: &Locale,
    session: &Session,
    chat: ChatId,
) -> HandlerResult {
    let _slot = api::files_slot().await;
    let report = session.report(i18n.lang());
    let labels = ChartLabels::new(i18n);
    let png = api::render(move || section_chart(&report, &labels)).await??;
    api::send_png(bot, chat, png, "chart.png", &i18n.t("chart-caption")).await?;
    Ok(())
}

async fn send_start<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    user: &User,
    chat: ChatId,
) -> HandlerResult {
    let checklists = service.checklists();
    let text = match checklists {
        [] => {
            return send_html(bot, chat, i18n.t("start-no-checklists"))
                .await
                .map(drop)
                .map_err(Into::into)
        }
        [only] => render::greeting(i18n, &user.first_name, only.get(i18n.lang())),
        _ => render::choose(i18n, &user.first_name, checklists),
    };
    send_with_keyboard(
        bot,
        chat,
        (
            text,
            render::start_keyboard(i18n, checklists, user.id.0 as i64),
        ),
    )
    .await?;
    Ok(())
}

/// The checklist a deep link names (`t.me/<bot>?start=<checklist
/// id>[-<source>]`) and its source, if the payload is well-formed and the
/// checklist is loaded.
fn linked_checklist<'a>(
    service: &'a Service,
    payload: &str,
) -> Option<(&'a Arc<Localized>, Option<String>)> {
    let link = parse_start_payload(payload.trim())?;
    Some((service.checklist(&link.checklist)?, link.source))
}

/// The first card of a new audit; with `greet`, the checklist's greeting
/// (its intro and legend) comes first.
async fn show_new_audit<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    first_name: &str,
    session: &Session,
    chat: ChatId,
    greet: bool,
) -> HandlerResult {
    if greet {
        let greeting = render::greeting(i18n, first_name, session.texts(i18n.lang()));
        send_html(bot, chat, greeting).await?;
    }
    send_card(bot, service, i18n, session, chat).await
}

async fn handle_command<B: Api>(
    bot: &B,
    msg: &Message,
    cmd: Cmd,
    service: &Service,
    i18n: &Tr,
) -> HandlerResult {
    let Some(user) = msg.from.as_ref().filter(|u| !u.is_bot) else {
        return Ok(());
    };
    let chat = msg.chat.id;
    let info = user_info(user);
    if matches!(cmd, Cmd::Start(_) | Cmd::Continue | Cmd::Restart) {
        // Back to the audit: the bot stops waiting for a note or a plan
        // answer, so the next text is not taken for one.
        service.clear_pending(info.id).await?;
    }
    let open = service.open(info.id).await;
    let open = match open {
        Ok(open) => open,
        Err(ServiceError::UnknownChecklist(id)) => {
            log::warn!(
                "audit of user {} refers to checklist {id}, which is not loaded",
                info.id
            );
            send_html(bot, chat, i18n.t("checklist-gone")).await?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let linked = match &cmd {
        Cmd::Start(payload) => linked_checklist(service, payload),
        _ => None,
    };
    match (cmd, open) {
        (Cmd::Start(_), Some(session)) => {
            let other = linked
                .map(|(c, _)| c)
                .filter(|c| c.id() != session.record.checklist_id);
            let view = render::in_progress(i18n, &session, other.map(|c| c.as_ref()));
            send_with_keyboard(bot, chat, view).await?;
        }
        (Cmd::Start(_), None) => match linked {
            Some((checklist, source)) => {
                let (id, source) = (checklist.id(), source.as_deref());
                let session = service
                    .start_from(&info, i18n.lang(), chat.0, id, source)
                    .await?;
                show_new_audit(bot, service, i18n, &user.first_name, &session, chat, true).await?;
            }
            None => send_start(bot, service, i18n, user, chat).await?,
        },
        (Cmd::Restart, None) => send_start(bot, service, i18n, user, chat).await?,
        (Cmd::Restart, Some(session)) => {
            send_with_keyboard(bot, chat, render::restart_confirm(i18n, &session, None)).await?;
        }
        (Cmd::Continue, Some(session)) => send_card(bot, service, i18n, &session, chat).await?,
        (Cmd::Progress, Some(session)) => {
            send_html(bot, chat, render::progress(i18n, &session)).await?;
        }
        (Cmd::Continue | Cmd::Progress, None) => {
            send_html(bot, chat, i18n.t("no-audit")).await?;
        }
        (Cmd::Summary, open) => {
            let latest = match open {
                Some(session) => Some(session),
                None => service.latest(info.id).await?,
            };
            match latest {
                Some(session) => send_summary(bot, service, i18n, &session, chat).await?,
                None => {
                    send_html(bot, chat, i18n.t("no-audit")).await?;
                }
            }
        }
        (Cmd::History, _) => {
            let sessions = service.history(info.id).await?;
            let text = render::history(i18n, &sessions);
            for part in render::split_message(&text, render::MAX_MESSAGE_CHARS) {
                send_html(bot, chat, part).await?;
            }
        }
        (Cmd::Plan, _) => plan::plan_command(bot, service, i18n, user, chat).await?,
        (Cmd::Report, _) => plan::report_command(bot, service, i18n, user, chat).await?,
        (Cmd::Language, _) => language::show(bot, i18n, info.id, chat).await?,
        (Cmd::Settings, _) => reminders::show_settings(bot, service, i18n, info.id, chat).await?,
        (Cmd::DeleteMyData, _) => {
            send_with_keyboard(bot, chat, render::delete_confirm(i18n, info.id)).await?;
        }
        (Cmd::Help, open) => {
            let checklist = open
                .map(|s| s.checklist)
                .or_else(|| service.checklists().first().cloned());
            match checklist {
                Some(checklist) => {
                    let texts = checklist.get(i18n.lang());
                    send_html(bot, chat, render::help(i18n, texts)).await?
                }
                None => send_html(bot, chat, i18n.t("start-no-checklists")).await?,
            };
        }
    }
    Ok(())
}

/// How many times a text is read against what the bot waits for, at most
/// (see [`on_message`]).
const READ_AGAIN: usize = 3;

/// Any other message: in a private chat during an audit, the card comes
/// again as a fresh message (the user may be on another device, or the card
/// scrolled away); otherwise a hint. Groups only hear commands.
pub(super) async fn on_message<B: Api>(
    bot: B,
    msg: Message,
    service: Arc<Service>,
    i18n: Tr,
) -> HandlerResult {
    let Some(user) = msg.from.as_ref().filter(|u| !u.is_bot) else {
        return Ok(());
    };
    // A question the bot asked this user is answered in the chat it was
    // asked in (in a group: by a reply, which Telegram delivers even in
    // privacy mode). A text read as the answer to a question that another
    // instance took an answer to meanwhile is read again against what the
    // bot waits for now, so two texts sent at once are both taken, one
    // after the other; a few times at most.
    for _ in 0..READ_AGAIN {
        let Some(pending) = service.pending(user.id.0 as i64).await? else {
            break;
        };
        let asked_in = pending.prompt.map(|p| p.chat_id);
        if asked_in != Some(msg.chat.id.0) && (asked_in.is_some() || !msg.chat.is_private()) {
            break;
        }
        match plan::on_pending_text(&bot, &service, &i18n, &msg, user, pending).await? {
            plan::TextTaken::Handled => return Ok(()),
            plan::TextTaken::NotAwaited => continue,
        }
    }
    if !msg.chat.is_private() {
        return Ok(());
    }
    match service.open(user.id.0 as i64).await {
        Ok(Some(session)) => send_card(&bot, &service, &i18n, &session, msg.chat.id).await?,
        Ok(None) => {
            send_html(&bot, msg.chat.id, i18n.t("not-in-audit-text")).await?;
        }
        Err(ServiceError::UnknownChecklist(_)) => {
            send_html(&bot, msg.chat.id, i18n.t("checklist-gone")).await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// The notice for a press the audit refused; nothing was changed.
pub(super) fn refusal(i18n: &Locale, error: &ServiceError) -> String {
    match error {
        ServiceError::Stale => i18n.t("notice-stale"),
        ServiceError::NotYours => i18n.t("notice-not-yours"),
        ServiceError::NoAudit | ServiceError::UnknownChecklist(_) => {
            i18n.t("notice-unknown-button")
        }
        ServiceError::NothingToNote => i18n.t("notice-nothing-to-note"),
        ServiceError::AnswerGone => i18n.t("notice-stale"),
        ServiceError::NotFinished => i18n.t("plan-need-finished"),
        ServiceError::PlanUnderway => i18n.t("notice-plan-underway"),
        ServiceError::Rule(rule) => match rule {
            AuditError::Closed => i18n.t("notice-closed"),
            AuditError::NotAwaitingPriority => i18n.t("notice-not-awaiting-priority"),
            AuditError::PriorityRequired => i18n.t("notice-priority-required"),
            AuditError::AtFirstQuestion => i18n.t("notice-at-first"),
            AuditError::NothingUnanswered => i18n.t("notice-nothing-unanswered"),
            AuditError::Incomplete(_) => i18n.t("notice-incomplete"),
        },
        ServiceError::Storage(_) | ServiceError::Export(_) => i18n.t("notice-error"),
    }
}

/// The notice confirming an applied press.
fn acknowledgement(i18n: &Locale, action: Action, change: &Change, session: &Session) -> String {
    if session.audit.status() == Status::Finished {
        return i18n.t("ack-finished");
    }
    match (action, &change.response) {
        (Action::Back, Some((_, None))) => i18n.t("ack-undo"),
        (Action::Back, _) => i18n.t("ack-back"),
        (Action::Jump, _) => i18n.t("ack-jump"),
        (_, Some((_, Some(response)))) => render::ack_response(i18n, response),
        _ => i18n.t("ack-continue"),
    }
}

/// Every callback query gets an answer, or its button keeps spinning: when
/// handling fails, the press is answered with an error notice (a second
/// answer to an already answered query fails harmlessly).
pub(super) async fn on_callback<B: Api>(
    bot: B,
    q: CallbackQuery,
    service: Arc<Service>,
    i18n: Tr,
    all: Arc<I18n>,
    read: Prefetched,
) -> HandlerResult {
    let result = handle_callback(&bot, &q, &service, (&i18n, &all), &read).await;
    if result.is_err() {
        let _ = api::answer(&bot, &q, Some(&i18n.t("notice-failed"))).await;
    }
    result
}

/// A command or message that failed gets a short apology instead of silence.
pub(super) async fn on_command<B: Api>(
    bot: B,
    msg: Message,
    cmd: Cmd,
    service: Arc<Service>,
    i18n: Tr,
) -> HandlerResult {
    let result = handle_command(&bot, &msg, cmd, &service, &i18n).await;
    if result.is_err() {
        let _ = send_html(&bot, msg.chat.id, i18n.t("error-internal")).await;
    }
    result
}

async fn handle_callback<B: Api>(
    bot: &B,
    q: &CallbackQuery,
    service: &Service,
    (i18n, all): (&Locale, &Arc<I18n>),
    read: &Prefetched,
) -> HandlerResult {
    let pressed = q.message.as_ref().map(|m| (m.chat().id, m.id()));
    let data = q.data.as_deref().map(CallbackData::parse);
    let user = user_info(&q.from);
    let notice = |text: String| async move { api::answer(bot, q, Some(&text)).await };

    let Some(Ok(data)) = data else {
        notice(i18n.t("notice-unknown-button")).await?;
        return Ok(());
    };
    let chat = pressed.map(|(chat, _)| chat).unwrap_or(ChatId(user.id));
    match data {
        CallbackData::Step {
            audit_id,
            revision,
            action,
        } => {
            let (session, change) = match service
                .apply_to(
                    user.id,
                    (audit_id, revision),
                    action.command(),
                    read.take_audit(audit_id),
                )
                .await
            {
                Ok(applied) => applied,
                Err(e) => {
                    if let ServiceError::Storage(cause) = &e {
                        log::error!("saving a press of user {} failed: {cause}", user.id);
                    }
                    notice(refusal(i18n, &e)).await?;
                    return Ok(());
                }
            };
            // The press is committed: only now is it acknowledged. If the
            // notice can't be delivered, the edited card still shows it.
            if let Err(e) = notice(acknowledgement(i18n, action, &change, &session)).await {
                log::warn!("could not acknowledge a saved press: {e}");
            }
            show_card_in_place(bot, service, i18n, &session, pressed, chat).await?;
            if session.audit.status() == Status::Finished {
                // To where the last answer was given: an audit started in a
                // group and finished in private keeps its results private.
                send_summary(bot, service, i18n, &session, chat).await?;
                plan::after_finish(bot, service, i18n, &q.from, &session, chat).await?;
            }
        }
        CallbackData::Note { audit_id, revision } => {
            plan::note_pressed(bot, service, i18n, q, audit_id, revision, chat).await?;
        }
        CallbackData::NoteCancel { audit_id } => {
            plan::note_closed(bot, service, i18n, q, (audit_id, false), pressed, chat).await?;
        }
        CallbackData::NoteDelete { audit_id } => {
            plan::note_closed(bot, service, i18n, q, (audit_id, true), pressed, chat).await?;
        }
        CallbackData::Plan {
            audit_id,
            position,
            action,
        } => {
            let press = PlanPress::Prompt {
                audit_id,
                position,
                action,
            };
            plan::plan_pressed(bot, service, i18n, q, press, pressed, chat).await?;
        }
        CallbackData::PlanMore { audit_id, add } => {
            let press = PlanPress::More { audit_id, add };
            plan::plan_pressed(bot, service, i18n, q, press, pressed, chat).await?;
        }
        CallbackData::PlanStop { audit_id } => {
            let press = PlanPress::Stop { audit_id };
            plan::plan_pressed(bot, service, i18n, q, press, pressed, chat).await?;
        }
        CallbackData::PlanEdit { audit_id, position } => {
            let press = PlanPress::Edit { audit_id, position };
            plan::plan_pressed(bot, service, i18n, q, press, pressed, chat).await?;
        }
        CallbackData::PlanDone {
            audit_id,
            position,
            done,
        } => {
            let press = (audit_id, position, done);
            plan::done_pressed(bot, service, i18n, q, press, pressed, chat).await?;
        }
        CallbackData::AdminReport { audit_id } => {
            super::admin::report_pressed(bot, service, i18n, q, audit_id, pressed).await?;
        }
        CallbackData::Deadline {
            audit_id,
            position,
            press,
        } => {
            let press = (audit_id, position, press);
            reminders::deadline_pressed(bot, service, i18n, q, press, pressed, chat).await?;
        }
        CallbackData::StartNew { user: owner, .. }
        | CallbackData::RemindOff { user: owner, .. }
        | CallbackData::Setting { user: owner, .. }
        | CallbackData::Continue { user: owner }
        | CallbackData::RestartAsk { user: owner, .. }
        | CallbackData::DeleteConfirm { user: owner }
        | CallbackData::DeleteCancel { user: owner }
            if owner != user.id =>
        {
            notice(i18n.t("notice-not-yours")).await?;
        }
        CallbackData::Language { user: owner, .. } if owner != user.id => {
            notice(i18n.t("notice-not-your-language")).await?;
        }
        CallbackData::RemindOff { kind, .. } => {
            let setting = (kind, false, true);
            reminders::setting_pressed(bot, service, i18n, q, setting, pressed, chat).await?;
        }
        CallbackData::Setting { kind, on, .. } => {
            let setting = (kind, on, false);
            reminders::setting_pressed(bot, service, i18n, q, setting, pressed, chat).await?;
        }
        CallbackData::Language { lang, .. } => {
            let langs = (lang, i18n.lang());
            language::chosen(bot, service, all, q, langs, pressed, chat).await?;
        }
        CallbackData::StartNew { checklist, .. } => {
            if service.open(user.id).await.ok().flatten().is_some() {
                notice(i18n.t("notice-stale")).await?;
                return Ok(());
            }
            if service.checklist(&checklist).is_none() {
                notice(i18n.t("notice-unknown-button")).await?;
                return Ok(());
            }
            let session = match service.start(&user, i18n.lang(), chat.0, &checklist).await {
                Ok(session) => session,
                Err(e) => {
                    notice(refusal(i18n, &e)).await?;
                    return Ok(());
                }
            };
            notice(i18n.t("ack-started")).await?;
            if let Some((chat, message)) = pressed {
                strip_buttons(bot, chat, message).await;
            }
            // With one checklist its greeting came with the button.
            let greet = service.checklists().len() > 1;
            let name = &q.from.first_name;
            show_new_audit(bot, service, i18n, name, &session, chat, greet).await?;
        }
        CallbackData::Continue { .. } => match service.open(user.id).await? {
            Some(session) => {
                notice(i18n.t("ack-continue")).await?;
                if let Some((chat, message)) = pressed {
                    strip_buttons(bot, chat, message).await;
                }
                send_card(bot, service, i18n, &session, chat).await?;
            }
            None => {
                notice(i18n.t("notice-no-audit")).await?;
            }
        },
        CallbackData::RestartAsk { checklist, .. } => match service.open(user.id).await? {
            Some(session) => {
                let target = match &checklist {
                    Some(id) => match service.checklist(id) {
                        Some(target) => Some(target.clone()),
                        None => {
                            notice(i18n.t("notice-unknown-button")).await?;
                            return Ok(());
                        }
                    },
                    None => None,
                };
                api::answer(bot, q, None).await?;
                let confirm = render::restart_confirm(i18n, &session, target.as_deref());
                match pressed {
                    Some((chat, message)) => {
                        let (text, keyboard) = confirm;
                        api::edit_with_keyboard(bot, chat, message, &text, &keyboard).await?;
                    }
                    None => {
                        send_with_keyboard(bot, chat, confirm).await?;
                    }
                }
            }
            None => {
                notice(i18n.t("notice-no-audit")).await?;
            }
        },
        CallbackData::DeleteConfirm { .. } => {
            let card = service
                .open(user.id)
                .await
                .ok()
                .flatten()
                .and_then(|s| s.record.card);
            let (audits, answers) = service.delete_user_data(user.id).await?;
            log::info!("deleted the data of user {}: {audits} audits", user.id);
            notice(i18n.t("ack-deleted")).await?;
            if let Some(card) = card {
                strip_buttons(bot, ChatId(card.chat_id), MessageId(card.message_id)).await;
            }
            let done = i18n.t_args(
                "delete-done",
                &[n("audits", audits as i64), n("answers", answers as i64)],
            );
            replace_message(bot, pressed, chat, done).await?;
        }
        CallbackData::DeleteCancel { .. } => {
            notice(i18n.t("ack-delete-cancelled")).await?;
            replace_message(bot, pressed, chat, i18n.t("delete-cancelled")).await?;
        }
        CallbackData::RestartConfirm {
            audit_id,
            checklist,
        } => {
            let open = service.open(user.id).await?;
            let Some(old) = open.filter(|s| s.record.id == audit_id) else {
                let owner = service.storage().audit(audit_id).await?.map(|a| a.user_id);
                let key = if owner.is_some_and(|owner| owner != user.id) {
                    "notice-not-yours"
                } else {
                    "notice-stale"
                };
                notice(i18n.t(key)).await?;
                return Ok(());
            };
            // Another checklist than the old audit's: the one a deep link
            // named while this audit was in progress.
            let greet = checklist
                .as_deref()
                .is_some_and(|c| c != old.record.checklist_id);
            let target = checklist.unwrap_or_else(|| old.record.checklist_id.clone());
            let session = match service.start(&user, i18n.lang(), chat.0, &target).await {
                Ok(session) => session,
                Err(e) => {
                    notice(refusal(i18n, &e)).await?;
                    return Ok(());
                }
            };
            notice(i18n.t("ack-started")).await?;
            if let Some((chat, message)) = pressed {
                strip_buttons(bot, chat, message).await;
            }
            if let Some(card) = old.record.card {
                strip_buttons(bot, ChatId(card.chat_id), MessageId(card.message_id)).await;
            }
            let name = &q.from.first_name;
            show_new_audit(bot, service, i18n, name, &session, chat, greet).await?;
        }
    }
    Ok(())
}

/// Turns the pressed message into a plain text without buttons, or sends
/// the text if the message can't be edited.
pub(super) async fn replace_message<B: Api>(
    bot: &B,
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
    text: String,
) -> HandlerResult {
    let empty = InlineKeyboardMarkup::new(Vec::<Vec<_>>::new());
    if let Some((chat, message)) = pressed {
        if api::edit_with_keyboard(bot, chat, message, &text, &empty)
            .await
            .is_ok()
        {
            return Ok(());
        }
    }
    send_html(bot, chat, text).await?;
    Ok(())
}

/// Edits the pressed card in place so the buttons stay under the thumb; if
/// that fails (the message was deleted, or is too old to edit) the card is
/// sent anew.
async fn show_card_in_place<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    session: &Session,
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
) -> HandlerResult {
    if let Some((chat, message)) = pressed {
        let (text, keyboard) = render::card(i18n, session);
        let edited = api::edit_with_keyboard(bot, chat, message, &text, &keyboard).await;
        match edited {
            Ok(_) => {
                let card = Card {
                    chat_id: chat.0,
                    message_id: message.0,
                };
                if session.record.card != Some(card) {
                    if let Some(old) = service.set_card(session.record.id, card).await? {
                        strip_buttons(bot, ChatId(old.chat_id), MessageId(old.message_id)).await;
                    }
                }
                return Ok(());
            }
            Err(e) => log::info!("editing the card failed ({e}); sending it anew"),
        }
    }
    send_card(bot, service, i18n, session, chat).await
}
