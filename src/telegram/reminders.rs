//! The reminder scheduler, what a reminder looks like, and the presses on
//! reminders and /settings. Everything a reminder says is read from the
//! database when it is sent.

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

use chrono::Local;
use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ParseMode};
use teloxide::{ApiError, RequestError};

use super::api::{self, strip_buttons, Api};
use super::callback::CallbackData;
use super::handlers::{refusal, replace_message, send_html};
use super::plan::{awaits_other, TextTaken};
use super::plan_view;
use super::render::{self, button};
use super::{HandlerError, HandlerResult};
use crate::domain::plan::PlanEntry;
use crate::domain::schedule::Kind;
use crate::i18n::{n, s, I18n, Locale};
use crate::service::{
    ReminderContent, ReminderFate, ReminderPress, Service, ServiceError, Session,
};
use crate::storage::{Card, Reminder, ReminderSettings};

/// How many due reminders one pass claims.
const BATCH: u32 = 16;
/// The longest the scheduler sleeps without looking at the database: a
/// reminder planned by another process sharing it is seen within this.
pub const MAX_SLEEP_SECS: i64 = 300;
/// Attempts at sending one reminder through 429s and 5xx.
const ATTEMPTS: u32 = 5;

/// Sends finish notices and reminders until `stop` completes. Notices go at
/// once; reminders as they fall due. It sleeps until the earliest scheduled
/// reminder (at most [`MAX_SLEEP_SECS`]) and wakes early when something is
/// planned; inside quiet hours reminders wait for their end.
pub async fn run_scheduler<B: Api>(
    bot: B,
    service: Arc<Service>,
    i18n: Arc<I18n>,
    stop: impl Future<Output = ()>,
) {
    tokio::pin!(stop);
    let clock = service.clock();
    loop {
        service.scheduler_awake();
        // Finish notices for admins go at once, quiet hours or not.
        tokio::select! {
            () = super::admin::deliver_notices(&bot, &service, &i18n) => {}
            () = &mut stop => return,
        }
        let now = clock.now();
        if let Some(end) = service.schedule().quiet_until(now, &Local) {
            service.scheduler_sleeps_until(end);
            tokio::select! {
                () = clock.sleep_until(end) => {}
                () = service.reminders_changed().notified() => {}
                () = &mut stop => return,
            }
            continue;
        }
        match service.claim_due_reminders(BATCH).await {
            Ok(batch) if !batch.is_empty() => {
                for reminder in &batch {
                    // Stopping mid-send leaves the reminder claimed: it is
                    // never sent twice (see README, Reminders).
                    tokio::select! {
                        () = deliver(&bot, &service, &i18n, reminder) => {}
                        () = &mut stop => return,
                    }
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                log::error!("could not read the due reminders: {e}");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(5)) => continue,
                    () = &mut stop => return,
                }
            }
        }
        let next = match service.next_reminder_due().await {
            Ok(next) => next,
            Err(e) => {
                log::error!("could not read the next reminder: {e}");
                None
            }
        };
        let wake = next
            .unwrap_or(i64::MAX)
            .min(now.saturating_add(MAX_SLEEP_SECS));
        service.scheduler_sleeps_until(wake);
        tokio::select! {
            () = clock.sleep_until(wake) => {}
            () = service.reminders_changed().notified() => {}
            () = &mut stop => return,
        }
    }
}

/// The user can't be written to any more: blocked the bot, deleted the
/// account, never opened a private chat.
fn unreachable(error: &RequestError) -> bool {
    match error {
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::ChatNotFound
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup,
        ) => true,
        RequestError::Api(ApiError::Unknown(description)) => description.starts_with("Forbidden"),
        _ => false,
    }
}

