//! Wiring: database, checklists, bot, dispatcher, shutdown.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use teloxide::adaptors::throttle::{Limits, Throttle};
use teloxide::adaptors::CacheMe;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;
use teloxide::{ApiError, RequestError};

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, DataConfig};
use crate::domain::audit::Status;
use crate::domain::checklist;
use crate::i18n::I18n;
use crate::service::{AuditOverview, Service};
use crate::storage::Storage;
use crate::telegram;
use crate::telegram::api::Api;
use crate::telegram::backlog::{Backlog, Bounded};

/// Everything the bot needs from its own files and database (made while
/// Telegram is first asked, see [`serve`]). Fails with a readable message
/// on a bad database or checklist.
pub async fn prepare(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<(Service, Arc<I18n>)> {
    let checklists = checklist::load_dir(&config.checklists_dir).with_context(|| {
        format!(
            "loading checklists from {}",
            config.checklists_dir.display()
        )
    })?;
    for c in &checklists {
        let languages: Vec<&str> = c.languages().map(|l| l.code()).collect();
        log::info!(
            "checklist {} v{}: {} questions in {} sections ({})",
            c.id(),
            c.version(),
            c.original().question_count(),
            c.original().sections.len(),
            languages.join(", ")
        );
    }
    let storage = Storage::connect(config.database_url.as_str())
        .await
        .with_context(|| format!("opening the database {}", config.database_url.redacted()))?;
    let i18n = I18n::new(config.default_language).context("loading the locales")?;
    let rules = &config.schedule;
    let delays: Vec<String> = rules
        .unfinished
        .iter()
        .map(|d| humantime::format_duration(*d).to_string())
        .collect();
    let quiet = rules
        .quiet
        .map(|q| format!("{}-{}", q.start, q.end))
        .unwrap_or_else(|| "none".into());
    log::info!(
        "reminders: unfinished audit after [{}], deadlines at {}:00, repeat audit after {}, quiet hours {quiet}",
        delays.join(", "),
        rules.reminder_hour,
        humantime::format_duration(rules.reaudit_after),
    );
    let service = Service::new(storage, checklists)
        .with_schedule(config.schedule.clone(), clock)
        .with_operator(config.operator.clone());
    Ok((service, Arc::new(i18n)))
}

/// The database and checklists alone, for the commands that need no token.
async fn offline_service(data: &DataConfig) -> anyhow::Result<Service> {
    let dir = &data.checklists_dir;
    let checklists = checklist::load_dir(dir)
        .with_context(|| format!("loading checklists from {}", dir.display()))?;
    let url = data.database_url.as_str();
    let storage = Storage::connect(url)
        .await
        .with_context(|| format!("opening the database {}", data.database_url.redacted()))?;
    Ok(Service::new(storage, checklists))
}

/// The operator's overview: who finished, who is in the middle, and the
/// figures of /stats (the same aggregation, in DEFAULT_LANGUAGE), as text
/// for a terminal. Needs no token: it only reads the database.
pub async fn stats(data: &DataConfig) -> anyhow::Result<String> {
    let service = offline_service(data).await?;
    let overview = service.overview().await.context("reading the audits")?;
    let figures = service
        .stats(SystemClock.now())
        .await
        .context("reading the audits")?;
    let i18n = I18n::new(data.default_language).context("loading the locales")?;
    let locale = i18n.locale(data.default_language);
    service.storage().close().await;
    let mut out = render_stats(&overview);
    for part in telegram::admin::stats_messages(locale, &service, &figures) {
        out.push('\n');
        out.push_str(&telegram::render::html_to_text(&part));
        out.push('\n');
    }
    Ok(out)
}

/// `export --out DIR`: the CSV files of /export, written into `out`.
/// Returns what was written, for the terminal.
pub async fn export(data: &DataConfig, out: &std::path::Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let service = offline_service(data).await?;
    let i18n = I18n::new(data.default_language).context("loading the locales")?;
    let labels = crate::export::bulk::BulkLabels::new(i18n.locale(data.default_language));
    let files = service
        .export_to(out, &labels, crate::export::bulk::MAX_PART_BYTES)
        .await
        .with_context(|| format!("writing the export into {}", out.display()))?;
    service.storage().close().await;
    let mut text = format!(
        "{} answers, {} plan items\n",
        files.answer_rows, files.plan_rows
    );
    for path in files.answers.iter().chain(&files.plans) {
        text.push_str(&format!("{}\n", path.display()));
    }
    Ok(text)
}

fn render_stats(overview: &[AuditOverview]) -> String {
    let date = |secs: i64| {
        chrono::DateTime::from_timestamp(secs, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    let who = |o: &AuditOverview| {
        let handle = o
            .user
            .username
            .as_deref()
            .map(|u| format!(" @{u}"))
            .unwrap_or_default();
        format!("{}{handle} (id {})", o.user.first_name, o.user.id)
    };
    let finished: Vec<_> = overview
        .iter()
        .filter(|o| o.record.status == Status::Finished)
        .collect();
    let open: Vec<_> = overview
        .iter()
        .filter(|o| o.record.status == Status::InProgress)
        .collect();
    let mut out = format!(
        "Finished audits: {}
",
        finished.len()
    );
    for o in &finished {
        let score = o
            .score
            .map(|s| format!("{s}%"))
            .unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "  {}  {}  {} v{}{}  score {score}
",
            date(o.record.finished_at.unwrap_or(o.record.updated_at)),
            who(o),
            o.record.checklist_id,
            o.record.checklist_version,
            source(o),
        ));
    }
    out.push_str(&format!(
        "In progress: {}
",
        open.len()
    ));
    fn source(o: &AuditOverview) -> String {
        o.record
            .source
            .as_deref()
            .map(|s| format!(" from {s}"))
            .unwrap_or_default()
    }
    for o in &open {
        out.push_str(&format!(
            "  {}  {}  {} v{}{}  {}/{} answered
",
            date(o.record.updated_at),
            who(o),
            o.record.checklist_id,
            o.record.checklist_version,
            source(o),
            o.answered,
            o.total,
        ));
    }
    out
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
/// Through `CacheMe` the answer is kept for whoever asks again. Telegram's
/// webhook is looked at beside it (see [`check_webhook`]): one round trip,
/// not two one after the other.
///
/// A token Telegram does not know (wrong, or revoked in @BotFather) is no
/// outage: the start ends, saying so.
async fn wait_for_api<B: Api>(bot: &CacheMe<B>, webhook: Option<&url::Url>) -> anyhow::Result<()> {
    let mut pause = Duration::from_secs(1);
    loop {
        let (me, checked) = tokio::join!(bot.get_me().send(), check_webhook(bot.inner(), webhook));
        match (me, checked) {
            (Ok(me), Ok(())) => {
                log::info!("connected to Telegram as @{}", me.username());
                return Ok(());
            }
            (Err(RequestError::Api(ApiError::InvalidToken)), _)
            | (_, Err(RequestError::Api(ApiError::InvalidToken))) => {
                anyhow::bail!(TOKEN_REFUSED);
            }
            (Err(e), _) | (_, Err(e)) => {
                log::warn!(
                    "Telegram Bot API is not reachable ({e}); retrying in {}s",
                    pause.as_secs()
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(60));
            }
        }
    }
}

/// Stops `listener` itself when `stop` comes: its stream ends, and the
/// dispatcher with it once the updates it handed out are handled. Not
/// through the dispatcher's shutdown token: teloxide 0.17 wakes its loop
/// for that with a notification that is lost if the loop is busy at that
/// moment (handing out an update, or a listener's error), and then it
/// would poll on.
fn stop_listener_on(stop: &Stop, listener: &mut impl teloxide::update_listeners::UpdateListener) {
    let token = listener.stop_token();
    let stop = stop.clone();
    tokio::spawn(async move {
        stop.requested().await;
        token.stop();
    });
}

/// Why the bot ends when Telegram answers 401 Unauthorized.
const TOKEN_REFUSED: &str = "Telegram does not know TELOXIDE_TOKEN (401 Unauthorized): it is \
     wrong or was revoked. Get the bot's current token from @BotFather \
     (/mybots → API Token) and put it in .env";

/// Long polling's errors, logged as teloxide's `LoggingErrorHandler` does.
/// A token Telegram stops accepting while the bot runs (revoked in
/// @BotFather) stops the bot instead: every poll after it would fail too,
/// and a supervisor shows a process that ended with the reason, where one
/// that polls in vain looks alive.
struct PollingErrors {
    halt: tokio::sync::watch::Sender<bool>,
    token_refused: std::sync::atomic::AtomicBool,
}

impl teloxide::error_handlers::ErrorHandler<RequestError> for PollingErrors {
    fn handle_error(
        self: Arc<Self>,
        error: RequestError,
    ) -> futures_util::future::BoxFuture<'static, ()> {
        if matches!(error, RequestError::Api(ApiError::InvalidToken)) {
            if !self
                .token_refused
                .swap(true, std::sync::atomic::Ordering::AcqRel)
            {
                log::error!("{TOKEN_REFUSED}; stopping");
                let _ = self.halt.send(true);
            }
        } else {
            log::error!("An error from the update listener: {error:?}");
        }
        Box::pin(async {})
    }
}

/// Telegram's webhook against how this bot takes updates (`ours`: its
/// WEBHOOK_URL, or none for long polling). Long polling removes a webhook
/// left set (by `set-webhook`, or another deployment): Telegram refuses
/// `getUpdates` while one is. In webhook mode nothing is changed (that is
/// `set-webhook`'s job, once a deployment), but a webhook that is not ours,
/// or whose last delivery failed, is worth a warning: no updates would come.
async fn check_webhook<B: Api>(bot: &B, ours: Option<&url::Url>) -> Result<(), RequestError> {
    let info = bot.get_webhook_info().await?;
    let theirs = info.url.as_ref().map(|u| u.as_str());
    match (ours, theirs) {
        (None, None) => {}
        (None, Some(_)) => {
            log::warn!("a webhook was set: removing it to take updates by long polling");
            bot.delete_webhook().await?;
        }
        (Some(ours), theirs) => {
            const RUN: &str = "until `churn-audit-bot set-webhook` is run once for this deployment";
            let wrong = match theirs {
                Some(url) if url == ours.as_str() => None,
                Some(url) => Some(format!(
                    "Telegram posts updates to {url}, not to WEBHOOK_URL ({ours}): none will come here {RUN}"
                )),
                None => Some(format!(
                    "Telegram has no webhook set: no updates will come to WEBHOOK_URL ({ours}) {RUN}"
                )),
            };
            if let Some(wrong) = wrong {
                log::warn!("{wrong}");
            } else if let Some(error) = &info.last_error_message {
                let when = info
                    .last_error_date
                    .map(|d| d.format(" (%Y-%m-%d %H:%M UTC)").to_string())
                    .unwrap_or_default();
                log::warn!("Telegram's last post to the webhook failed{when}: {error}");
            }
        }
    }
    Ok(())
}

/// How updates come in: long polling, its listener made at start; or
/// Telegram's webhook posts.
enum Listen<'a, P> {
    Polling(P),
    Webhook(&'a crate::config::Webhook),
}

/// Logs how many audits there are in each state, and forgets the updates
/// taken more than a week ago (long past Telegram's redelivery).
async fn log_counts_and_prune(service: Arc<Service>) {
    match service.storage().audit_counts().await {
        Ok(counts) => {
            for (status, count) in counts {
                log::info!("audits {}: {count}", status.code());
            }
        }
        Err(e) => log::warn!("could not count the audits: {e}"),
    }
    let week_ago = SystemClock.now() - 7 * 24 * 3600;
    match service.storage().prune_inbox(week_ago).await {
        Ok(n) if n > 0 => log::info!("forgot {n} updates taken more than a week ago"),
        Ok(_) => {}
        Err(e) => log::warn!("could not prune the inbox: {e}"),
    }
}

/// How many chats' updates are handled at once, at most. Each lane's queue
/// keeps blocks of 32 updates (~62 KB each) once it has been busy: 32 lanes
/// are ~4 MB after a burst where 256 were ~32 MB, and keep two cores as
/// busy. The price: a handler that waits (a 429's retry_after, a place for
/// report files) holds up the chats that share its lane, 1 in 32.
const LANES: i64 = 32;

/// Updates fetched and waiting to be started, at most (see
/// `telegram::backlog`): a few megabytes of them; with [`LANES`] started at
/// once, plenty to keep every lane busy.
const BACKLOG: usize = 512;

/// The lane of an update: one chat's updates always share one, so they
/// are handled in order. teloxide keeps a worker per key until more exist
/// than were ever busy at once — a worker per chat would grow with the
/// users after a burst; a lane per chat group stays at `LANES`.
fn chat_lane(update: &Update) -> Option<i64> {
    update.chat().map(|chat| chat.id.0.rem_euclid(LANES))
}

/// Takes `update` if this process is the first to: `None` if it was taken
/// before. A press's take also reads, in the same command, its user's
/// language and the audit it is a step of, for [`telegram::schema`] to
/// use. A database error lets the update through (handling twice is safer
/// than not at all: a press carries its revision).
async fn first_take(
    update: Update,
    service: Arc<Service>,
    backlog: Arc<Backlog>,
) -> Option<telegram::Prefetched> {
    backlog.started();
    let presser = match &update.kind {
        teloxide::types::UpdateKind::CallbackQuery(q) if !q.from.is_bot => Some(q.from.id.0),
        _ => None,
    };
    let presser = presser.and_then(|id| i64::try_from(id).ok());
    let audit = telegram::pressed_audit(&update);
    match service
        .storage()
        .take_update(i64::from(update.id.0), presser, audit)
        .await
    {
        Ok(Some(taken)) => Some(telegram::Prefetched::new(taken.language, taken.audit)),
        Ok(None) => {
            log::info!("update {} was handled before; skipped", update.id.0);
            None
        }
        Err(e) => {
            log::warn!("could not record update {}: {e}", update.id.0);
            Some(telegram::Prefetched::default())
        }
    }
}

/// `set-webhook`: tells Telegram to post updates to WEBHOOK_URL with
/// WEBHOOK_SECRET. Run once per deployment, not by each instance at start,
/// and never undone on shutdown.
pub async fn set_webhook(config: Config) -> anyhow::Result<()> {
    let Some(webhook) = &config.webhook else {
        anyhow::bail!("set-webhook needs WEBHOOK_URL and WEBHOOK_SECRET");
    };
    let bot = bot(&config);
    bot.set_webhook(webhook.url.clone())
        .secret_token(webhook.secret.expose().to_string())
        .await
        .context("setWebhook")?;
    log::info!("Telegram now posts updates to {}", webhook.url);
    Ok(())
}

/// Set once Ctrl-C or SIGTERM arrives. Listening starts when it is made, so
/// a signal during start-up is never met by the default action (death).
#[derive(Clone)]
pub struct Stop(tokio::sync::watch::Receiver<bool>);

impl Stop {
    /// A stop that comes when the returned sender sends `true` (tests).
    pub fn manual() -> (tokio::sync::watch::Sender<bool>, Self) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        (tx, Self(rx))
    }

    fn listen() -> anyhow::Result<Self> {
        let (tx, rx) = tokio::sync::watch::channel(false);
        #[cfg(unix)]
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("listening for SIGTERM")?;
        tokio::spawn(async move {
            #[cfg(unix)]
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
            log::info!("shutting down: finishing the updates in flight");
            let _ = tx.send(true);
        });
        Ok(Self(rx))
    }

    /// This stop, or the one the returned sender sends: for the bot to
    /// stop itself the way a signal stops it.
    fn or_halt(self) -> (tokio::sync::watch::Sender<bool>, Self) {
        let (halt, stop) = Self::manual();
        let outside = halt.clone();
        tokio::spawn(async move {
            self.requested().await;
            let _ = outside.send(true);
        });
        (halt, stop)
    }

    pub async fn requested(&self) {
        let mut rx = self.0.clone();
        // An error means the listener is gone; then nothing will ever stop us
        // by signal, so wait forever.
        if rx.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Has memory blocks of a megabyte and more — a chart's pixels (3.6 MB),
/// a PDF being written — mapped for themselves, and given back to the
/// system when freed. glibc's threshold otherwise rises to the largest
/// block freed so far, and from then on such blocks come from the heap of
/// the thread that drew them and stay resident: 13–15 MB more at the peak
/// of 50 reports at once (`loadtest --users 50 --idle-users 0`: 82–83 MB
/// instead of 68–69). Call it first thing.
pub fn tune_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a setting of the allocator; it is called
    // with a valid parameter and value, and glibc makes it thread-safe.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let stop = Stop::listen()?;
    serve(config, Arc::new(SystemClock), stop).await
}

/// The bot until `stop`: long polling, and the reminder scheduler on
/// `clock` (a test's own clock in tests).
pub async fn serve(config: Config, clock: Arc<dyn Clock>, stop: Stop) -> anyhow::Result<()> {
    // Stopped from outside (a signal, a test), or by the bot itself when
    // Telegram stops accepting its token.
    let (halt, stop) = stop.or_halt();
    // Throttle keeps the bot within Telegram's limits (per chat, per group,
    // overall) and waits out a 429's retry_after before retrying.
    let bot = bot(&config).throttle(Limits::default());
    // The dispatcher asks `getMe` before it listens. It is given a clone of
    // this cache, filled when Telegram first answers below, so that is not
    // another round trip, and cannot fail once the start has got this far.
    let me = CacheMe::new(bot.clone());
    // Telegram is asked whether it answers while the database opens and
    // migrates: neither waits for the other.
    let (prepared, reachable) = {
        let prepared = prepare(&config, clock);
        // Once Telegram answers (and, for long polling, no webhook is
        // set), the listener is made.
        let reachable = async {
            let polling = async {
                wait_for_api(&me, config.webhook.as_ref().map(|w| &w.url)).await?;
                anyhow::Ok(match &config.webhook {
                    // What teloxide's `polling_default` makes, less its own
                    // webhook check, done above.
                    None => Listen::Polling(
                        Polling::builder(bot.clone())
                            .timeout(Duration::from_secs(10))
                            .build(),
                    ),
                    Some(webhook) => Listen::Webhook(webhook),
                })
            };
            tokio::select! {
                polling = polling => Some(polling),
                _ = stop.requested() => None,
            }
        };
        tokio::pin!(prepared, reachable);
        // A database or checklist that fails ends the start at once, even
        // while the Bot API is still being waited for.
        tokio::select! {
            prepared = &mut prepared => {
                let prepared = prepared?;
                (prepared, reachable.await)
            }
            reachable = &mut reachable => (prepared.await?, reachable),
        }
    };
    let (service, i18n) = prepared;
    let service = Arc::new(service);
    let listen = match reachable {
        Some(Ok(listen)) => listen,
        Some(Err(e)) => {
            service.storage().close().await;
            return Err(e);
        }
        None => {
            log::info!("stopped before the bot started");
            service.storage().close().await;
            return Ok(());
        }
    };
    // What the start needs no answer from goes on beside the updates: the
    // menus and descriptions, the audits' counts for the log, the inbox's
    // pruning.
    tokio::spawn({
        let (bot, i18n, stop) = (bot.clone(), i18n.clone(), stop.clone());
        let admin_chats = config.operator.admin_chats.clone();
        async move {
            tokio::select! {
                () = telegram::set_profile(&bot, &i18n, &admin_chats) => {}
                _ = stop.requested() => {}
            }
        }
    });
    tokio::spawn(log_counts_and_prune(service.clone()));
    let scheduler = tokio::spawn(telegram::run_scheduler(
        bot.clone(),
        service.clone(),
        i18n.clone(),
        {
            let stop = stop.clone();
            async move { stop.requested().await }
        },
    ));
    // Each update is taken once, by update_id, before anything else: a
    // webhook retried by Telegram, a poll repeated after a crash or two
    // instances never handle one twice.
    let handler = dptree::entry()
        .filter_map_async(first_take)
        .chain(telegram::schema::<Throttle<Bot>>());
    let backlog = Backlog::new(BACKLOG);
    let mut dependencies = telegram::dependencies(service.clone(), i18n);
    dependencies.insert(backlog.clone());
    // The handlers' client; the dispatcher's own is the cache above.
    dependencies.insert(bot.clone());
    let mut dispatcher = Dispatcher::builder(me, handler)
        .dependencies(dependencies)
        .distribution_function(chat_lane)
        // Edited messages, channel posts, membership changes: nothing to do.
        // Logged without their content, which may be private.
        .default_handler(|update| async move {
            log::debug!("ignored update {}", update.id.0);
        })
        .build();
    let token_refused = match listen {
        Listen::Polling(listener) => {
            // What `Dispatcher::dispatch` listens with, bounded; a token
            // revoked while the bot runs stops it.
            let errors = Arc::new(PollingErrors {
                halt,
                token_refused: Default::default(),
            });
            let mut listener = Bounded::new(listener, backlog);
            stop_listener_on(&stop, &mut listener);
            dispatcher
                .dispatch_with_listener(listener, errors.clone())
                .await;
            errors
                .token_refused
                .load(std::sync::atomic::Ordering::Acquire)
        }
        Listen::Webhook(webhook) => {
            let listener = match telegram::webhook::listener(webhook, service.clone()).await {
                Ok(listener) => listener,
                Err(e) => {
                    scheduler.abort();
                    service.storage().close().await;
                    return Err(e);
                }
            };
            let errors = teloxide::error_handlers::LoggingErrorHandler::with_custom_text(
                "the webhook listener failed",
            );
            let mut listener = Bounded::new(listener, backlog);
            stop_listener_on(&stop, &mut listener);
            dispatcher.dispatch_with_listener(listener, errors).await;
            false
        }
    };
    if let Err(e) = scheduler.await {
        log::error!("the reminder scheduler failed: {e}");
    }
    service.storage().close().await;
    if token_refused {
        anyhow::bail!(TOKEN_REFUSED);
    }
    log::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_in(chat: i64) -> Update {
        let chat = if chat > 0 {
            serde_json::json!({"id": chat, "type": "private", "first_name": "A"})
        } else {
            serde_json::json!({"id": chat, "type": "supergroup", "title": "G"})
        };
        // From text: teloxide reads the update's kind from a borrowed key,
        // which a `serde_json::Value` cannot lend.
        serde_json::from_str(
            &serde_json::json!({
                "update_id": 1,
                "message": {
                    "message_id": 1, "date": 0, "text": "hi",
                    "chat": chat,
                    "from": {"id": 1, "is_bot": false, "first_name": "A"}
                }
            })
            .to_string(),
        )
        .expect("an update")
    }

    #[test]
    fn a_chat_keeps_its_lane_and_the_lanes_stay_few_whatever_the_chats() {
        let chats = [1, 2, 255, 256, 257, 7_000_123, -1, -1_001_234_567_890];
        let lanes: Vec<i64> = chats
            .iter()
            .map(|&c| chat_lane(&message_in(c)).expect("a lane"))
            .collect();

        assert!(lanes.iter().all(|l| (0..LANES).contains(l)), "{lanes:?}");
        assert_eq!(chat_lane(&message_in(7_000_123)), Some(lanes[5]));
        assert_ne!(lanes[0], lanes[1], "neighbouring chats are spread");
        let distinct: std::collections::HashSet<i64> = (1..=10_000)
            .filter_map(|c| chat_lane(&message_in(c)))
            .collect();
        assert_eq!(distinct.len(), LANES as usize);
    }
}
