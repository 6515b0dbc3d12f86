//! The Telegram adapter: the handler tree, commands and the dialogue. It
//! extracts what an update says, calls the service, renders, and sends.

pub mod admin;
pub mod api;
pub mod backlog;
pub mod callback;
mod export;
mod handlers;
mod http;
mod language;
mod plan;
pub mod plan_view;
mod reminders;
pub mod render;
pub mod webhook;

pub use reminders::{run_scheduler, settings_view, view as reminder_view};

use std::future::IntoFuture;
use std::sync::Arc;

use futures_util::future::{join_all, BoxFuture, FutureExt, TryFutureExt};

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::BotCommand;
use teloxide::utils::command::BotCommands;

use crate::i18n::{I18n, Lang, Locale, Tr};
use crate::service::Service;
use crate::storage::{Answers, AuditRecord};

pub type HandlerError = anyhow::Error;
pub type HandlerResult = Result<(), HandlerError>;

/// The bot's commands. Their menu descriptions come from the locale.
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "snake_case")]
pub enum Cmd {
    /// With the payload of a deep link (`t.me/<bot>?start=<payload>`), or
    /// empty.
    Start(String),
    Continue,
    Progress,
    Summary,
    History,
    Plan,
    Report,
    Restart,
    Help,
    Language,
    Settings,
    DeleteMyData,
}

/// The command menu Telegram shows, in the locale's words.
pub fn command_menu(i18n: &Locale) -> Vec<BotCommand> {
    [
        ("start", "cmd-start"),
        ("continue", "cmd-continue"),
        ("progress", "cmd-progress"),
        ("summary", "cmd-summary"),
        ("plan", "cmd-plan"),
        ("report", "cmd-report"),
        ("history", "cmd-history"),
        ("restart", "cmd-restart"),
        ("help", "cmd-help"),
        ("language", "cmd-language"),
        ("settings", "cmd-settings"),
        ("delete_my_data", "cmd-delete-my-data"),
    ]
    .into_iter()
    .map(|(command, key)| BotCommand::new(command, i18n.t(key)))
    .collect()
}

/// Telegram `language_code`s whose users get each language's command menu
/// (as [`Lang::from_telegram`] maps them); users of any other code get the
/// default language's menu, set without a code.
const MENU_CODES: &[(Lang, &[&str])] = &[
    (Lang::Uk, &["uk"]),
    (Lang::Ru, &["ru", "be", "kk"]),
    (Lang::En, &["en"]),
];

