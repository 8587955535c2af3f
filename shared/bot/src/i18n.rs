//! The text catalog: every user-facing string in English, Russian and Ukrainian, as Fluent
//! messages (`locales/<lang>.ftl` in each capability's crate; the core's own in this crate). Fluent
//! gives placeholders and CLDR plural rules (`{ $count -> [one] товар [few] товари *[many] товарів }`).
//!
//! - Every string placeholder is HTML-escaped ([`Arg::Text`]); texts are sent with
//!   `parse_mode` HTML. A fragment that is already safe HTML (built from other catalog texts with
//!   escaped values) is passed as [`Arg::Html`].
//! - A key missing in a language falls back to English; [`Catalog::problems`] (run by each
//!   crate's tests) fails on a key missing in a language, a key only one language has, and
//!   placeholders that differ between languages.
//! - The language of a user: their choice (`/language`), else Telegram's `language_code`, else the
//!   workspace default, English ([`Lang::resolve`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;

use crate::ctx::Ctx;
use crate::html::escape;

/// The languages every text exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    En,
    Ru,
    Uk,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ru, Lang::Uk];
    /// The workspace default until workspaces can set theirs.
    pub const DEFAULT: Lang = Lang::En;

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Uk => "uk",
        }
    }

    /// `ru`, `ru-RU`, `uk`, `en-GB`…; other languages are `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The user's choice, else Telegram's `language_code`, else English.
    pub fn resolve(chosen: Option<&str>, language_code: Option<&str>) -> Lang {
        Lang::resolve_or(chosen, language_code, Lang::DEFAULT)
    }

    /// The user's choice, else Telegram's `language_code`, else the workspace's language.
    pub fn resolve_or(chosen: Option<&str>, language_code: Option<&str>, workspace: Lang) -> Lang {
        chosen
            .and_then(Lang::from_code)
            .or_else(|| language_code.and_then(Lang::from_code))
            .unwrap_or(workspace)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A placeholder value.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    /// Plain text: escaped for HTML.
    Text(Cow<'a, str>),
    /// Already safe HTML, inserted as is.
    Html(String),
    /// A number (plural forms select on it).
    Num(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}
impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Cow::Owned(s))
    }
}
impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Num(n)
    }
}
impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Num(n as i64)
    }
}
impl From<i32> for Arg<'_> {
    fn from(n: i32) -> Self {
        Arg::Num(n.into())
    }
}

/// One crate's texts in the three languages.
pub struct Catalog {
    name: &'static str,
    bundles: Vec<FluentBundle<FluentResource>>,
    /// For each language, each key's placeholders (for [`Catalog::problems`]).
    placeholders: Vec<BTreeMap<String, BTreeSet<String>>>,
    errors: Vec<String>,
}

impl Catalog {
    /// The catalog from the Fluent sources of each language. A source that does not parse is kept
    /// as far as it parses, and named by [`Catalog::problems`].
    pub fn new(name: &'static str, en: &str, ru: &str, uk: &str) -> Catalog {
        let mut c = Catalog {
            name,
            bundles: Vec::new(),
            placeholders: Vec::new(),
            errors: Vec::new(),
        };
        for (lang, src) in Lang::ALL.into_iter().zip([en, ru, uk]) {
            let res = match FluentResource::try_new(src.to_owned()) {
                Ok(r) => r,
                Err((r, errs)) => {
                    c.errors.push(format!(
                        "{name}/{}: {} syntax errors: {errs:?}",
                        lang.code(),
                        errs.len()
                    ));
                    r
                }
            };
            let mut ph = BTreeMap::new();
            for e in res.entries() {
                if let ast::Entry::Message(m) = e {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        pattern_vars(p, &mut vars);
                    }
                    ph.insert(m.id.name.to_owned(), vars);
                }
            }
            let langid: unic_langid::LanguageIdentifier =
                lang.code().parse().expect("a valid language id");
            let mut b = FluentBundle::new_concurrent(vec![langid]);
            // No Unicode isolation marks around placeables: Telegram shows them as stray characters.
            b.set_use_isolating(false);
            if let Err(errs) = b.add_resource(res) {
                c.errors.push(format!("{name}/{}: {errs:?}", lang.code()));
            }
            c.bundles.push(b);
            c.placeholders.push(ph);
        }
        c
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Every key (English's).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.placeholders[0].keys().map(String::as_str)
    }

    pub fn has(&self, key: &str) -> bool {
        self.placeholders[0].contains_key(key)
    }

    /// The text of `key` in `lang` (English when that language lacks it; the key itself, logged,
    /// when no language has it).
    pub fn format(&self, lang: Lang, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            let v = match v {
                Arg::Text(s) => FluentValue::from(escape(s)),
                Arg::Html(s) => FluentValue::from(s.as_str()),
                Arg::Num(n) => FluentValue::from(*n),
            };
            fargs.set(*k, v);
        }
        for b in [&self.bundles[lang.index()], &self.bundles[0]] {
            if let Some(p) = b.get_message(key).and_then(|m| m.value()) {
                let mut errs = Vec::new();
                let s = b.format_pattern(p, Some(&fargs), &mut errs);
                if !errs.is_empty() {
                    tracing::warn!(catalog = self.name, key, errors = ?errs, "text formatted with errors");
                }
                return s.into_owned();
            }
        }
        tracing::error!(catalog = self.name, key, "text missing from the catalog");
        escape(key)
    }

    /// What is wrong with the catalog: syntax errors, a key missing in a language or present only
    /// in one, placeholders that differ between languages.
    pub fn problems(&self) -> Vec<String> {
        let mut v = self.errors.clone();
        let all: BTreeSet<&String> = self.placeholders.iter().flat_map(|p| p.keys()).collect();
        for key in all {
            let en = self.placeholders[0].get(key);
            for (i, lang) in Lang::ALL.into_iter().enumerate() {
                match (self.placeholders[i].get(key), en) {
                    (None, None) => {} // reported as "only in" the languages that have it
                    (None, _) => {
                        v.push(format!("{}: `{key}` missing in {}", self.name, lang.code()))
                    }
                    (Some(_), None) => v.push(format!(
                        "{}: `{key}` only in {}, not in en",
                        self.name,
                        lang.code()
                    )),
                    (Some(p), Some(e)) if p != e => v.push(format!(
                        "{}: `{key}` has placeholders {p:?} in {}, {e:?} in en",
                        self.name,
                        lang.code()
                    )),
                    _ => {}
                }
            }
        }
        v
    }
}

