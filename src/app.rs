//! Wiring: database, checklists, bot, dispatcher, shutdown.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use teloxide::prelude::*;

use crate::config::Config;
use crate::domain::checklist;
use crate::i18n::I18n;
use crate::service::Service;
use crate::storage::Storage;
use crate::telegram;

/// Everything the bot needs before it talks to Telegram. Fails with a
/// readable message on a bad database or checklist.
pub async fn prepare(config: &Config) -> anyhow::Result<(Service, Arc<I18n>)> {
    let checklists = checklist::load_dir(&config.checklists_dir).with_context(|| {
        format!(
            "loading checklists from {}",
            config.checklists_dir.display()
        )
    })?;
    for c in &checklists {
        log::info!(
            "checklist {} v{}: {} questions in {} sections",
            c.id,
            c.version,
            c.question_count(),
            c.sections.len()
        );
    }
    let storage = Storage::connect(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", config.database_url))?;
    for (status, count) in storage
        .audit_counts()
        .await
        .context("reading audit counts")?
    {
        log::info!("audits {}: {count}", status.code());
    }
    let i18n = I18n::new("ru").context("loading the Russian locale")?;
    Ok((Service::new(storage, checklists), Arc::new(i18n)))
}

pub fn bot(config: &Config) -> Bot {
    let bot = Bot::new(config.token.expose());
    match &config.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    }
}

/// Waits until the Bot API answers, retrying with a growing pause, so an
/// outage at start is ridden out instead of exiting in a restart loop.
async fn wait_for_api(bot: &Bot) -> Option<()> {
    let mut pause = Duration::from_secs(1);
    loop {
        match bot.get_me().await {
            Ok(me) => {
                log::info!("connected to Telegram as @{}", me.username());
                return Some(());
            }
            Err(e) => {
                log::warn!(
                    "Telegram Bot API is not reachable ({e}); retrying in {}s",
                    pause.as_secs()
                );
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = shutdown_signal() => return None,
                }
                pause = (pause * 2).min(Duration::from_secs(60));
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                log::warn!("cannot listen for SIGTERM: {e}");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let (service, i18n) = prepare(&config).await?;
    let service = Arc::new(service);
    let bot = bot(&config);
    if wait_for_api(&bot).await.is_none() {
        log::info!("stopped before Telegram was reachable");
        service.storage().close().await;
        return Ok(());
    }
    if let Err(e) = bot.set_my_commands(telegram::command_menu(&i18n)).await {
        log::warn!("could not set the command menu: {e}");
    }
    let mut dispatcher = Dispatcher::builder(bot, telegram::schema())
        .dependencies(telegram::dependencies(service.clone(), i18n))
        .build();
    let token = dispatcher.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        log::info!("shutting down: finishing the updates in flight");
        if let Ok(done) = token.shutdown() {
            done.await;
        }
    });
    dispatcher.dispatch().await;
    service.storage().close().await;
    log::info!("stopped");
    Ok(())
}
