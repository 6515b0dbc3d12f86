//! Configuration from the environment (and `.env`), checked in one place.

use std::fmt;
use std::path::PathBuf;

use crate::domain::lang::Lang;
use crate::domain::schedule::{self, QuietHours, Schedule, ScheduleError};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://churn-audit.db";
pub const DEFAULT_CHECKLISTS_DIR: &str = "questions";

/// The bot token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A token as @BotFather gives it: `<bot id>:<secret>`.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        let (id, secret) = raw.split_once(':').ok_or(ConfigError::MalformedToken)?;
        let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        let secret_ok = secret.len() >= 20
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if id_ok && secret_ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(ConfigError::MalformedToken)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub token: Token,
    pub database_url: DatabaseUrl,
    pub checklists_dir: PathBuf,
    /// Another Bot API server (a local one, or a fake one in tests).
    pub api_url: Option<url::Url>,
    /// The language of users whose Telegram language the bot doesn't speak.
    pub default_language: Lang,
    /// When reminders are sent.
    pub schedule: Schedule,
    /// The operator's side: admin chats and the call to action.
    pub operator: Operator,
    /// Webhook mode instead of long polling, when WEBHOOK_URL is set.
    pub webhook: Option<Webhook>,
}

pub const DEFAULT_WEBHOOK_LISTEN: &str = "0.0.0.0:8080";

/// Where Telegram posts updates, and how the bot tells them from forgeries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// The public https URL Telegram posts to; its path is the one served.
    pub url: url::Url,
    pub listen: std::net::SocketAddr,
    pub secret: Secret,
}

/// The webhook secret. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

fn webhook_from(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Webhook>, ConfigError> {
    let Some(raw_url) = get("WEBHOOK_URL") else {
        return Ok(None);
    };
    let url = url::Url::parse(raw_url.trim())
        .ok()
        .filter(|u| u.scheme() == "https" && u.host_str().is_some())
        .ok_or_else(|| ConfigError::BadWebhookUrl(raw_url.clone()))?;
    let raw_listen = get("WEBHOOK_LISTEN").unwrap_or_else(|| DEFAULT_WEBHOOK_LISTEN.to_string());
    let listen = raw_listen
        .trim()
        .parse()
        .map_err(|_| ConfigError::BadWebhookListen(raw_listen.clone()))?;
    let secret = get("WEBHOOK_SECRET").ok_or(ConfigError::MissingWebhookSecret)?;
    // Telegram's rule for secret_token: 1-256 of A-Z, a-z, 0-9, _ and -.
    let valid = secret.len() <= 256
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(ConfigError::BadWebhookSecret);
    }
    Ok(Some(Webhook {
        url,
        listen,
        secret: Secret(secret),
    }))
}

/// A next step offered at the end of an audit: a button with `text` that
/// opens `url`, and the same on the PDF's last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallToAction {
    pub text: String,
    pub url: url::Url,
}

/// What the operator configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operator {
    /// Chats where admin commands work and finish notices go.
    pub admin_chats: Vec<i64>,
    /// The call to action per language; none for a language without one.
    pub calls_to_action: Vec<(Lang, CallToAction)>,
}

impl Operator {
    pub fn is_admin_chat(&self, chat_id: i64) -> bool {
        self.admin_chats.contains(&chat_id)
    }

    pub fn call_to_action(&self, lang: Lang) -> Option<&CallToAction> {
        self.calls_to_action
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, cta)| cta)
    }
}

/// The longest call-to-action text: it is a button's label.
pub const MAX_CTA_CHARS: usize = 64;

