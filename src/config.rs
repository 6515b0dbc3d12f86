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
    pub database_url: String,
    pub checklists_dir: PathBuf,
    /// Another Bot API server (a local one, or a fake one in tests).
    pub api_url: Option<url::Url>,
    /// The language of users whose Telegram language the bot doesn't speak.
    pub default_language: Lang,
    /// When reminders are sent.
    pub schedule: Schedule,
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
    #[error("DEFAULT_LANGUAGE is {0:?}; the bot speaks uk, ru and en")]
    BadLanguage(String),
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

/// Where the data is: all the `stats` command needs (no token).
pub fn data_from_env() -> (String, PathBuf) {
    let get = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
    (
        get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
        PathBuf::from(get("CHECKLISTS_DIR").unwrap_or_else(|| DEFAULT_CHECKLISTS_DIR.to_string())),
    )
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
        let default_language = match get("DEFAULT_LANGUAGE") {
            Some(raw) => {
                Lang::parse(raw.trim()).ok_or_else(|| ConfigError::BadLanguage(raw.clone()))?
            }
            None => Lang::En,
        };
        let schedule = schedule_from(&lookup)?;
        Ok(Self {
            schedule,
            default_language,
            token,
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
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
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
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
        assert_eq!(c.database_url, "sqlite:///tmp/x.db");
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
