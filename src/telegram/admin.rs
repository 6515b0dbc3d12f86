//! The operator's side, in the chats of ADMIN_CHAT_IDS only: finish
//! notices with a report button, /stats, /export and /links. Elsewhere the
//! admin commands are not parsed at all, so they meet whatever an unknown
//! command meets.

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{BotCommand, ChatId, InlineKeyboardMarkup, MessageId};
use teloxide::utils::command::BotCommands;
use teloxide::utils::html::escape;

use super::api::{self, Api};
use super::callback::CallbackData;
use super::handlers::send_html;
use super::render::{self, button, priority_icon, priority_word};
use super::HandlerResult;
use crate::domain::stats::{Breakdown, Figures, Stats};
use crate::i18n::{n, s, I18n, Locale, Tr};
use crate::service::{Service, Session};
use crate::storage::UserInfo;

/// Commands that work in admin chats only.
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum AdminCmd {
    Stats,
    Export,
    Links,
}

/// The admin commands as a menu, in the locale's words.
pub fn admin_menu(i18n: &Locale) -> Vec<BotCommand> {
    [
        ("stats", "cmd-stats"),
        ("export", "cmd-export"),
        ("links", "cmd-links"),
    ]
    .into_iter()
    .map(|(command, key)| BotCommand::new(command, i18n.t(key)))
    .collect()
}

/// Whether a message comes from an admin chat: the filter in front of the
/// admin commands.
pub(super) fn from_admin_chat(msg: Message, service: Arc<Service>) -> bool {
    service.operator().is_admin_chat(msg.chat.id.0)
}

pub(super) async fn on_command<B: Api>(
    bot: B,
    msg: Message,
    cmd: AdminCmd,
    service: Arc<Service>,
    i18n: Tr,
    // Who the bot is, as the dispatcher asked Telegram at start.
    me: teloxide::types::Me,
) -> HandlerResult {
    let chat = msg.chat.id;
    let result = match cmd {
        AdminCmd::Stats => {
            let stats = service.stats(service.clock().now()).await?;
            for part in stats_messages(&i18n, &service, &stats) {
                send_html(&bot, chat, part).await?;
            }
            Ok(())
        }
        AdminCmd::Links => {
            send_html(
                &bot,
                chat,
                links_text(&i18n, &service, me.username.as_deref()),
            )
            .await?;
            Ok(())
        }
        AdminCmd::Export => super::export::export_command(&bot, &service, &i18n, chat).await,
    };
    if result.is_err() {
        let _ = send_html(&bot, chat, i18n.t("error-internal")).await;
    }
    result
}

/// A duration as an operator reads it: minutes, hours or days.
fn duration_text(i18n: &Locale, secs: i64) -> String {
    let minutes = (secs.max(0) + 59) / 60;
    if minutes < 60 {
        i18n.t_args("duration-minutes", &[n("minutes", minutes)])
    } else if minutes < 24 * 60 {
        i18n.t_args(
            "duration-hours",
            &[n("hours", minutes / 60), n("minutes", minutes % 60)],
        )
    } else {
        i18n.t_args(
            "duration-days",
            &[
                n("days", minutes / (24 * 60)),
                n("hours", minutes / 60 % 24),
            ],
        )
    }
}

/// The finish notice: who, which checklist in which language, the score,
/// the top-3 zones, the source and the time it took; «📄 Отчёт».
pub fn notice_view(
    i18n: &Locale,
    session: &Session,
    user: &UserInfo,
    language_name: &str,
) -> (String, InlineKeyboardMarkup) {
    let lang = i18n.lang();
    let report = session.report(lang);
    let name = if user.first_name.is_empty() {
        user.id.to_string()
    } else {
        user.first_name.clone()
    };
    let who = match &user.username {
        Some(username) => i18n.t_args(
            "notice-username",
            &[
                n("id", user.id),
                s("name", escape(&name)),
                s("username", escape(username)),
            ],
        ),
        None => i18n.t_args("notice-user", &[n("id", user.id), s("name", escape(&name))]),
    };
    let mut lines = vec![
        i18n.t("notice-finished-title"),
        who,
        i18n.t_args(
            "notice-checklist",
            &[
                s("checklist", escape(&session.texts(lang).short_title)),
                s("language", language_name.to_string()),
            ],
        ),
        match report.overall.percent() {
            Some(score) => i18n.t_args("notice-score", &[n("score", i64::from(score))]),
            None => i18n.t("notice-score-none"),
        },
    ];
    if report.top_zones.is_empty() {
        lines.push(i18n.t("notice-zones-none"));
    } else {
        lines.push(i18n.t("notice-zones-title"));
        for (i, zone) in report.top_zones.iter().enumerate() {
            lines.push(i18n.t_args(
                "notice-zone",
                &[
                    n("number", i as i64 + 1),
                    s("icon", priority_icon(i18n, zone.priority)),
                    s("zone", escape(&zone.title)),
                    s("priority", priority_word(i18n, zone.priority)),
                ],
            ));
        }
    }
    lines.push(match &session.record.source {
        Some(source) => i18n.t_args("notice-source", &[s("source", escape(source))]),
        None => i18n.t("notice-source-none"),
    });
    if let Some(finished) = session.record.finished_at {
        let took = duration_text(i18n, finished - session.record.started_at);
        lines.push(i18n.t_args("notice-duration", &[s("duration", took)]));
    }
    let keyboard = InlineKeyboardMarkup::new([[button(
        i18n.t("btn-notice-report"),
        CallbackData::AdminReport {
            audit_id: session.record.id,
        },
    )]]);
    (lines.join("\n"), keyboard)
}

