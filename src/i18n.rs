//! User-facing strings, from Fluent files in `locales/` compiled into the
//! binary (Fluent gives Russian and Ukrainian plural rules for free).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The locales the binary carries, by language code.
const LOCALES: &[(&str, &str)] = &[("ru", include_str!("../locales/ru.ftl"))];

pub struct I18n {
    bundle: FluentBundle<FluentResource>,
}

#[derive(Debug, thiserror::Error)]
pub enum I18nError {
    #[error("no locale for language {0:?}")]
    UnknownLanguage(String),
    #[error("locale {lang}: {problem}")]
    Broken { lang: String, problem: String },
}

/// A named value for a message: text is inserted as given (the caller
/// escapes it for HTML), numbers select plural forms.
pub type Arg<'a> = (&'a str, FluentValue<'a>);

impl I18n {
    pub fn new(lang: &str) -> Result<Self, I18nError> {
        let source = LOCALES
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, s)| *s)
            .ok_or_else(|| I18nError::UnknownLanguage(lang.to_string()))?;
        Self::parse(lang, source)
    }

    pub fn parse(lang: &str, source: &str) -> Result<Self, I18nError> {
        let broken = |problem: String| I18nError::Broken {
            lang: lang.to_string(),
            problem,
        };
        let id: LanguageIdentifier = lang.parse().map_err(|e| broken(format!("{e}")))?;
        let resource = FluentResource::try_new(source.to_string())
            .map_err(|(_, errors)| broken(format!("{errors:?}")))?;
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Telegram shows the Unicode isolation marks Fluent adds by default.
        bundle.set_use_isolating(false);
        bundle
            .add_resource(resource)
            .map_err(|errors| broken(format!("{errors:?}")))?;
        Ok(Self { bundle })
    }

    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }

    pub fn t(&self, key: &str) -> String {
        self.t_args(key, &[])
    }

    /// Formats a message. A missing key is a bug caught by tests; at run time
    /// it shows the key rather than failing the user's request.
    pub fn t_args(&self, key: &str, args: &[Arg<'_>]) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            log::error!("missing locale string {key}");
            return key.to_string();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            log::error!("locale string {key}: {errors:?}");
        }
        text.into_owned()
    }
}

/// A text argument.
pub fn s(name: &str, value: impl Into<String>) -> Arg<'_> {
    (name, FluentValue::from(value.into()))
}

/// A number argument (selects plural forms).
pub fn n(name: &str, value: impl Into<i64>) -> Arg<'_> {
    (name, FluentValue::from(value.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_plurals_follow_russian_rules() {
        let i18n = I18n::new("ru").expect("ru");
        let q = |count: i64| i18n.t_args("questions-count", &[n("count", count)]);
        assert_eq!(q(1), "1 вопрос");
        assert_eq!(q(3), "3 вопроса");
        assert_eq!(q(39), "39 вопросов");
        assert_eq!(q(21), "21 вопрос");
        assert_eq!(q(11), "11 вопросов");
    }

    #[test]
    fn arguments_are_inserted_without_isolation_marks() {
        let i18n = I18n::new("ru").expect("ru");
        let text = i18n.t_args("ack-answer", &[s("answer", "Нет")]);
        assert!(text.contains("Нет"));
        assert!(
            !text.contains('\u{2068}') && !text.contains('\u{2069}'),
            "{text:?}"
        );
    }

    #[test]
    fn an_unknown_language_is_an_error() {
        assert!(matches!(
            I18n::new("xx"),
            Err(I18nError::UnknownLanguage(_))
        ));
    }

    #[test]
    fn a_missing_key_shows_the_key() {
        let i18n = I18n::new("ru").expect("ru");
        assert_eq!(i18n.t("no-such-key"), "no-such-key");
    }

    /// Every key the adapter asks for exists: every kebab-case string literal
    /// in `src/telegram` (`"card-section"`, `"btn-yes"`, …) is a locale key.
    #[test]
    fn every_key_used_in_the_code_exists_in_every_locale() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/telegram"));
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(dir)
            .expect("src/telegram readable")
            .flatten()
        {
            let source = std::fs::read_to_string(entry.path()).expect("source readable");
            for literal in source.split('"').skip(1).step_by(2) {
                let kebab = literal.contains('-')
                    && !literal.starts_with('-')
                    && literal
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if kebab {
                    keys.push(literal.to_string());
                }
            }
        }
        assert!(keys.len() > 40, "the scan found too few keys: {keys:?}");
        for (lang, _) in LOCALES {
            let i18n = I18n::new(lang).expect("locale parses");
            let missing: Vec<&String> = keys.iter().filter(|k| !i18n.has(k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        }
    }
}