fn pattern_vars(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            expr_vars(expression, out);
        }
    }
}

fn expr_vars(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, out);
            for var in variants {
                pattern_vars(&var.value, out);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, out),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expr_vars(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, out);
            }
        }
        _ => {}
    }
}

/// A capability's `texts` module: its catalog (`catalog()`, built once) and the two ways to
/// write a text, `t(ctx, key, args)` in the language of the update's user and `t_in(lang, key,
/// args)` in a given one. The caller passes its three `.ftl` sources (`include_str!` resolves
/// paths relative to the calling file).
///
/// ```ignore
/// teledesk_bot::texts!(
///     "desk",
///     include_str!("../locales/en.ftl"),
///     include_str!("../locales/ru.ftl"),
///     include_str!("../locales/uk.ftl")
/// );
/// ```
#[macro_export]
macro_rules! texts {
    ($name:literal, $en:expr, $ru:expr, $uk:expr) => {
        /// This crate's texts in the three languages.
        pub fn catalog() -> &'static $crate::i18n::Catalog {
            static C: std::sync::LazyLock<$crate::i18n::Catalog> =
                std::sync::LazyLock::new(|| $crate::i18n::Catalog::new($name, $en, $ru, $uk));
            &C
        }

        /// A text in the language of the update's user.
        pub fn t(
            ctx: &$crate::ctx::Ctx<'_>,
            key: &str,
            args: &[(&str, $crate::i18n::Arg<'_>)],
        ) -> String {
            catalog().format(ctx.lang(), key, args)
        }

        /// A text in a given language (a customer told of a staff action, the team's notices).
        pub fn t_in(
            lang: $crate::i18n::Lang,
            key: &str,
            args: &[(&str, $crate::i18n::Arg<'_>)],
        ) -> String {
            catalog().format(lang, key, args)
        }
    };
}

/// The core's own texts.
pub fn core() -> &'static Catalog {
    static C: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(|| {
        Catalog::new(
            "core",
            include_str!("../locales/en.ftl"),
            include_str!("../locales/ru.ftl"),
            include_str!("../locales/uk.ftl"),
        )
    });
    &C
}

/// A core text in the language of the update's user.
pub fn text(ctx: &Ctx<'_>, key: &str, args: &[(&str, Arg<'_>)]) -> String {
    core().format(ctx.lang(), key, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_catalog_is_complete() {
        assert_eq!(core().problems(), Vec::<String>::new());
    }

    #[test]
    fn problems_are_found() {
        let c = Catalog::new(
            "t",
            "a = A { $x }\nb = B\nonly-en = E\n",
            "a = А { $y }\nb = Б\nextra = Д\n",
            "a = А { $x }\nb = Б\nonly-en = Е\n",
        );
        let p = c.problems();
        assert!(
            p.iter()
                .any(|s| s.contains("`a` has placeholders") && s.contains(" ru")),
            "{p:?}"
        );
        assert!(p.iter().any(|s| s.contains("`extra` only in ru")), "{p:?}");
        assert!(
            p.iter().any(|s| s.contains("`only-en` missing in ru")),
            "{p:?}"
        );
        assert_eq!(p.len(), 3, "{p:?}");
    }

    #[test]
    fn plurals_follow_cldr_and_values_are_escaped() {
        let src = "items = { $count ->\n    [one] { $count } товар\n    [few] { $count } товари\n   *[many] { $count } товарів\n} у { $who }\n";
        let c = Catalog::new("t", src, src, src);
        let f = |n: i64| {
            c.format(
                Lang::Uk,
                "items",
                &[("count", n.into()), ("who", "<Ann>".into())],
            )
        };
        assert_eq!(f(1), "1 товар у &lt;Ann&gt;");
        assert_eq!(f(2), "2 товари у &lt;Ann&gt;");
        assert_eq!(f(5), "5 товарів у &lt;Ann&gt;");
        assert_eq!(f(21), "21 товар у &lt;Ann&gt;");
        assert_eq!(
            c.format(
                Lang::Ru,
                "items",
                &[("count", 22.into()), ("who", "x".into())]
            ),
            "22 товари у x"
        );
    }

    #[test]
    fn languages_resolve_by_choice_then_telegram_then_default() {
        assert_eq!(Lang::resolve(Some("uk"), Some("ru")), Lang::Uk);
        assert_eq!(Lang::resolve(None, Some("ru-RU")), Lang::Ru);
        assert_eq!(Lang::resolve(None, Some("de")), Lang::En);
        assert_eq!(Lang::resolve(None, None), Lang::En);
    }
}
