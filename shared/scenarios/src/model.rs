//! A scenario as its author writes it (YAML or JSON; schema in docs/scenario.schema.json). The
//! types only read the file: what is required and what goes together is checked by
//! [`crate::validate`], which reports every problem with its path at once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The languages a scenario may speak.
pub const LANGUAGES: &[&str] = &["en", "ru", "uk"];

/// The reserved `goto` target that submits the conversation.
pub const SUBMIT: &str = "submit";

/// A text: one string for every language, or one per language (`{en, ru, uk}`); a language it
/// lacks falls back to the scenario's first. Texts are Telegram HTML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Text {
    One(String),
    Per(BTreeMap<String, String>),
}

impl Text {
    /// The text in `lang`, else in `first`, else any.
    pub fn get<'a>(&'a self, lang: &str, first: &str) -> &'a str {
        match self {
            Text::One(s) => s,
            Text::Per(m) => m
                .get(lang)
                .or_else(|| m.get(first))
                .or_else(|| m.values().next())
                .map_or("", String::as_str),
        }
    }

    /// Every (language, text) it holds (`*` for a text of every language).
    pub fn each(&self) -> Vec<(&str, &str)> {
        match self {
            Text::One(s) => vec![("*", s.as_str())],
            Text::Per(m) => m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The deep-link name: `https://t.me/<bot>?start=s_<key>`.
    pub key: String,
    pub title: Text,
    /// The languages it is written in; the first is the fallback.
    #[serde(default = "default_languages")]
    pub languages: Vec<String>,
    /// A conversation idle this long expires (default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_hours: Option<u32>,
    /// One reminder after this long idle (optional, less than the idle timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_after_hours: Option<u32>,
    pub steps: Vec<Step>,
    /// The confirmation sent after submit.
    pub done: Text,
    /// A summary of each lead to the workspace's admin chat (default on).
    #[serde(default = "yes")]
    pub admin_summary: bool,
    /// The label of its button on the home view; without one it is reached by deep link only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub menu: Option<Text>,
    /// `request`: a submitted lead also becomes a request (the requests capability).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creates: Option<String>,
    /// With `creates`: the request's field ← the step whose answer fills it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mapping: BTreeMap<String, String>,
    /// With `creates: request`: publish the request at once instead of leaving a draft.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto_publish: bool,
}

fn default_languages() -> Vec<String> {
    vec!["en".into()]
}

fn yes() -> bool {
    true
}

/// What kind of step. The fields each kind takes are listed in [`Kind::fields`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Message,
    Consent,
    Text,
    Number,
    Choice,
    MultiChoice,
    Phone,
    Email,
    Date,
    Photo,
    Location,
    Summary,
}

impl Kind {
    pub const ALL: &'static [(&'static str, Kind)] = &[
        ("message", Kind::Message),
        ("consent", Kind::Consent),
        ("text", Kind::Text),
        ("number", Kind::Number),
        ("choice", Kind::Choice),
        ("multi_choice", Kind::MultiChoice),
        ("phone", Kind::Phone),
        ("email", Kind::Email),
        ("date", Kind::Date),
        ("photo", Kind::Photo),
        ("location", Kind::Location),
        ("summary", Kind::Summary),
    ];

    pub fn name(self) -> &'static str {
        Kind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("?", |(n, _)| n)
    }

    /// Whether the step collects an answer.
    pub fn asks(self) -> bool {
        !matches!(self, Kind::Message | Kind::Consent | Kind::Summary)
    }

    /// The fields of this kind beyond the common ones (`id`, `type`, `when`, `next`, `label`,
    /// `error`), and which of them are required.
    pub fn fields(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Kind::Message => (&["text", "photo"], &["text"]),
            Kind::Consent => (
                &["text", "policy_url", "policy_version"],
                &["text", "policy_url", "policy_version"],
            ),
            Kind::Text => (
                &["text", "min_length", "max_length", "pattern", "optional"],
                &["text"],
            ),
            Kind::Number => (&["text", "min", "max", "decimal", "optional"], &["text"]),
            Kind::Choice => (
                &["text", "options", "other", "optional"],
                &["text", "options"],
            ),
            Kind::MultiChoice => (
                &["text", "options", "min_count", "max_count", "optional"],
                &["text", "options"],
            ),
            Kind::Phone | Kind::Email | Kind::Date | Kind::Location => {
                (&["text", "optional"], &["text"])
            }
            Kind::Photo => (&["text", "min_count", "max_count", "optional"], &["text"]),
            Kind::Summary => (&["text"], &[]),
        }
    }
}