async fn deliver<B: Api>(bot: &B, service: &Service, i18n: &I18n, reminder: &Reminder) {
    let id = reminder.id;
    let content = match service.reminder_fate(reminder).await {
        Ok(ReminderFate::Send(content)) => *content,
        Ok(ReminderFate::Drop) => {
            log::debug!("reminder {id} is no longer wanted");
            if let Err(e) = service.reminder_dropped(reminder).await {
                log::error!("could not cancel reminder {id}: {e}");
            }
            return;
        }
        Ok(ReminderFate::Later) => {
            log::debug!("reminder {id} moved: the audit changed after it was planned");
            return;
        }
        Err(e) => {
            // Left claimed: not sent, and never sent twice.
            log::error!("could not read what reminder {id} is about: {e}");
            return;
        }
    };
    let lang = match service.stored_language(reminder.user_id).await {
        Ok(Some(lang)) => lang,
        _ => i18n.guess(None),
    };
    let locale = i18n.locale(lang);
    let (text, keyboard) = view(locale, &content, reminder.user_id, service.clock().now());
    let chat = ChatId(reminder.user_id);
    let mut pause = Duration::from_millis(500);
    for attempt in 1..=ATTEMPTS {
        let sent = bot
            .send_message(chat, &text)
            .parse_mode(ParseMode::Html)
            .reply_markup(keyboard.clone())
            .into_future()
            .await;
        let error = match sent {
            Ok(_) => {
                if let Err(e) = service.reminder_sent(reminder).await {
                    log::error!("reminder {id} was sent but not marked: {e}");
                }
                return;
            }
            Err(e) => e,
        };
        if unreachable(&error) {
            let cancelled = service
                .user_unreachable(reminder.user_id)
                .await
                .unwrap_or(0);
            log::info!(
                "user {} can't be reached ({error}); {} more reminders cancelled",
                reminder.user_id,
                cancelled
            );
            break;
        }
        match &error {
            RequestError::RetryAfter(wait) if attempt < ATTEMPTS => {
                log::warn!("reminder {id}: flood control, waiting {} s", wait.seconds());
                tokio::time::sleep(wait.duration()).await;
            }
            e if attempt < ATTEMPTS && api::is_transient(e) => {
                log::warn!(
                    "reminder {id} failed ({e}); retry in {} ms",
                    pause.as_millis()
                );
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            e => {
                log::error!("reminder {id} could not be sent: {e}");
                break;
            }
        }
    }
    if let Err(e) = service.reminder_dropped(reminder).await {
        log::error!("could not cancel reminder {id}: {e}");
    }
}

fn kind_name(i18n: &Locale, kind: Kind) -> String {
    i18n.t(match kind {
        Kind::Unfinished => "settings-kind-unfinished",
        Kind::Deadline => "settings-kind-deadline",
        Kind::Reaudit => "settings-kind-reaudit",
    })
}

fn stop_row(i18n: &Locale, kind: Kind, user: i64) -> Vec<InlineKeyboardButton> {
    vec![button(
        i18n.t("btn-reminder-stop"),
        CallbackData::RemindOff { kind, user },
    )]
}

/// A reminder's text and buttons, in `i18n`'s language.
pub fn view(
    i18n: &Locale,
    content: &ReminderContent,
    user: i64,
    now: i64,
) -> (String, InlineKeyboardMarkup) {
    let lang = i18n.lang();
    match content {
        ReminderContent::Unfinished(session) => {
            let report = session.report(lang);
            let texts = session.texts(lang);
            let left = report.total.saturating_sub(report.answered);
            let minutes = (texts.minutes as usize * left)
                .div_ceil(report.total.max(1))
                .max(1);
            let text = i18n.t_args(
                "reminder-unfinished",
                &[
                    s("title", teloxide::utils::html::escape(&texts.title)),
                    n("answered", report.answered as i64),
                    n("total", report.total as i64),
                    s(
                        "minutes",
                        i18n.t_args("minutes-count", &[n("count", minutes as i64)]),
                    ),
                ],
            );
            let keyboard = InlineKeyboardMarkup::new([
                vec![button(
                    i18n.t("btn-reminder-continue"),
                    CallbackData::Continue { user },
                )],
                stop_row(i18n, Kind::Unfinished, user),
            ]);
            (text, keyboard)
        }
        ReminderContent::Deadline {
            session,
            entry,
            again,
        } => {
            let entry = localized(session, entry.clone(), lang);
            let zone = teloxide::utils::html::escape(&entry.item.zone);
            let mut lines = vec![if *again {
                let today = render::local_day(now);
                let days = today
                    .zip(entry.item.deadline)
                    .map(|(today, deadline)| (today - deadline).num_days().max(1))
                    .unwrap_or(1);
                i18n.t_args(
                    "reminder-deadline-again",
                    &[s("zone", zone), n("days", days)],
                )
            } else {
                i18n.t_args("reminder-deadline", &[s("zone", zone)])
            }];
            lines.extend(plan_view::solution_lines(i18n, &entry.item));
            if let Some(owner) = &entry.item.owner {
                lines.push(i18n.t_args(
                    "plan-item-owner",
                    &[s("owner", teloxide::utils::html::escape(owner))],
                ));
            }
            if let Some(blocker) = &entry.item.blocker {
                lines.push(i18n.t_args(
                    "plan-item-blocker",
                    &[s("blocker", teloxide::utils::html::escape(blocker))],
                ));
            }
            lines.push(String::new());
            lines.push(i18n.t("reminder-deadline-question"));
            let (audit_id, position) = (session.record.id, entry.position);
            let press = |label: &str, press| {
                button(
                    i18n.t(label),
                    CallbackData::Deadline {
                        audit_id,
                        position,
                        press,
                    },
                )
            };
            let keyboard = InlineKeyboardMarkup::new([
                vec![
                    press("btn-reminder-done", ReminderPress::Done),
                    press("btn-reminder-postpone", ReminderPress::Postpone),
                ],
                vec![press("btn-reminder-stuck", ReminderPress::Stuck)],
                stop_row(i18n, Kind::Deadline, user),
            ]);
            (lines.join("\n"), keyboard)
        }
        ReminderContent::Reaudit(session) => {
            let texts = session.texts(lang);
            let title = s("title", teloxide::utils::html::escape(&texts.title));
            let finished = session
                .record
                .finished_at
                .unwrap_or(session.record.updated_at);
            let date = s("date", render::date(finished));
            let text = match session.report(lang).overall.percent() {
                Some(score) => i18n.t_args(
                    "reminder-reaudit",
                    &[title, date, n("score", i64::from(score))],
                ),
                None => i18n.t_args("reminder-reaudit-no-score", &[title, date]),
            };
            let keyboard = InlineKeyboardMarkup::new([
                vec![button(
                    i18n.t("btn-reminder-reaudit"),
                    CallbackData::StartNew {
                        checklist: session.record.checklist_id.clone(),
                        user,
                    },
                )],
                stop_row(i18n, Kind::Reaudit, user),
            ]);
            (text, keyboard)
        }
    }
}

fn localized(session: &Session, entry: PlanEntry, lang: crate::i18n::Lang) -> PlanEntry {
    entry.localized(session.texts(lang), &session.report(lang))
}

/// The /settings panel: each kind on or off, a button to switch each.
pub fn settings_view(
    i18n: &Locale,
    settings: ReminderSettings,
    quiet: Option<crate::domain::schedule::QuietHours>,
    user: i64,
) -> (String, InlineKeyboardMarkup) {
    let mut lines = vec![i18n.t("settings-title")];
    let mut rows = Vec::new();
    for kind in Kind::ALL {
        let on = settings.allows(kind);
        let name = kind_name(i18n, kind);
        let (line, label) = if on {
            ("settings-line-on", "btn-setting-on")
        } else {
            ("settings-line-off", "btn-setting-off")
        };
        lines.push(i18n.t_args(line, &[s("kind", name.clone())]));
        rows.push(vec![button(
            i18n.t_args(label, &[s("kind", name)]),
            CallbackData::Setting {
                kind,
                on: !on,
                user,
            },
        )]);
    }
    lines.push(String::new());
    if let Some(quiet) = quiet {
        lines.push(i18n.t_args(
            "settings-quiet",
            &[
                n("start", i64::from(quiet.start)),
                n("end", i64::from(quiet.end)),
            ],
        ));
    }
    lines.push(i18n.t("settings-hint"));
    (lines.join("\n"), InlineKeyboardMarkup::new(rows))
}

/// /settings.
pub(super) async fn show_settings<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    user: i64,
    chat: ChatId,
) -> HandlerResult {
    let settings = service.reminder_settings(user).await?;
    let (text, keyboard) = settings_view(i18n, settings, service.schedule().quiet, user);
    api::send_with_keyboard(bot, chat, &text, &keyboard).await?;
    Ok(())
}