/// Sends every pending finish notice. A chat that refuses one (the admin
/// blocked the bot, the group is gone) is logged; the notice is marked
/// failed and not tried again. Never touches the user's dialogue.
pub(super) async fn deliver_notices<B: Api>(bot: &B, service: &Service, i18n: &I18n) {
    loop {
        let claimed = match service.claim_notices(16).await {
            Ok(claimed) if !claimed.is_empty() => claimed,
            Ok(_) => return,
            Err(e) => {
                log::error!("could not read the finish notices: {e}");
                return;
            }
        };
        for (id, audit_id, chat_id) in claimed {
            let sent = deliver_notice(bot, service, i18n, audit_id, chat_id).await;
            if let Err(e) = service.notice_done(id, sent).await {
                log::error!("could not mark finish notice {id}: {e}");
            }
        }
    }
}

async fn deliver_notice<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &I18n,
    audit_id: i64,
    chat_id: i64,
) -> bool {
    let (session, user) = match service.notice_content(audit_id).await {
        Ok(Some(content)) => content,
        Ok(None) => return false,
        Err(e) => {
            log::error!("could not read audit {audit_id} for its finish notice: {e}");
            return false;
        }
    };
    // An admin's private chat speaks the admin's language; a group the
    // default one.
    let admin_lang = match service.stored_language(chat_id).await {
        Ok(Some(lang)) => lang,
        _ => i18n.guess(None),
    };
    let user_lang = match service.stored_language(user.id).await {
        Ok(Some(lang)) => lang,
        _ => session.original_language(),
    };
    let locale = i18n.locale(admin_lang);
    let language_name = i18n.locale(user_lang).t("language-name");
    let (text, keyboard) = notice_view(locale, &session, &user, &language_name);
    match api::send_with_keyboard(bot, ChatId(chat_id), &text, &keyboard).await {
        Ok(_) => true,
        Err(e) => {
            log::warn!("the finish notice of audit {audit_id} to admin chat {chat_id} failed: {e}");
            false
        }
    }
}

/// «📄 Отчёт» on a finish notice: that audit's PDF and CSV, to the admin
/// chat it was pressed in. Anywhere else the button is unknown.
pub(super) async fn report_pressed<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    q: &CallbackQuery,
    audit_id: i64,
    pressed: Option<(ChatId, MessageId)>,
) -> HandlerResult {
    let Some((chat, _)) = pressed.filter(|(chat, _)| service.operator().is_admin_chat(chat.0))
    else {
        api::answer(bot, q, Some(&i18n.t("notice-unknown-button"))).await?;
        return Ok(());
    };
    let content = service.notice_content(audit_id).await?;
    let Some((session, user)) = content else {
        api::answer(bot, q, Some(&i18n.t("notice-report-gone"))).await?;
        return Ok(());
    };
    api::answer(bot, q, Some(&i18n.t("ack-notice-report"))).await?;
    super::plan::send_report_files(bot, service, i18n, &session, &user.first_name, chat).await
}

/// The value of an optional figure, or «—».
fn value(i18n: &Locale, v: Option<String>) -> String {
    v.unwrap_or_else(|| i18n.t("stats-no-value"))
}

fn percent(v: Option<u32>) -> Option<String> {
    v.map(|p| format!("{p}%"))
}

