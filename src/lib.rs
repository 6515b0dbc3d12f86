//! churn-audit-bot: a Telegram bot that runs a churn-prevention audit.

pub mod domain;
