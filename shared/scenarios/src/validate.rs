//! The validator: a scenario file (already read from YAML or JSON into a value) becomes a
//! [`Scenario`], or every problem it has, each with its path (`steps[3].next[1].goto`), at once.
//! Refused: unknown fields and step types, fields a step's type does not take, missing required
//! fields, duplicate ids, dangling targets, conditions on steps not asked before, unreachable
//! steps, steps from which no path reaches submit, and texts that are not Telegram HTML.

use std::collections::{BTreeSet, HashSet, VecDeque};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::{Cond, Kind, LANGUAGES, Next, SUBMIT, Scenario, Text};

/// One problem: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The fields a request has (the requests capability fills them through `mapping`).
pub const REQUEST_FIELDS: &[&str] = &[
    "make",
    "model",
    "year_min",
    "year_max",
    "budget_max",
    "currency",
    "mileage_max",
    "fuel",
    "gearbox",
    "city",
    "notes",
];

const TOP: &[&str] = &[
    "key",
    "title",
    "languages",
    "idle_timeout_hours",
    "remind_after_hours",
    "steps",
    "done",
    "admin_summary",
    "menu",
    "creates",
    "mapping",
    "auto_publish",
];
const REQUIRED_TOP: &[&str] = &["key", "title", "steps", "done"];
const COMMON: &[&str] = &["id", "type", "label", "error", "when", "next"];

/// Most steps a scenario may have (buttons carry a step's index).
pub const MAX_STEPS: usize = 60;
/// Most options a choice may have.
pub const MAX_OPTIONS: usize = 24;
/// Longest button label, in characters.
pub const MAX_LABEL: usize = 64;
/// Longest text, in characters (Telegram's message limit).
pub const MAX_TEXT: usize = 4096;

struct Check {
    problems: Vec<Problem>,
}

impl Check {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// A typed value, or a problem at its path (serde_path_to_error names the inner path).
    fn typed<T: DeserializeOwned>(&mut self, path: &str, v: &Value) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(v.clone()) {
            Ok(t) => Some(t),
            Err(e) => {
                let inner = e.path().to_string();
                let at = if inner == "." {
                    path.to_owned()
                } else if path.is_empty() {
                    inner
                } else if inner.starts_with('[') {
                    format!("{path}{inner}")
                } else {
                    format!("{path}.{inner}")
                };
                self.add(at, e.into_inner().to_string());
                None
            }
        }
    }
}

/// Reads and checks a scenario.
pub fn validate(v: &Value) -> Result<Scenario, Vec<Problem>> {
    let mut c = Check {
        problems: Vec::new(),
    };
    let Some(obj) = v.as_object() else {
        c.add(
            "",
            "a scenario is a mapping of fields (key, title, steps, done, …)",
        );
        return Err(c.problems);
    };
    for k in obj.keys() {
        if !TOP.contains(&k.as_str()) {
            c.add(
                k.clone(),
                format!("unknown field; expected one of {}", TOP.join(", ")),
            );
        }
    }
    for k in REQUIRED_TOP {
        if !obj.contains_key(*k) {
            c.add(*k, "required");
        }
    }
    // Each step on its own, so that every step's problems are found.
    let mut steps_ok = true;
    if let Some(steps) = obj.get("steps") {
        match steps.as_array() {
            Some(list) => {
                for (i, s) in list.iter().enumerate() {
                    steps_ok &= step_shape(&mut c, &format!("steps[{i}]"), s);
                }
            }
            None => {
                c.add("steps", "a list of steps");
                steps_ok = false;
            }
        }
    }
    // The rest of the fields, with the steps left out (checked above).
    let mut top = obj.clone();
    top.retain(|k, _| TOP.contains(&k.as_str()) && k != "steps");
    top.insert("steps".into(), Value::Array(Vec::new()));
    for k in REQUIRED_TOP {
        top.entry(k.to_string()).or_insert(match *k {
            "key" => Value::String(String::new()),
            _ => Value::String("-".into()),
        });
    }
    let head: Option<Scenario> = c.typed("", &Value::Object(top));
    if !c.problems.is_empty() || !steps_ok {
        return Err(c.problems);
    }
    let Some(mut sc) = head else {
        return Err(c.problems);
    };
    sc.steps = match c.typed("steps", &obj["steps"]) {
        Some(s) => s,
        None => return Err(c.problems),
    };
    semantics(&mut c, &sc);
    if c.problems.is_empty() {
        Ok(sc)
    } else {
        Err(c.problems)
    }
}