fn figure_lines(i18n: &Locale, f: &Figures) -> Vec<String> {
    vec![
        i18n.t_args(
            "stats-counts",
            &[
                n("started", f.started as i64),
                n("finished", f.finished as i64),
                n("abandoned", f.abandoned as i64),
                n("progress", f.in_progress as i64),
            ],
        ),
        i18n.t_args(
            "stats-completion",
            &[
                s("rate", value(i18n, percent(f.completion))),
                s(
                    "median",
                    value(i18n, f.median_secs.map(|d| duration_text(i18n, d))),
                ),
            ],
        ),
        i18n.t_args(
            "stats-score",
            &[s("score", value(i18n, percent(f.average_score)))],
        ),
    ]
}

/// A question's text for a list, cut at a word boundary.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push('…');
    out
}

fn breakdown_text(i18n: &Locale, service: &Service, title: &str, b: &Breakdown) -> String {
    let mut lines = vec![i18n.t(title)];
    if b.overall.started == 0 {
        lines.push(i18n.t("stats-empty"));
        return lines.join("\n");
    }
    lines.extend(figure_lines(i18n, &b.overall));
    let lang = i18n.lang();
    for (id, f) in &b.by_checklist {
        lines.push(String::new());
        let texts = service.checklist(id).map(|c| c.get(lang));
        let title = texts.map_or(id.clone(), |t| t.short_title.clone());
        lines.push(i18n.t_args("stats-checklist", &[s("title", escape(&title))]));
        lines.extend(figure_lines(i18n, f));
        if let Some(texts) = texts {
            let sections: Vec<String> = f
                .sections
                .iter()
                .filter_map(|(section, score)| {
                    let title = &texts.sections.iter().find(|s| &s.id == section)?.title;
                    Some(format!(
                        "{} {}",
                        escape(&short(title, 24)),
                        value(i18n, percent(*score))
                    ))
                })
                .collect();
            if !sections.is_empty() {
                let joined = sections.join(" · ");
                lines.push(i18n.t_args("stats-sections", &[s("sections", joined)]));
            }
        }
        if !f.top_problems.is_empty() {
            lines.push(i18n.t("stats-problems"));
        }
        for (i, p) in f.top_problems.iter().enumerate() {
            let question = texts
                .and_then(|t| t.questions().find(|(_, q)| q.id == p.question_id))
                .map_or(p.question_id.clone(), |(_, q)| short(&q.text, 70));
            lines.push(i18n.t_args(
                "stats-problem",
                &[
                    n("number", i as i64 + 1),
                    s("question", escape(&question)),
                    n("audits", p.audits as i64),
                    n("share", i64::from(p.share)),
                ],
            ));
        }
    }
    lines.push(String::new());
    lines.push(i18n.t("stats-sources"));
    for (source, f) in &b.by_source {
        let name = match source {
            Some(source) => escape(source),
            None => i18n.t("stats-source-none"),
        };
        lines.push(i18n.t_args(
            "stats-source",
            &[
                s("source", name),
                n("started", f.started as i64),
                n("finished", f.finished as i64),
                s("rate", value(i18n, percent(f.completion))),
                s("score", value(i18n, percent(f.average_score))),
            ],
        ));
    }
    lines.join("\n")
}

/// /stats as messages: the last 30 days, then all time, each split at line
/// boundaries if it had to be.
pub fn stats_messages(i18n: &Locale, service: &Service, stats: &Stats) -> Vec<String> {
    [
        ("stats-title-recent", &stats.recent),
        ("stats-title-all", &stats.all_time),
    ]
    .into_iter()
    .flat_map(|(title, b)| {
        render::split_message(
            &breakdown_text(i18n, service, title, b),
            render::MAX_MESSAGE_CHARS,
        )
    })
    .collect()
}

/// /links: per checklist the link to share, and one with a source tag.
pub fn links_text(i18n: &Locale, service: &Service, username: Option<&str>) -> String {
    let Some(username) = username else {
        return i18n.t("links-no-username");
    };
    let mut lines = vec![i18n.t("links-title")];
    for checklist in service.checklists() {
        let link = format!("https://t.me/{username}?start={}", checklist.id());
        lines.push(String::new());
        lines.push(i18n.t_args(
            "links-item",
            &[
                s("title", escape(&checklist.get(i18n.lang()).short_title)),
                s("link", link.clone()),
                s("tracked", format!("{link}-instagram")),
            ],
        ));
    }
    lines.push(String::new());
    lines.push(i18n.t("links-hint"));
    lines.join("\n")
}
