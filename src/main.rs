use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use churn_audit_bot::{app, config, config::Config};

/// jemalloc instead of glibc's malloc for Rust's allocations: each thread
/// allocates from its own cache and frees into it, where glibc's free of a
/// block another thread allocated (a tokio task moves between workers)
/// locks that thread's arena, and the two threads met on its lock (perf:
/// futex waits and wakes inside malloc and free). 5–15 % less CPU a press
/// (docs/speed.md). SQLite's own allocations stay with glibc.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read as it starts (`_RJEM_MALLOC_CONF` in the
/// environment overrides them): one arena behind the threads' caches, not
/// four a core; caches of half the default size; freed pages handed back
/// to the system within half a second, not ten. With its defaults the peak
/// of 50 audits finishing at once was 43.6–43.9 MB; with these, 36.0–36.6.
#[used]
#[export_name = "_rjem_malloc_conf"]
static MALLOC_CONF: MallocConf =
    MallocConf(c"narenas:1,dirty_decay_ms:500,muzzy_decay_ms:0,lg_tcache_nslots_mul:-1".as_ptr());

/// A C string jemalloc reads; it is never written.
#[repr(transparent)]
struct MallocConf(*const std::ffi::c_char);
// SAFETY: it points at a string literal, immutable for the whole run.
unsafe impl Sync for MallocConf {}

/// A Telegram bot that audits why a small business's customers leave.
#[derive(Parser)]
#[command(name = "churn-audit-bot", version, after_help = config::variables_help())]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot (the default): long polling, reminders, finish notices.
    Run,
    /// Tell Telegram to post updates to WEBHOOK_URL (with WEBHOOK_SECRET),
    /// once per deployment; the bot never removes the webhook itself.
    SetWebhook,
    /// Print the operator's overview and figures (needs no token).
    Stats,
    /// Write every answer and every plan item as CSV files into a folder
    /// (needs no token).
    Export {
        /// The folder to write into; created if missing.
        #[arg(long)]
        out: PathBuf,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    app::tune_memory();
    let cli = Cli::parse();
    // A missing .env is fine: the environment may hold everything.
    let dotenv = dotenvy::dotenv();
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "info");
    }
    pretty_env_logger::init();
    if let Err(e) = &dotenv {
        if !e.not_found() {
            log::error!("cannot read .env: {e}");
            return ExitCode::FAILURE;
        }
    }
    let done = match cli.command.unwrap_or(Command::Run) {
        Command::Run => match Config::from_env() {
            // On a worker thread, not this one: the dispatcher's loop then
            // hands each update to a lane on the same runtime thread instead
            // of waking one from outside (`loadtest`: ~10 % less CPU and
            // ~4 fewer context switches a press on two cores).
            Ok(config) => match tokio::spawn(app::run(config)).await {
                Ok(done) => done,
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e.into()),
        },
        Command::SetWebhook => match Config::from_env() {
            Ok(config) => app::set_webhook(config).await,
            Err(e) => Err(e.into()),
        },
        Command::Stats => match config::DataConfig::from_env() {
            Ok(data) => app::stats(&data).await.map(|text| print!("{text}")),
            Err(e) => Err(e.into()),
        },
        Command::Export { out } => match config::DataConfig::from_env() {
            Ok(data) => app::export(&data, &out).await.map(|text| print!("{text}")),
            Err(e) => Err(e.into()),
        },
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