fn operator_from(get: &impl Fn(&str) -> Option<String>) -> Result<Operator, ConfigError> {
    let admin_chats = match get("ADMIN_CHAT_IDS") {
        None => Vec::new(),
        Some(raw) => raw
            .split(',')
            .map(|part| {
                let part = part.trim();
                let digits = part.strip_prefix('-').unwrap_or(part);
                let canonical = !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && (digits == "0" || !digits.starts_with('0'));
                part.parse::<i64>()
                    .ok()
                    .filter(|id| canonical && *id != 0)
                    .ok_or_else(|| ConfigError::BadAdminChats(raw.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let mut calls_to_action = Vec::new();
    for lang in Lang::ALL {
        let suffix = lang.code().to_ascii_uppercase();
        let (text_var, url_var) = (format!("CTA_TEXT_{suffix}"), format!("CTA_URL_{suffix}"));
        let cta_error = |reason: &str| ConfigError::BadCallToAction {
            language: lang.code(),
            reason: reason.to_string(),
        };
        match (get(&text_var), get(&url_var)) {
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => {
                return Err(cta_error("set both the text and the URL, or neither"))
            }
            (Some(text), Some(raw_url)) => {
                let text = text.trim().to_string();
                if text.chars().count() > MAX_CTA_CHARS || text.chars().any(char::is_control) {
                    return Err(cta_error(&format!(
                        "the text must be one line of at most {MAX_CTA_CHARS} characters"
                    )));
                }
                let url = url::Url::parse(raw_url.trim())
                    .ok()
                    .filter(|u| u.scheme() == "https" && u.host_str().is_some())
                    .filter(|u| u.as_str().len() <= 2048)
                    .ok_or_else(|| cta_error("the URL must be a valid https:// address"))?;
                calls_to_action.push((lang, CallToAction { text, url }));
            }
        }
    }
    Ok(Operator {
        admin_chats,
        calls_to_action,
    })
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "TELOXIDE_TOKEN is not set. Get a token from @BotFather in Telegram and put it in .env \
         (TELOXIDE_TOKEN=123456:ABC...) or in the environment"
    )]
    MissingToken,
    #[error(
        "TELOXIDE_TOKEN does not look like a bot token (expected <digits>:<at least 20 letters, \
         digits, _ or ->, as @BotFather gives it)"
    )]
    MalformedToken,
    #[error("TELOXIDE_API_URL is not a valid URL: {0}")]
    BadApiUrl(String),
    #[error(
        "DATABASE_URL is {0:?}; expected sqlite://<file> (e.g. sqlite://churn-audit.db) or postgres://<user>:<password>@<host>/<database>"
    )]
    BadDatabaseUrl(String),
    #[error("DEFAULT_LANGUAGE is {0:?}; the bot speaks uk, ru and en")]
    BadLanguage(String),
    #[error(
        "WEBHOOK_URL is {0:?}; expected the public https:// address Telegram posts updates to"
    )]
    BadWebhookUrl(String),
    #[error("WEBHOOK_LISTEN is {0:?}; expected an address and port such as 0.0.0.0:8080")]
    BadWebhookListen(String),
    #[error(
        "WEBHOOK_SECRET is not set; webhook mode needs it (1-256 characters of A-Z, a-z, 0-9, _ and -), so that forged requests are refused"
    )]
    MissingWebhookSecret,
    #[error("WEBHOOK_SECRET may hold only 1-256 characters of A-Z, a-z, 0-9, _ and -")]
    BadWebhookSecret,
    #[error(
        "ADMIN_CHAT_IDS is {0:?}; expected chat ids separated by commas, e.g. 123456789,-1001234567890"
    )]
    BadAdminChats(String),
    #[error("CTA_TEXT_{} / CTA_URL_{}: {reason}", language.to_ascii_uppercase(), language.to_ascii_uppercase())]
    BadCallToAction {
        language: &'static str,
        reason: String,
    },
    #[error("{variable} is {value:?}: {reason}")]
    BadSchedule {
        variable: &'static str,
        value: String,
        reason: ScheduleError,
    },
}