/// A step's fields for its type: known type, no field another type takes, the required ones.
/// Its values are then read as types, so a wrong one is named with its path.
fn step_shape(c: &mut Check, path: &str, s: &Value) -> bool {
    let Some(o) = s.as_object() else {
        c.add(path, "a step is a mapping (id, type, …)");
        return false;
    };
    let before = c.problems.len();
    let kind = match o.get("type").and_then(Value::as_str) {
        Some(t) => match Kind::ALL.iter().find(|(n, _)| *n == t) {
            Some((_, k)) => Some(*k),
            None => {
                let names: Vec<&str> = Kind::ALL.iter().map(|(n, _)| *n).collect();
                c.add(
                    format!("{path}.type"),
                    format!(
                        "unknown step type `{t}`; expected one of {}",
                        names.join(", ")
                    ),
                );
                None
            }
        },
        None => {
            c.add(format!("{path}.type"), "required");
            None
        }
    };
    if !o.contains_key("id") {
        c.add(format!("{path}.id"), "required");
    }
    if let Some(k) = kind {
        let (fields, required) = k.fields();
        for f in o.keys() {
            if !COMMON.contains(&f.as_str()) && !fields.contains(&f.as_str()) {
                c.add(
                    format!("{path}.{f}"),
                    format!("not a field of a `{}` step", k.name()),
                );
            }
        }
        for r in required {
            if !o.contains_key(*r) {
                c.add(
                    format!("{path}.{r}"),
                    format!("required for a `{}` step", k.name()),
                );
            }
        }
    }
    if c.problems.len() == before {
        c.typed::<crate::model::Step>(path, s).is_some()
    } else {
        false
    }
}

