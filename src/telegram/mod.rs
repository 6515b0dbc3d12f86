//! The Telegram adapter: the handler tree, commands and the dialogue. It
//! extracts what an update says, calls the service, renders, and sends.

pub mod api;
pub mod callback;
mod handlers;
mod plan;
pub mod plan_view;
pub mod render;

use std::sync::Arc;

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::BotCommand;
use teloxide::utils::command::BotCommands;

use crate::i18n::I18n;

pub type HandlerError = anyhow::Error;
pub type HandlerResult = Result<(), HandlerError>;

/// The bot's commands. Their menu descriptions come from the locale.
#[derive(BotCommands, Clone, Copy, Debug, PartialEq, Eq)]
#[command(rename_rule = "snake_case")]
pub enum Cmd {
    Start,
    Continue,
    Progress,
    Summary,
    History,
    Plan,
    Report,
    Restart,
    Help,
    DeleteMyData,
}

/// The command menu Telegram shows, in the locale's words.
pub fn command_menu(i18n: &I18n) -> Vec<BotCommand> {
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
        ("delete_my_data", "cmd-delete-my-data"),
    ]
    .into_iter()
    .map(|(command, key)| BotCommand::new(command, i18n.t(key)))
    .collect()
}

/// The whole handler tree; `main` and the tests dispatch through it. It
/// needs `Arc<Service>` and `Arc<I18n>` as dependencies, and the Bot API
/// client `B` the dispatcher runs with (`Throttle<Bot>` in production, a
/// plain `Bot` in tests).
pub fn schema<B: api::Api>() -> UpdateHandler<HandlerError> {
    let commands = Update::filter_message()
        .filter_command::<Cmd>()
        .endpoint(handlers::on_command::<B>);
    let messages = Update::filter_message().endpoint(handlers::on_message::<B>);
    let callbacks = Update::filter_callback_query().endpoint(handlers::on_callback::<B>);
    dptree::entry()
        .branch(commands)
        .branch(messages)
        .branch(callbacks)
}

/// Dependencies of [`schema`], in the form `Dispatcher` and tests take.
pub fn dependencies(service: Arc<crate::service::Service>, i18n: Arc<I18n>) -> DependencyMap {
    dptree::deps![service, i18n]
}
