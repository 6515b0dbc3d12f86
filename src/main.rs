use churn_audit_bot::{app, config::Config};

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