fn is_name(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn semantics(c: &mut Check, sc: &Scenario) {
    if !is_name(&sc.key, 40) {
        c.add(
            "key",
            "1 to 40 of a-z, 0-9 and _ (it is the deep link's name)",
        );
    } else if sc.key.starts_with('_') {
        c.add("key", "a key starting with _ is kept for built-in flows");
    }
    if sc.languages.is_empty() {
        c.add("languages", "at least one language");
    }
    let mut seen = HashSet::new();
    for (i, l) in sc.languages.iter().enumerate() {
        if !LANGUAGES.contains(&l.as_str()) {
            c.add(
                format!("languages[{i}]"),
                format!("`{l}` is not one of {}", LANGUAGES.join(", ")),
            );
        }
        if !seen.insert(l) {
            c.add(format!("languages[{i}]"), format!("`{l}` is listed twice"));
        }
    }
    if let Some(h) = sc.idle_timeout_hours
        && !(1..=720).contains(&h)
    {
        c.add("idle_timeout_hours", "1 to 720 hours");
    }
    if let Some(r) = sc.remind_after_hours {
        let idle = sc.idle_timeout_hours.unwrap_or(24);
        if r == 0 || r >= idle {
            c.add(
                "remind_after_hours",
                format!("at least 1 and less than the idle timeout ({idle} h)"),
            );
        }
    }
    text(c, sc, "title", &sc.title, MAX_LABEL);
    text(c, sc, "done", &sc.done, MAX_TEXT);
    if let Some(m) = &sc.menu {
        text(c, sc, "menu", m, MAX_LABEL);
    }

    if sc.steps.is_empty() {
        c.add("steps", "at least one step");
        return;
    }
    if sc.steps.len() > MAX_STEPS {
        c.add("steps", format!("at most {MAX_STEPS} steps"));
    }
    let mut ids: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut summaries = 0;
    for (i, s) in sc.steps.iter().enumerate() {
        let p = format!("steps[{i}]");
        if s.id == SUBMIT || !is_name(&s.id, 32) {
            c.add(
                format!("{p}.id"),
                "1 to 32 of a-z, 0-9 and _, and not `submit`",
            );
        }
        if let Some(j) = ids.insert(&s.id, i) {
            c.add(
                format!("{p}.id"),
                format!("`{}` is also the id of steps[{j}]", s.id),
            );
            ids.insert(&sc.steps[j].id, j);
        }
        if let Some(t) = &s.text {
            text(c, sc, &format!("{p}.text"), t, MAX_TEXT);
        }
        if let Some(t) = &s.label {
            text(c, sc, &format!("{p}.label"), t, MAX_LABEL);
        }
        if let Some(t) = &s.error {
            text(c, sc, &format!("{p}.error"), t, MAX_TEXT);
        }
        match s.kind {
            Kind::Consent => {
                if !s
                    .policy_url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("https://") && u.len() > 8)
                {
                    c.add(format!("{p}.policy_url"), "an https:// URL");
                }
                if s.policy_version.as_deref().is_none_or(str::is_empty) {
                    c.add(format!("{p}.policy_version"), "not empty");
                }
            }
            Kind::Text => {
                if s.min_length.unwrap_or(1) > s.max_length.unwrap_or(1000) {
                    c.add(
                        format!("{p}.min_length"),
                        "more than max_length (1000 unless given)",
                    );
                }
                if s.max_length
                    .is_some_and(|m| m as usize > MAX_TEXT || m == 0)
                {
                    c.add(format!("{p}.max_length"), format!("1 to {MAX_TEXT}"));
                }
                // Compiled as the engine matches it: the whole answer.
                if let Some(re) = &s.pattern
                    && let Err(e) = regex::Regex::new(&format!("^(?:{re})$"))
                {
                    c.add(
                        format!("{p}.pattern"),
                        format!("not a regular expression: {e}"),
                    );
                }
            }
            Kind::Number => {
                if let (Some(a), Some(b)) = (s.min, s.max)
                    && (a > b || (!s.decimal && a.ceil() > b.floor()))
                {
                    c.add(
                        format!("{p}.min"),
                        "more than max (a whole-number step needs a whole number between them)",
                    );
                }
            }
            Kind::Choice | Kind::MultiChoice => {
                let opts = s.options.as_deref().unwrap_or_default();
                if opts.is_empty() || opts.len() > MAX_OPTIONS {
                    c.add(
                        format!("{p}.options"),
                        format!("1 to {MAX_OPTIONS} options"),
                    );
                }
                let mut values = HashSet::new();
                for (j, o) in opts.iter().enumerate() {
                    let ok = !o.value.is_empty()
                        && o.value.len() <= 40
                        && o.value
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(&b));
                    if !ok {
                        c.add(
                            format!("{p}.options[{j}].value"),
                            "1 to 40 of A-Z, a-z, 0-9 and _ . + -",
                        );
                    }
                    if !values.insert(&o.value) {
                        c.add(
                            format!("{p}.options[{j}].value"),
                            format!("`{}` is listed twice", o.value),
                        );
                    }
                    text(
                        c,
                        sc,
                        &format!("{p}.options[{j}].label"),
                        &o.label,
                        MAX_LABEL,
                    );
                }
                if s.kind == Kind::MultiChoice {
                    let (lo, hi) = (
                        s.min_count.unwrap_or(1),
                        s.max_count.unwrap_or(opts.len() as u32),
                    );
                    if lo > hi || hi as usize > opts.len().max(1) {
                        c.add(
                            format!("{p}.max_count"),
                            "min_count ≤ max_count ≤ the number of options",
                        );
                    }
                }
            }
            Kind::Photo => {
                let (lo, hi) = (s.min_count.unwrap_or(1), s.max_count.unwrap_or(1));
                if lo == 0 || lo > hi || hi > 10 {
                    c.add(format!("{p}.max_count"), "1 ≤ min_count ≤ max_count ≤ 10");
                }
            }
            Kind::Summary => {
                summaries += 1;
                if summaries > 1 {
                    c.add(format!("{p}.type"), "a scenario has at most one summary");
                }
                if s.next.is_some() {
                    c.add(format!("{p}.next"), "a summary submits; it has no next");
                }
            }
            _ => {}
        }
        if let Some(w) = &s.when {
            cond(c, sc, &format!("{p}.when"), w, i, false);
        }
        match &s.next {
            Some(Next::To(t)) => target(c, sc, &format!("{p}.next"), t),
            Some(Next::Branches(bs)) => {
                if bs.is_empty() {
                    c.add(format!("{p}.next"), "at least one target");
                }
                for (j, b) in bs.iter().enumerate() {
                    target(c, sc, &format!("{p}.next[{j}].goto"), &b.goto);
                    if let Some(w) = &b.when {
                        cond(c, sc, &format!("{p}.next[{j}].when"), w, i, true);
                    }
                }
            }
            None => {}
        }
    }
    match sc.creates.as_deref() {
        Some("request") => {}
        Some(other) => c.add("creates", format!("`{other}` is not one of: request")),
        None => {
            if !sc.mapping.is_empty() {
                c.add("mapping", "only with `creates`");
            }
            if sc.auto_publish {
                c.add("auto_publish", "only with `creates: request`");
            }
        }
    }
    for (field, step) in &sc.mapping {
        if !REQUEST_FIELDS.contains(&field.as_str()) {
            c.add(
                format!("mapping.{field}"),
                format!(
                    "not a request field; expected one of {}",
                    REQUEST_FIELDS.join(", ")
                ),
            );
        }
        if !sc.steps.iter().any(|s| s.id == *step && s.kind.asks()) {
            c.add(format!("mapping.{field}"), format!("no question `{step}`"));
        }
    }
    if c.problems.is_empty() {
        graph(c, sc);
    }
}