/// The reminder rules from REMIND_UNFINISHED, REAUDIT_AFTER, REMINDER_HOUR
/// and QUIET_HOURS. Unset means the default; QUIET_HOURS set to nothing
/// (`QUIET_HOURS=`) means no quiet hours.
fn schedule_from(lookup: &impl Fn(&str) -> Option<String>) -> Result<Schedule, ConfigError> {
    fn read<T>(
        lookup: &impl Fn(&str) -> Option<String>,
        variable: &'static str,
        parse: impl Fn(&str) -> Result<T, ScheduleError>,
    ) -> Result<Option<T>, ConfigError> {
        lookup(variable)
            .map(|value| {
                parse(&value).map_err(|reason| ConfigError::BadSchedule {
                    variable,
                    value: value.clone(),
                    reason,
                })
            })
            .transpose()
    }
    let default = Schedule::default();
    let non_empty = |value: &str| {
        if value.trim().is_empty() {
            Err(ScheduleError::BadDuration)
        } else {
            Ok(())
        }
    };
    Ok(Schedule {
        unfinished: read(lookup, "REMIND_UNFINISHED", schedule::parse_durations)?
            .unwrap_or(default.unfinished),
        reaudit_after: read(lookup, "REAUDIT_AFTER", |v| {
            non_empty(v)?;
            schedule::parse_duration(v)
        })?
        .unwrap_or(default.reaudit_after),
        reminder_hour: read(lookup, "REMINDER_HOUR", schedule::parse_hour)?
            .unwrap_or(default.reminder_hour),
        quiet: read(lookup, "QUIET_HOURS", QuietHours::parse)?.unwrap_or(default.quiet),
    })
}

/// Where the data is, and the language to write about it in: all the
/// `stats` and `export` commands need (no token).
#[derive(Debug, Clone)]
pub struct DataConfig {
    pub database_url: DatabaseUrl,
    pub checklists_dir: PathBuf,
    pub default_language: Lang,
}

impl DataConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        Ok(Self {
            database_url: database_url_from(&get)?,
            checklists_dir: PathBuf::from(
                get("CHECKLISTS_DIR").unwrap_or_else(|| DEFAULT_CHECKLISTS_DIR.to_string()),
            ),
            default_language: language_from(&get)?,
        })
    }
}