/// A switch in /settings, or «🔕» on a reminder (`from_reminder`): the
/// setting is stored and the pressed message becomes the settings panel.
pub(super) async fn setting_pressed<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    q: &CallbackQuery,
    (kind, on, from_reminder): (Kind, bool, bool),
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
) -> HandlerResult {
    let user = q.from.id.0 as i64;
    let settings = service.set_reminder_setting(user, kind, on).await?;
    let ack = match (from_reminder, on) {
        (true, _) => "ack-reminder-off",
        (false, true) => "ack-setting-on",
        (false, false) => "ack-setting-off",
    };
    api::answer(bot, q, Some(&i18n.t(ack))).await?;
    let (text, keyboard) = settings_view(i18n, settings, service.schedule().quiet, user);
    if let Some((chat, message)) = pressed {
        if api::edit_with_keyboard(bot, chat, message, &text, &keyboard)
            .await
            .is_ok()
        {
            return Ok(());
        }
    }
    api::send_with_keyboard(bot, chat, &text, &keyboard).await?;
    Ok(())
}

/// «✅ Сделано», «📅 Перенести на неделю», «🧱 Застряло» on a deadline
/// reminder.
pub(super) async fn deadline_pressed<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    q: &CallbackQuery,
    (audit_id, position, press): (i64, u32, ReminderPress),
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
) -> HandlerResult {
    let user = q.from.id.0 as i64;
    let entry = match service
        .deadline_press(user, audit_id, position, press)
        .await
    {
        Ok(entry) => entry,
        Err(
            e @ (ServiceError::Stale
            | ServiceError::NotYours
            | ServiceError::NoAudit
            | ServiceError::UnknownChecklist(_)),
        ) => {
            api::answer(bot, q, Some(&refusal(i18n, &e))).await?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let session = service.session(audit_id).await?;
    let entry = localized(&session, entry, i18n.lang());
    let zone = s("zone", teloxide::utils::html::escape(&entry.item.zone));
    match press {
        ReminderPress::Done => {
            api::answer(bot, q, Some(&i18n.t("ack-reminder-done"))).await?;
            replace_message(bot, pressed, chat, i18n.t_args("reminder-done", &[zone])).await?;
        }
        ReminderPress::Postpone => {
            api::answer(bot, q, Some(&i18n.t("ack-reminder-postponed"))).await?;
            let date = entry.item.deadline.map(plan_view::day).unwrap_or_default();
            let text = i18n.t_args("reminder-postponed", &[zone, s("date", date)]);
            replace_message(bot, pressed, chat, text).await?;
        }
        ReminderPress::Stuck => {
            api::answer(bot, q, Some(&i18n.t("ack-reminder-stuck"))).await?;
            if let Some((chat, message)) = pressed {
                strip_buttons(bot, chat, message).await;
            }
            let asked = send_html(bot, chat, i18n.t_args("reminder-stuck-ask", &[zone])).await?;
            if let Some(pending) = service.pending(user).await? {
                let prompt = Card {
                    chat_id: chat.0,
                    message_id: asked.id.0,
                };
                service.set_prompt(pending, prompt).await?;
            }
        }
    }
    Ok(())
}

/// The text after «🧱 Застряло»: kept as what blocks the item, and the
/// recommended actions offered again.
pub(super) async fn blocker_text<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    pending: crate::storage::Pending,
    text: &str,
    chat: ChatId,
) -> Result<TextTaken, HandlerError> {
    let blocker = match crate::domain::plan::parse_note(text) {
        Ok(blocker) => blocker,
        Err(e) => {
            let refusal = plan_view::text_refusal(i18n, plan_view::Typed::Blocker, e);
            send_html(bot, chat, refusal).await?;
            return Ok(TextTaken::Handled);
        }
    };
    let entry = match service.finish_blocker(&pending, &blocker).await {
        Ok(entry) => entry,
        Err(ServiceError::Stale) if awaits_other(service, &pending).await? => {
            return Ok(TextTaken::NotAwaited);
        }
        Err(e @ ServiceError::Stale) => {
            send_html(bot, chat, refusal(i18n, &e)).await?;
            return Ok(TextTaken::Handled);
        }
        Err(e) => return Err(e.into()),
    };
    let session = service.session(pending.audit_id).await?;
    let entry = localized(&session, entry, i18n.lang());
    let mut lines = vec![
        i18n.t_args(
            "blocker-saved",
            &[s("blocker", teloxide::utils::html::escape(&blocker))],
        ),
        String::new(),
        i18n.t("blocker-actions"),
    ];
    lines.extend(entry.item.solution_lines().into_iter().map(|action| {
        i18n.t_args(
            "plan-item-solution-line",
            &[s("action", teloxide::utils::html::escape(action))],
        )
    }));
    send_html(bot, chat, lines.join("\n")).await?;
    Ok(TextTaken::Handled)
}
