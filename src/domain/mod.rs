//! The product's rules, free of Telegram and SQL.

pub mod audit;
pub mod checklist;
pub mod lang;
pub mod link;
pub mod plan;
pub mod report;
pub mod schedule;
pub mod stats;