/// DATABASE_URL: an SQLite file or a PostgreSQL database. Its password
/// never shows: not in `Debug`, not in an error.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL as it may be logged.
    pub fn redacted(&self) -> String {
        crate::storage::redacted_url(&self.0)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

fn database_url_from(get: &impl Fn(&str) -> Option<String>) -> Result<DatabaseUrl, ConfigError> {
    let Some(raw) = get("DATABASE_URL") else {
        return Ok(DatabaseUrl(DEFAULT_DATABASE_URL.to_string()));
    };
    let url = raw.trim();
    let postgres = ["postgres://", "postgresql://"]
        .iter()
        .any(|scheme| url.starts_with(scheme));
    if (url.starts_with("sqlite:") && url.len() > "sqlite:".len())
        || (postgres && url::Url::parse(url).is_ok())
    {
        Ok(DatabaseUrl(url.to_string()))
    } else {
        Err(ConfigError::BadDatabaseUrl(crate::storage::redacted_url(
            url,
        )))
    }
}

fn language_from(get: &impl Fn(&str) -> Option<String>) -> Result<Lang, ConfigError> {
    match get("DEFAULT_LANGUAGE") {
        Some(raw) => Lang::parse(raw.trim()).ok_or(ConfigError::BadLanguage(raw)),
        None => Ok(Lang::En),
    }
}

/// Every variable the bot (or its allocator) reads, its default, and what
/// it is for: what `--help` lists (README's table says the same at more
/// length).
pub const VARIABLES: &[(&str, &str, &str)] = &[
    (
        "TELOXIDE_TOKEN",
        "(required to run)",
        "the bot token from @BotFather",
    ),
    (
        "DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "sqlite://<file> or postgres://<user>:<password>@<host>/<database>",
    ),
    (
        "CHECKLISTS_DIR",
        DEFAULT_CHECKLISTS_DIR,
        "folder of the checklists (*.toml)",
    ),
    (
        "DEFAULT_LANGUAGE",
        "en",
        "uk, ru or en: for users whose Telegram language is none of these",
    ),
    ("TELOXIDE_API_URL", "Telegram's", "another Bot API server"),
    ("RUST_LOG", "info", "log level"),
    (
        "TZ",
        "the server's",
        "time zone of dates, deadlines, REMINDER_HOUR and QUIET_HOURS",
    ),
    (
        "REMIND_UNFINISHED",
        "24h,72h",
        "delays after the last press to remind an unfinished audit",
    ),
    (
        "REMINDER_HOUR",
        "10",
        "local hour of plan-deadline reminders",
    ),
    ("REAUDIT_AFTER", "365d", "when to suggest the repeat audit"),
    (
        "QUIET_HOURS",
        "21-9",
        "local hours without messages; empty: none",
    ),
    (
        "WEBHOOK_URL",
        "(none: long polling)",
        "public https URL for Telegram's webhook",
    ),
    (
        "WEBHOOK_LISTEN",
        DEFAULT_WEBHOOK_LISTEN,
        "where the bot listens in webhook mode",
    ),
    (
        "WEBHOOK_SECRET",
        "(required with WEBHOOK_URL)",
        "the secret token Telegram sends with each update",
    ),
    (
        "ADMIN_CHAT_IDS",
        "(none)",
        "chat ids for finish notices and /stats, /export, /links",
    ),
    (
        "CTA_TEXT_<UK|RU|EN>",
        "(none)",
        "call to action at the end of an audit: button text",
    ),
    ("CTA_URL_<UK|RU|EN>", "(none)", "…and its https URL"),
    (
        "_RJEM_MALLOC_CONF",
        "(compiled in)",
        "jemalloc's settings; environment only, not .env",
    ),
];

/// [`VARIABLES`] as the text `--help` ends with.
pub fn variables_help() -> String {
    let width = VARIABLES.iter().map(|(v, _, _)| v.len()).max().unwrap_or(0);
    let mut out = String::from("Environment variables (also read from .env):\n");
    for (name, default, meaning) in VARIABLES {
        out.push_str(&format!(
            "  {name:width$}  {meaning} [default: {default}]\n"
        ));
    }
    out
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the config from any source of variables; empty means unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let token = Token::parse(&get("TELOXIDE_TOKEN").ok_or(ConfigError::MissingToken)?)?;
        let api_url = get("TELOXIDE_API_URL")
            .map(|raw| {
                url::Url::parse(raw.trim()).map_err(|e| ConfigError::BadApiUrl(e.to_string()))
            })
            .transpose()?;
        let default_language = language_from(&get)?;
        let schedule = schedule_from(&lookup)?;
        let operator = operator_from(&get)?;
        let webhook = webhook_from(&get)?;
        Ok(Self {
            webhook,
            schedule,
            operator,
            default_language,
            token,
            database_url: database_url_from(&get)?,
            checklists_dir: PathBuf::from(
                get("CHECKLISTS_DIR").unwrap_or_else(|| DEFAULT_CHECKLISTS_DIR.to_string()),
            ),
            api_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const TOKEN: &str = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply_when_only_the_token_is_set() {
        let c = config(&[("TELOXIDE_TOKEN", TOKEN)]).expect("valid");
        assert_eq!(c.database_url.as_str(), DEFAULT_DATABASE_URL);
        assert_eq!(c.checklists_dir, PathBuf::from("questions"));
        assert_eq!(c.api_url, None);
        assert_eq!(c.default_language, Lang::En);
        assert_eq!(c.token.expose(), TOKEN);
    }

    #[test]
    fn a_missing_or_empty_token_says_what_to_set() {
        for vars in [&[][..], &[("TELOXIDE_TOKEN", "  ")][..]] {
            let err = config(vars).expect_err("no token");
            assert_eq!(err, ConfigError::MissingToken);
            assert!(err.to_string().contains("@BotFather") && err.to_string().contains(".env"));
        }
    }

    #[test]
    fn a_malformed_token_is_refused_without_echoing_it() {
        for bad in [
            "hello",
            "123456",
            ":AAHdqTcvCH1vGWJxfSeofSAs0K5",
            "12a:AAHdqTcvCH1vGWJxfSeofSAs0K5",
            "1:short",
        ] {
            let err = config(&[("TELOXIDE_TOKEN", bad)]).expect_err(bad);
            assert_eq!(err, ConfigError::MalformedToken);
            assert!(!err.to_string().contains(bad));
        }
    }

    #[test]
    fn the_reminder_rules_default_and_are_read_in_human_forms() {
        let c = config(&[("TELOXIDE_TOKEN", TOKEN)]).expect("valid");
        assert_eq!(c.schedule, Schedule::default());
        assert_eq!(
            c.schedule.unfinished,
            vec![
                std::time::Duration::from_secs(24 * 3600),
                std::time::Duration::from_secs(72 * 3600)
            ]
        );
        assert_eq!(c.schedule.quiet, Some(QuietHours { start: 21, end: 9 }));
        let c = config(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("REMIND_UNFINISHED", "2s,4s"),
            ("REAUDIT_AFTER", "180d"),
            ("REMINDER_HOUR", "8"),
            ("QUIET_HOURS", ""),
        ])
        .expect("valid");
        assert_eq!(
            c.schedule,
            Schedule {
                unfinished: vec![
                    std::time::Duration::from_secs(2),
                    std::time::Duration::from_secs(4)
                ],
                reaudit_after: std::time::Duration::from_secs(180 * 86_400),
                reminder_hour: 8,
                quiet: None,
            }
        );
        // An empty REMIND_UNFINISHED: no unfinished-audit reminders.
        let c = config(&[("TELOXIDE_TOKEN", TOKEN), ("REMIND_UNFINISHED", "")]).expect("valid");
        assert!(c.schedule.unfinished.is_empty());
    }

    #[test]
    fn a_malformed_reminder_rule_names_the_variable_and_the_value() {
        for (variable, value) in [
            ("REMIND_UNFINISHED", "24"),
            ("REMIND_UNFINISHED", "72h,24h"),
            ("REAUDIT_AFTER", "a year"),
            ("REAUDIT_AFTER", ""),
            ("REMINDER_HOUR", "25"),
            ("QUIET_HOURS", "21-21"),
            ("QUIET_HOURS", "night"),
        ] {
            let err = config(&[("TELOXIDE_TOKEN", TOKEN), (variable, value)]).expect_err(variable);
            let text = err.to_string();
            assert!(
                text.contains(variable) && text.contains(&format!("{value:?}")),
                "{text}"
            );
        }
    }

    #[test]
    fn admin_chats_and_calls_to_action_are_read_and_checked() {
        let c = config(&[("TELOXIDE_TOKEN", TOKEN)]).expect("valid");
        assert_eq!(c.operator, Operator::default());
        let c = config(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("ADMIN_CHAT_IDS", " 111, -1002003004005 "),
            ("CTA_TEXT_UK", "Записатися на консультацію"),
            ("CTA_URL_UK", "https://example.com/uk"),
        ])
        .expect("valid");
        assert_eq!(c.operator.admin_chats, [111, -1002003004005]);
        assert!(c.operator.is_admin_chat(111) && !c.operator.is_admin_chat(222));
        let cta = c.operator.call_to_action(Lang::Uk).expect("uk");
        assert_eq!(cta.url.as_str(), "https://example.com/uk");
        assert_eq!(c.operator.call_to_action(Lang::Ru), None);
        for bad in ["abc", "1,,2", "1;2", "0", "+5", "007", "1, x"] {
            let err = config(&[("TELOXIDE_TOKEN", TOKEN), ("ADMIN_CHAT_IDS", bad)]).expect_err(bad);
            assert!(err.to_string().contains("ADMIN_CHAT_IDS"), "{err}");
        }
        for (text, url) in [
            ("Записаться", "http://example.com"),
            ("Записаться", "not a url"),
            (&"я".repeat(65)[..], "https://example.com"),
            ("Две\nстроки", "https://example.com"),
        ] {
            let err = config(&[
                ("TELOXIDE_TOKEN", TOKEN),
                ("CTA_TEXT_RU", text),
                ("CTA_URL_RU", url),
            ])
            .expect_err(url);
            assert!(err.to_string().contains("CTA_TEXT_RU"), "{err}");
        }
        let half = config(&[("TELOXIDE_TOKEN", TOKEN), ("CTA_TEXT_EN", "Book a call")]);
        assert!(matches!(half, Err(ConfigError::BadCallToAction { .. })));
    }

    #[test]
    fn webhook_mode_needs_an_https_url_and_a_secret() {
        let c = config(&[("TELOXIDE_TOKEN", TOKEN)]).expect("valid");
        assert_eq!(c.webhook, None);
        let c = config(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("WEBHOOK_URL", "https://bot.example.com/tg"),
            ("WEBHOOK_SECRET", "s3cret_-X"),
        ])
        .expect("valid");
        let webhook = c.webhook.expect("webhook mode");
        assert_eq!(webhook.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(webhook.url.path(), "/tg");
        assert!(!format!("{webhook:?}").contains("s3cret"));
        for (vars, what) in [
            (
                vec![("WEBHOOK_URL", "http://bot.example.com/")],
                "WEBHOOK_URL",
            ),
            (
                vec![("WEBHOOK_URL", "https://bot.example.com/")],
                "WEBHOOK_SECRET",
            ),
            (
                vec![
                    ("WEBHOOK_URL", "https://bot.example.com/"),
                    ("WEBHOOK_SECRET", "no spaces allowed"),
                ],
                "WEBHOOK_SECRET",
            ),
            (
                vec![
                    ("WEBHOOK_URL", "https://bot.example.com/"),
                    ("WEBHOOK_SECRET", "ok"),
                    ("WEBHOOK_LISTEN", "8080"),
                ],
                "WEBHOOK_LISTEN",
            ),
        ] {
            let mut all = vec![("TELOXIDE_TOKEN", TOKEN)];
            all.extend(vars);
            let err = config(&all).expect_err(what);
            assert!(err.to_string().contains(what), "{err}");
            assert!(!err.to_string().contains("no spaces allowed"), "{err}");
        }
    }

    #[test]
    fn a_database_url_is_sqlite_or_postgres_and_its_password_never_shows() {
        for ok in [
            "sqlite://churn.db",
            "sqlite:///var/lib/bot/audit.db",
            "postgres://bot:s3cret@127.0.0.1/churn",
            "postgresql://bot@db.internal:5432/churn?sslmode=require",
            // The server's Unix socket, on the same machine.
            "postgres://bot:s3cret@localhost/churn?host=/var/run/postgresql",
        ] {
            let c = config(&[("TELOXIDE_TOKEN", TOKEN), ("DATABASE_URL", ok)]).expect(ok);
            assert_eq!(c.database_url.as_str(), ok);
        }
        let c = config(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("DATABASE_URL", "postgres://bot:s3cret@127.0.0.1/churn"),
        ])
        .expect("valid");
        assert!(!format!("{c:?}").contains("s3cret"), "{c:?}");
        for bad in [
            "churn.db",
            "mysql://x@y/z",
            "sqlite:",
            "postgres://bot:s3cret@[::1/churn",
        ] {
            let err = config(&[("TELOXIDE_TOKEN", TOKEN), ("DATABASE_URL", bad)]).expect_err(bad);
            assert!(
                matches!(err, ConfigError::BadDatabaseUrl(_)),
                "{bad}: {err}"
            );
            assert!(err.to_string().starts_with("DATABASE_URL"), "{err}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
        }
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let c = config(&[("TELOXIDE_TOKEN", TOKEN)]).expect("valid");
        assert!(!format!("{c:?}").contains("AAHdq"));
    }

    #[test]
    fn overrides_are_read() {
        let c = config(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("DATABASE_URL", "sqlite:///tmp/x.db"),
            ("CHECKLISTS_DIR", "/srv/lists"),
            ("TELOXIDE_API_URL", "http://127.0.0.1:8081/"),
            ("DEFAULT_LANGUAGE", "uk"),
        ])
        .expect("valid");
        assert_eq!(c.default_language, Lang::Uk);
        assert_eq!(c.database_url.as_str(), "sqlite:///tmp/x.db");
        assert_eq!(c.checklists_dir, PathBuf::from("/srv/lists"));
        assert_eq!(c.api_url.map(|u| u.port()), Some(Some(8081)));
        assert!(matches!(
            config(&[("TELOXIDE_TOKEN", TOKEN), ("TELOXIDE_API_URL", "not a url")]),
            Err(ConfigError::BadApiUrl(_))
        ));
        for bad in ["de", "UK", "ua", "en-US"] {
            let err =
                config(&[("TELOXIDE_TOKEN", TOKEN), ("DEFAULT_LANGUAGE", bad)]).expect_err(bad);
            assert_eq!(err, ConfigError::BadLanguage(bad.to_string()));
            assert!(err.to_string().contains("DEFAULT_LANGUAGE"), "{err}");
        }
    }
}