/// One step. Every field a kind may take is here; [`crate::validate`] refuses the ones that do not
/// belong to the step's kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// `[a-z0-9_]`, ≤ 32; the answer's key in the lead.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// The question (or the message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// The answer's name in the summary and the lead (default: the question).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// Said instead of the built-in message when an answer is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Text>,
    /// `message`: a photo (an HTTPS URL or a Telegram file id) sent with the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    /// `consent`: the privacy policy and its version (recorded on the lead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<String>,
    /// `text`: length bounds (characters) and a regular expression the whole answer matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `number`: bounds, and whether decimals are allowed (integers by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decimal: bool,
    /// `choice`, `multi_choice`: the buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<Choice>>,
    /// `choice`: an "Other" button that takes a typed answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub other: bool,
    /// `multi_choice`: how many may be chosen; `photo`: how many photos (default 1..1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u32>,
    /// A Skip button; a skipped step has no answer (`answered: false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// The step is asked only when this holds; otherwise the flow goes on as its `next` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Cond>,
    /// Where to go after it: a step id, `submit`, or a list of conditional targets (the first
    /// whose `when` holds; one without `when` always does). Default: the next step in the list,
    /// and `submit` after the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Next>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// What the lead stores (`[A-Za-z0-9_.+-]`, ≤ 40).
    pub value: String,
    pub label: Text,
}

/// A condition on an earlier answer; every operator given must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cond {
    pub step: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Next {
    To(String),
    Branches(Vec<Branch>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Cond>,
    pub goto: String,
}

impl Scenario {
    pub fn first_language(&self) -> &str {
        self.languages.first().map_or("en", String::as_str)
    }

    /// A text in `lang` (the scenario's first language when it lacks `lang`).
    pub fn text<'a>(&'a self, t: &'a Text, lang: &str) -> &'a str {
        t.get(lang, self.first_language())
    }

    /// The language a conversation is held in: the user's when the scenario speaks it.
    pub fn language_for<'a>(&'a self, user: &'a str) -> &'a str {
        if self.languages.iter().any(|l| l == user) {
            user
        } else {
            self.first_language()
        }
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// The step a target names, or `None` for `submit`.
    pub fn target(&self, goto: &str) -> Option<usize> {
        if goto == SUBMIT {
            None
        } else {
            self.index_of(goto)
        }
    }

    /// The default successor of step `i`: the next in the list, or submit after the last.
    pub fn following(&self, i: usize) -> Option<usize> {
        (i + 1 < self.steps.len()).then_some(i + 1)
    }

    /// Every target step `i` may go to (`None` = submit), for the validator and the graph.
    pub fn successors(&self, i: usize) -> Vec<Option<usize>> {
        let step = &self.steps[i];
        if step.kind == Kind::Summary {
            return vec![None];
        }
        match &step.next {
            None => vec![self.following(i)],
            Some(Next::To(t)) => vec![self.target(t)],
            Some(Next::Branches(bs)) => {
                let mut v: Vec<Option<usize>> = bs.iter().map(|b| self.target(&b.goto)).collect();
                if bs.last().is_none_or(|b| b.when.is_some()) {
                    v.push(self.following(i));
                }
                v
            }
        }
    }

    /// The answer's name: the step's label, else its question.
    pub fn label_of<'a>(&'a self, step: &'a Step, lang: &str) -> &'a str {
        step.label
            .as_ref()
            .or(step.text.as_ref())
            .map_or(step.id.as_str(), |t| self.text(t, lang))
    }
}
