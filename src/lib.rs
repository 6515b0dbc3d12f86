//! churn-audit-bot: a Telegram bot that runs a churn-prevention audit.

pub mod app;
pub mod clock;
pub mod config;
pub mod domain;
pub mod export;
pub mod i18n;
pub mod service;
pub mod storage;
pub mod telegram;
