use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use churn_audit_bot::{app, config, config::Config};

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
