//! User-facing strings, from Fluent files in `locales/` compiled into the
//! binary (Fluent gives Russian and Ukrainian plural rules for free).

use std::ops::Deref;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use crate::domain::lang::Lang;

/// The locale files compiled into the binary, one per language.
pub const LOCALES: &[(Lang, &str)] = &[
    (Lang::Ru, include_str!("../locales/ru.ftl")),
    (Lang::Uk, include_str!("../locales/uk.ftl")),
    (Lang::En, include_str!("../locales/en.ftl")),
];

/// Every string of one language.
pub struct Locale {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
}

#[derive(Debug, thiserror::Error)]
pub enum I18nError {
    #[error("no locale for language {0}")]
    UnknownLanguage(Lang),
    #[error("locale {lang}: {problem}")]
    Broken { lang: Lang, problem: String },
}

/// A named value for a message: text is inserted as given (the caller
/// escapes it for HTML), numbers select plural forms.
pub type Arg<'a> = (&'a str, FluentValue<'a>);

impl Locale {
    /// The compiled-in locale of `lang`.
    pub fn new(lang: Lang) -> Result<Self, I18nError> {
        let source = LOCALES
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, s)| *s)
            .ok_or(I18nError::UnknownLanguage(lang))?;
        Self::parse(lang, source)
    }

    pub fn parse(lang: Lang, source: &str) -> Result<Self, I18nError> {
        let broken = |problem: String| I18nError::Broken { lang, problem };
        let id: LanguageIdentifier = lang.code().parse().map_err(|e| broken(format!("{e}")))?;
        let resource = FluentResource::try_new(source.to_string())
            .map_err(|(_, errors)| broken(format!("{errors:?}")))?;
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Telegram shows the Unicode isolation marks Fluent adds by default.
        bundle.set_use_isolating(false);
        bundle
            .add_resource(resource)
            .map_err(|errors| broken(format!("{errors:?}")))?;
        Ok(Self { lang, bundle })
    }

    pub fn lang(&self) -> Lang {
        self.lang
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
            log::error!("missing locale string {key} in {}", self.lang);
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
            log::error!("locale string {key} in {}: {errors:?}", self.lang);
        }
        text.into_owned()
    }
}

/// Every language's locale, and the language for users whose Telegram
/// language the bot does not speak.
pub struct I18n {
    locales: Vec<Locale>,
    default: Lang,
}

impl I18n {
    /// Every compiled-in locale; `default` is the language of users whose
    /// Telegram language is none of the bot's.
    pub fn new(default: Lang) -> Result<Self, I18nError> {
        let locales = Lang::ALL
            .into_iter()
            .map(Locale::new)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { locales, default })
    }

    pub fn locale(&self, lang: Lang) -> &Locale {
        self.locales
            .iter()
            .find(|l| l.lang == lang)
            .unwrap_or(&self.locales[0])
    }

    /// The language a new user gets from Telegram's `language_code`.
    pub fn guess(&self, language_code: Option<&str>) -> Lang {
        Lang::from_telegram(language_code, self.default)
    }

    /// The locale of `lang`, to keep for the rest of an update.
    pub fn tr(self: &Arc<Self>, lang: Lang) -> Tr {
        Tr {
            i18n: self.clone(),
            lang,
        }
    }
}

/// The locale of the user an update comes from. It reads as a [`Locale`].
#[derive(Clone)]
pub struct Tr {
    i18n: Arc<I18n>,
    lang: Lang,
}

impl Tr {
    /// Every language's locale, for what names all the languages.
    pub fn all(&self) -> &Arc<I18n> {
        &self.i18n
    }
}

impl Deref for Tr {
    type Target = Locale;

