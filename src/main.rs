use churn_audit_bot::{app, config, config::Config};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // A missing .env is fine: the environment may hold everything.
    let dotenv = dotenvy::dotenv();
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "info");
    }
    pretty_env_logger::init();
    if let Err(e) = &dotenv {
        if !e.not_found() {
            log::error!("cannot read .env: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("stats") => {
            let (database_url, checklists_dir) = config::data_from_env();
            return match app::stats(&database_url, &checklists_dir).await {
                Ok(text) => {
                    print!("{text}");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    log::error!("{e:#}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        Some(other) => {
            log::error!("unknown command {other:?}; run without arguments to start the bot, or with `stats` for an overview of the audits");
            return std::process::ExitCode::from(2);
        }
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            log::error!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match app::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