fn target(c: &mut Check, sc: &Scenario, path: &str, t: &str) {
    if t != SUBMIT && sc.index_of(t).is_none() {
        c.add(path, format!("no step `{t}` (a step id or `submit`)"));
    }
}

/// A condition names a question asked before the step (or the step itself, in its `next`).
fn cond(c: &mut Check, sc: &Scenario, path: &str, w: &Cond, at: usize, itself: bool) {
    match sc.index_of(&w.step) {
        Some(j) if j < at || (itself && j == at) => {
            if !sc.steps[j].kind.asks() {
                c.add(format!("{path}.step"), format!("`{}` asks nothing", w.step));
            }
        }
        Some(_) => c.add(
            format!("{path}.step"),
            format!(
                "`{}` comes later; a condition reads answers given before",
                w.step
            ),
        ),
        None => c.add(format!("{path}.step"), format!("no step `{}`", w.step)),
    }
    if w.equals.is_none()
        && w.any_of.is_none()
        && w.lt.is_none()
        && w.gt.is_none()
        && w.answered.is_none()
    {
        c.add(path, "needs one of equals, in, lt, gt, answered");
    }
}

/// Reachability: every step from the first, and submit from every step.
fn graph(c: &mut Check, sc: &Scenario) {
    let n = sc.steps.len();
    let succ: Vec<Vec<Option<usize>>> = (0..n).map(|i| sc.successors(i)).collect();
    let mut reached = vec![false; n];
    let mut queue = VecDeque::from([0]);
    reached[0] = true;
    while let Some(i) = queue.pop_front() {
        for t in succ[i].iter().flatten() {
            if !reached[*t] {
                reached[*t] = true;
                queue.push_back(*t);
            }
        }
    }
    let mut ends = vec![false; n];
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..n {
            if !ends[i] && succ[i].iter().any(|t| t.is_none_or(|t| ends[t])) {
                ends[i] = true;
                changed = true;
            }
        }
    }
    for i in 0..n {
        if !reached[i] {
            c.add(format!("steps[{i}]"), "unreachable from the first step");
        } else if !ends[i] {
            c.add(format!("steps[{i}]"), "no path from here reaches submit");
        }
    }
    // A loop must ask something: messages going round each other would never stop.
    let silent = |i: usize| sc.steps[i].kind == Kind::Message;
    let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
    fn dfs(
        i: usize,
        succ: &[Vec<Option<usize>>],
        silent: &dyn Fn(usize) -> bool,
        state: &mut [u8],
    ) -> Option<usize> {
        state[i] = 1;
        for t in succ[i].iter().flatten() {
            if !silent(*t) {
                continue;
            }
            if state[*t] == 1 {
                return Some(*t);
            }
            if state[*t] == 0
                && let Some(x) = dfs(*t, succ, silent, state)
            {
                return Some(x);
            }
        }
        state[i] = 2;
        None
    }
    for i in (0..n).filter(|i| silent(*i)) {
        if state[i] == 0
            && let Some(at) = dfs(i, &succ, &silent, &mut state)
        {
            c.add(
                format!("steps[{at}]"),
                "a loop of message steps that asks nothing",
            );
            break;
        }
    }
}

fn text(c: &mut Check, sc: &Scenario, path: &str, t: &Text, max: usize) {
    let langs: BTreeSet<&str> = sc.languages.iter().map(String::as_str).collect();
    if let Text::Per(m) = t {
        if !m.contains_key(sc.first_language()) {
            c.add(
                path,
                format!("needs the first language, `{}`", sc.first_language()),
            );
        }
        for l in m.keys() {
            if !langs.contains(l.as_str()) {
                c.add(
                    format!("{path}.{l}"),
                    "a language the scenario does not list",
                );
            }
        }
    }
    for (l, s) in t.each() {
        let at = if l == "*" {
            path.to_owned()
        } else {
            format!("{path}.{l}")
        };
        if s.trim().is_empty() {
            c.add(at.clone(), "empty");
        }
        if s.chars().count() > max {
            c.add(at.clone(), format!("longer than {max} characters"));
        }
        if let Some(p) = teledesk_bot::html::problem(s) {
            c.add(at, format!("invalid HTML: {p}"));
        }
    }
}
