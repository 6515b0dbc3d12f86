//! The languages the bot speaks, and which one a Telegram user gets.

use std::fmt;

/// A language of the bot: its interface (a locale file) and the language of
/// checklist texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    Ru,
    Uk,
    En,
}

impl Lang {
    /// Every language, in the order `/language` offers them.
    pub const ALL: [Lang; 3] = [Lang::Uk, Lang::Ru, Lang::En];

    /// The ISO 639-1 code: file names, the database, callback data.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::Uk => "uk",
            Lang::En => "en",
        }
    }

    /// A code as [`Lang::code`] writes it; anything else is `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language for a Telegram user's `language_code` (an IETF tag
    /// such as `uk`, `ru-RU` or `en-US`): Ukrainian for `uk`; Russian for
    /// `ru`, `be` and `kk`, whose speakers mostly read Russian; English for
    /// `en`; `fallback` for anything else, or no code at all.
    pub fn from_telegram(language_code: Option<&str>, fallback: Lang) -> Lang {
        let primary = language_code
            .and_then(|code| code.split(['-', '_']).next())
            .map(str::to_ascii_lowercase);
        match primary.as_deref() {
            Some("uk") => Lang::Uk,
            Some("ru" | "be" | "kk") => Lang::Ru,
            Some("en") => Lang::En,
            _ => fallback,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_language_codes_map_to_the_bots_languages() {
        let cases = [
            (Some("uk"), Lang::Uk),
            (Some("uk-UA"), Lang::Uk),
            (Some("ru"), Lang::Ru),
            (Some("ru-RU"), Lang::Ru),
            (Some("be"), Lang::Ru),
            (Some("kk"), Lang::Ru),
            (Some("en"), Lang::En),
            (Some("en-GB"), Lang::En),
            (Some("EN_us"), Lang::En),
            (Some("de"), Lang::Uk),
            (Some("pl"), Lang::Uk),
            (Some(""), Lang::Uk),
            (None, Lang::Uk),
        ];
        for (code, expected) in cases {
            assert_eq!(Lang::from_telegram(code, Lang::Uk), expected, "{code:?}");
        }
        assert_eq!(Lang::from_telegram(Some("fr"), Lang::En), Lang::En);
    }

    #[test]
    fn codes_round_trip_and_nothing_else_parses() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        for bad in ["", "RU", "ua", "en-US", "de", " ru"] {
            assert_eq!(Lang::parse(bad), None, "{bad:?}");
        }
    }
}