/// Sets the bot's profile in every language: the command menu, the
/// description (shown before a user's first /start) and the short one (on
/// the profile page). A failure is logged and the bot goes on: it works
/// without them.
pub async fn set_profile<B: api::Api>(bot: &B, i18n: &I18n, admin_chats: &[i64]) {
    type Call<'a> = BoxFuture<'a, Result<(), teloxide::RequestError>>;
    let default = i18n.guess(None);
    let mut audiences: Vec<(Option<&str>, Lang)> = vec![(None, default)];
    for (lang, codes) in MENU_CODES {
        audiences.extend(codes.iter().map(|code| (Some(*code), *lang)));
    }
    // Every call at once: they do not depend on each other, and one round
    // trip instead of twenty keeps the start short.
    let mut calls: Vec<(String, Call<'_>)> = Vec::new();
    for (code, lang) in audiences {
        let locale = i18n.locale(lang);
        let mut menu = bot.set_my_commands(command_menu(locale));
        let mut description = bot
            .set_my_description()
            .description(locale.t("bot-description"));
        let mut short = bot
            .set_my_short_description()
            .short_description(locale.t("bot-short-description"));
        if let Some(code) = code {
            menu = menu.language_code(code);
            description = description.language_code(code);
            short = short.language_code(code);
        }
        let whom = code.unwrap_or("everyone");
        calls.push((
            format!("command menu for {whom}"),
            menu.into_future().map_ok(drop).boxed(),
        ));
        calls.push((
            format!("description for {whom}"),
            description.into_future().map_ok(drop).boxed(),
        ));
        calls.push((
            format!("short description for {whom}"),
            short.into_future().map_ok(drop).boxed(),
        ));
    }
    // Admin chats: the ordinary menu and the admin commands, in the
    // default language, scoped to each chat so no one else sees them.
    let locale = i18n.locale(default);
    let mut menu = command_menu(locale);
    menu.extend(admin::admin_menu(locale));
    for &chat in admin_chats {
        let scope = teloxide::types::BotCommandScope::Chat {
            chat_id: teloxide::types::Recipient::Id(ChatId(chat)),
        };
        let call = bot.set_my_commands(menu.clone()).scope(scope);
        calls.push((
            format!("admin menu of chat {chat}"),
            call.into_future().map_ok(drop).boxed(),
        ));
    }
    let (what, calls): (Vec<String>, Vec<Call<'_>>) = calls.into_iter().unzip();
    for (what, result) in what.iter().zip(join_all(calls).await) {
        if let Err(e) = result {
            log::warn!("could not set the {what}: {e}");
        }
    }
}

/// The whole handler tree; `main` and the tests dispatch through it. It
/// needs `Arc<Service>` and `Arc<I18n>` as dependencies, and the Bot API
/// client `B` the dispatcher runs with (`Throttle<Bot>` in production, a
/// plain `Bot` in tests). Every update first finds its user's language,
/// which the handlers get as a [`Tr`].
pub fn schema<B: api::Api>() -> UpdateHandler<HandlerError> {
    // In an admin chat only; anywhere else an admin command is not parsed
    // and meets what any unknown command meets.
    let admin = dptree::filter(admin::from_admin_chat)
        .filter_command::<admin::AdminCmd>()
        .endpoint(admin::on_command::<B>);
    let commands = dptree::entry()
        .filter_command::<Cmd>()
        .endpoint(handlers::on_command::<B>);
    // Each branch that looks into an update copies it: presses, the most
    // of them, are tried first, and a message is taken out once for its
    // three branches.
    let callbacks = Update::filter_callback_query().endpoint(handlers::on_callback::<B>);
    let messages = Update::filter_message()
        .branch(admin)
        .branch(commands)
        .endpoint(handlers::on_message::<B>);
    dptree::entry()
        .map_async(user_locale)
        .branch(callbacks)
        .branch(messages)
}

/// What an update's take read already (see `app`), in the same command:
/// the stored language of a press's user and the audit a step is pressed
/// on. Empty: nothing read, the handlers ask the database.
#[derive(Clone, Debug, Default)]
pub struct Prefetched {
    language: Option<String>,
    /// Taken by the one handler that uses it (dependencies are cloned).
    audit: Arc<std::sync::Mutex<Option<(AuditRecord, Answers)>>>,
}

impl Prefetched {
    pub fn new(language: Option<String>, audit: Option<(AuditRecord, Answers)>) -> Self {
        Prefetched {
            language,
            audit: Arc::new(std::sync::Mutex::new(audit)),
        }
    }

    /// The audit read at the take if it is `audit_id`, once.
    fn take_audit(&self, audit_id: i64) -> Option<(AuditRecord, Answers)> {
        let mut audit = self.audit.lock().unwrap_or_else(|e| e.into_inner());
        match audit.as_ref() {
            Some((record, _)) if record.id == audit_id => audit.take(),
            _ => None,
        }
    }
}

/// The audit a press is a step of, for its take to read along: what its
/// handler asks first. `None` for any other update or button.
pub fn pressed_audit(update: &Update) -> Option<i64> {
    let teloxide::types::UpdateKind::CallbackQuery(q) = &update.kind else {
        return None;
    };
    match q.data.as_deref().map(callback::CallbackData::parse) {
        Some(Ok(callback::CallbackData::Step { audit_id, .. })) => Some(audit_id),
        _ => None,
    }
}

/// The language of the user an update comes from: stored, else guessed
/// from Telegram's `language_code` (and stored from now on). A message also
/// records the user's current name; a press only reads, unless its take
/// has read it already. If the database can't tell, the guess serves this
/// update.
async fn user_locale(
    update: Update,
    service: Arc<Service>,
    i18n: Arc<I18n>,
    known: Prefetched,
) -> Tr {
    let Some(user) = update.from().filter(|u| !u.is_bot) else {
        return i18n.tr(i18n.guess(None));
    };
    let guess = i18n.guess(user.language_code.as_deref());
    let info = handlers::user_info(user);
    let lang = match update.kind {
        teloxide::types::UpdateKind::Message(_) => service.touch_user(&info, guess).await,
        _ => match known.language.as_deref().and_then(Lang::parse) {
            Some(lang) => Ok(lang),
            None => service.language(&info, guess).await,
        },
    };
    match lang {
        Ok(lang) => i18n.tr(lang),
        Err(e) => {
            log::warn!("could not read the language of user {}: {e}", user.id);
            i18n.tr(guess)
        }
    }
}

/// Dependencies of [`schema`], in the form `Dispatcher` and tests take.
pub fn dependencies(service: Arc<crate::service::Service>, i18n: Arc<I18n>) -> DependencyMap {
    dptree::deps![service, i18n, Prefetched::default()]
}