    fn deref(&self) -> &Locale {
        self.i18n.locale(self.lang)
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
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    fn locale(lang: Lang) -> Locale {
        Locale::new(lang).expect("the locale parses")
    }

    /// Plural forms as CLDR has them: 1, 2, 5, 11, 21, 22, 25.
    #[test]
    fn plurals_follow_each_languages_rules() {
        let cases: [(Lang, [&str; 7]); 3] = [
            (
                Lang::Ru,
                [
                    "1 вопрос",
                    "2 вопроса",
                    "5 вопросов",
                    "11 вопросов",
                    "21 вопрос",
                    "22 вопроса",
                    "25 вопросов",
                ],
            ),
            (
                Lang::Uk,
                [
                    "1 питання",
                    "2 питання",
                    "5 питань",
                    "11 питань",
                    "21 питання",
                    "22 питання",
                    "25 питань",
                ],
            ),
            (
                Lang::En,
                [
                    "1 question",
                    "2 questions",
                    "5 questions",
                    "11 questions",
                    "21 questions",
                    "22 questions",
                    "25 questions",
                ],
            ),
        ];
        for (lang, expected) in cases {
            let l = locale(lang);
            for (count, want) in [1, 2, 5, 11, 21, 22, 25].into_iter().zip(expected) {
                assert_eq!(
                    l.t_args("questions-count", &[n("count", count)]),
                    want,
                    "{lang}"
                );
            }
        }
        let minutes = |lang, count: i64| locale(lang).t_args("minutes-count", &[n("count", count)]);
        assert_eq!(minutes(Lang::Uk, 1), "1 хвилина");
        assert_eq!(minutes(Lang::Uk, 3), "3 хвилини");
        assert_eq!(minutes(Lang::Uk, 15), "15 хвилин");
        assert_eq!(minutes(Lang::Ru, 21), "21 минуты");
        assert_eq!(minutes(Lang::Ru, 3), "3 минут");
        assert_eq!(minutes(Lang::En, 1), "1 minute");
        assert_eq!(minutes(Lang::En, 12), "12 minutes");
    }

    #[test]
    fn arguments_are_inserted_without_isolation_marks() {
        for lang in Lang::ALL {
            let text = locale(lang).t_args("ack-answer", &[s("answer", "X")]);
            assert!(text.contains('X'));
            assert!(
                !text.contains('\u{2068}') && !text.contains('\u{2069}'),
                "{text:?}"
            );
        }
    }

    /// Telegram refuses a description over 512 characters, a short one over
    /// 120, a command description over 256.
    #[test]
    fn the_bots_profile_fits_telegrams_limits_in_every_language() {
        for lang in Lang::ALL {
            let l = locale(lang);
            for (key, max) in [("bot-description", 512), ("bot-short-description", 120)] {
                let chars = l.t(key).chars().count();
                assert!((1..=max).contains(&chars), "{lang} {key}: {chars}");
            }
        }
    }

    #[test]
    fn a_missing_key_shows_the_key() {
        assert_eq!(locale(Lang::Uk).t("no-such-key"), "no-such-key");
    }

    #[test]
    fn a_broken_locale_is_refused_naming_its_language() {
        let err = Locale::parse(Lang::Uk, "ok = так\nbroken = { $x\n").err();
        assert!(
            matches!(&err, Some(I18nError::Broken { lang: Lang::Uk, .. })),
            "{err:?}"
        );
    }

    #[test]
    fn every_language_has_a_locale_and_the_default_serves_unknown_codes() {
        let i18n = Arc::new(I18n::new(Lang::Uk).expect("all locales"));
        for lang in Lang::ALL {
            assert_eq!(i18n.locale(lang).lang(), lang);
        }
        assert_eq!(i18n.guess(Some("de")), Lang::Uk);
        assert_eq!(i18n.guess(Some("en-US")), Lang::En);
        assert_eq!(i18n.tr(Lang::Ru).lang(), Lang::Ru);
    }

    /// Message id → the variables its text uses.
    fn variables(source: &str) -> BTreeMap<String, BTreeSet<String>> {
        fn pattern(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
            for element in &p.elements {
                if let ast::PatternElement::Placeable { expression } = element {
                    expr(expression, out);
                }
            }
        }
        fn expr(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
            match e {
                ast::Expression::Select { selector, variants } => {
                    inline(selector, out);
                    for v in variants {
                        pattern(&v.value, out);
                    }
                }
                ast::Expression::Inline(i) => inline(i, out),
            }
        }
        fn inline(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
            match i {
                ast::InlineExpression::VariableReference { id } => {
                    out.insert(id.name.to_string());
                }
                ast::InlineExpression::Placeable { expression } => expr(expression, out),
                ast::InlineExpression::FunctionReference { arguments, .. } => {
                    for a in &arguments.positional {
                        inline(a, out);
                    }
                }
                _ => {}
            }
        }
        let resource = fluent_syntax::parser::parse(source).expect("the locale parses");
        let mut out = BTreeMap::new();
        for entry in resource.body {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(value) = &m.value {
                    pattern(value, &mut vars);
                }
                out.insert(m.id.name.to_string(), vars);
            }
        }
        out
    }

    /// A missing or extra key, or a variable one translation lacks, fails
    /// here rather than in front of a user.
    #[test]
    fn every_locale_has_the_messages_and_variables_of_the_russian_one() {
        let (_, first) = LOCALES[0];
        let reference = variables(first);
        assert!(reference.len() > 200, "{} messages", reference.len());
        for (lang, source) in &LOCALES[1..] {
            let other = variables(source);
            let missing: Vec<_> = reference
                .keys()
                .filter(|k| !other.contains_key(*k))
                .collect();
            let extra: Vec<_> = other
                .keys()
                .filter(|k| !reference.contains_key(*k))
                .collect();
            assert!(missing.is_empty(), "{lang}.ftl lacks {missing:?}");
            assert!(extra.is_empty(), "{lang}.ftl has extra {extra:?}");
            for (key, vars) in &reference {
                assert_eq!(&other[key], vars, "{lang}.ftl: the variables of {key}");
            }
        }
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
        for lang in Lang::ALL {
            let l = locale(lang);
            let missing: Vec<&String> = keys.iter().filter(|k| !l.has(k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        }
    }
}
