//! A lead from another channel (a website form): `POST /api/v1/leads`. Its answers are checked
//! against the scenario's steps as the conversation would check them (types, bounds, options,
//! phone numbers to E.164…), along the path the answers themselves take through the branches:
//! every question on that path that is not optional needs an answer, and no answer may name a
//! step off the path or no step at all.

use serde_json::{Map, Value, json};

use crate::engine::{holds, next_step};
use crate::input;
use crate::model::{Kind, Scenario, Step};
use crate::store::{Contact, Lead, Published};
use crate::validate::Problem;

/// The steps a conversation with these answers asks, in order.
pub fn path(sc: &Scenario, answers: &Map<String, Value>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = Some(0);
    let mut guard = 0;
    while let Some(i) = at {
        guard += 1;
        if guard > sc.steps.len() * 2 + 2 {
            break;
        }
        let step = &sc.steps[i];
        let asked = step.when.as_ref().is_none_or(|w| holds(w, answers));
        if asked && step.kind.asks() {
            out.push(i);
        }
        if step.kind == Kind::Summary {
            break;
        }
        at = next_step(sc, answers, i);
    }
    out
}

/// An answer given as JSON, checked and normalised as the step would take it typed.
pub fn check_answer(step: &Step, v: &Value) -> Result<Value, String> {
    let text = || v.as_str().map(str::trim).ok_or("a string");
    match step.kind {
        Kind::Text => {
            let t = text()?;
            let n = t.chars().count() as u32;
            let (lo, hi) = (
                step.min_length.unwrap_or(1),
                step.max_length.unwrap_or(1000),
            );
            if n < lo || n > hi {
                return Err(format!("{lo} to {hi} characters"));
            }
            if let Some(p) = &step.pattern {
                let re = regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| e.to_string())?;
                if !re.is_match(t) {
                    return Err(format!("does not match the pattern {p}"));
                }
            }
            Ok(json!(t))
        }
        Kind::Number => {
            let n = v
                .as_f64()
                .or_else(|| v.as_str().and_then(input::number))
                .ok_or("a number")?;
            if !step.decimal && n.fract() != 0.0 {
                return Err("a whole number".into());
            }
            if step.min.is_some_and(|m| n < m) || step.max.is_some_and(|m| n > m) {
                let b = |x: Option<f64>| x.map_or("…".to_owned(), |x| x.to_string());
                return Err(format!("from {} to {}", b(step.min), b(step.max)));
            }
            Ok(if step.decimal {
                json!(n)
            } else {
                json!(n as i64)
            })
        }
        Kind::Choice => {
            let t = text()?;
            let values: Vec<&str> = step
                .options
                .iter()
                .flatten()
                .map(|o| o.value.as_str())
                .collect();
            if values.contains(&t) || (step.other && !t.is_empty() && t.chars().count() <= 200) {
                Ok(json!(t))
            } else {
                Err(format!("one of {}", values.join(", ")))
            }
        }
        Kind::MultiChoice => {
            let list = v.as_array().ok_or("a list of option values")?;
            let values: Vec<&str> = step
                .options
                .iter()
                .flatten()
                .map(|o| o.value.as_str())
                .collect();
            let mut out: Vec<Value> = Vec::new();
            for x in list {
                match x.as_str() {
                    Some(s) if values.contains(&s) && !out.contains(x) => out.push(x.clone()),
                    _ => return Err(format!("distinct values among {}", values.join(", "))),
                }
            }
            let (lo, hi) = (
                step.min_count.unwrap_or(1) as usize,
                step.max_count.map_or(values.len(), |m| m as usize),
            );
            if out.len() < lo || out.len() > hi {
                return Err(format!("{lo} to {hi} values"));
            }
            Ok(Value::Array(out))
        }
        Kind::Phone => input::phone(text()?, false)
            .map(|p| json!(p))
            .ok_or_else(|| "a phone number with its country code (+380…)".into()),
        Kind::Email => input::email(text()?)
            .map(|e| json!(e))
            .ok_or_else(|| "an email address".into()),
        Kind::Date => input::date(text()?)
            .map(|d| json!(d))
            .ok_or_else(|| "a date, YYYY-MM-DD".into()),
        Kind::Location => match v {
            Value::Object(o)
                if o.len() == 1
                    && o.get("city")
                        .and_then(Value::as_str)
                        .is_some_and(|c| !c.trim().is_empty() && c.chars().count() <= 100) =>
            {
                Ok(json!({"city": o["city"].as_str().unwrap_or_default().trim()}))
            }
            Value::Object(o) if o.len() == 2 => {
                let lat = o
                    .get("lat")
                    .and_then(Value::as_f64)
                    .filter(|x| (-90.0..=90.0).contains(x));
                let lon = o
                    .get("lon")
                    .and_then(Value::as_f64)
                    .filter(|x| (-180.0..=180.0).contains(x));
                match (lat, lon) {
                    (Some(lat), Some(lon)) => Ok(json!({"lat": lat, "lon": lon})),
                    _ => Err("{\"city\": …} or {\"lat\": …, \"lon\": …}".into()),
                }
            }
            _ => Err("{\"city\": …} or {\"lat\": …, \"lon\": …}".into()),
        },
        Kind::Photo => Err("photos are collected in Telegram only".into()),
        Kind::Message | Kind::Consent | Kind::Summary => Err("this step takes no answer".into()),
    }
}

const FIELDS: &[&str] = &[
    "scenario",
    "answers",
    "contact",
    "language",
    "source",
    "consent_at",
    "consent_version",
    "note",
];

/// The lead a request body describes (`scenario` is read by the caller to find `p`).
pub fn lead(
    p: &Published,
    workspace: &str,
    body: &Map<String, Value>,
    id: String,
    now: i64,
) -> Result<Lead, Vec<Problem>> {
    let sc = &p.scenario;
    let mut problems = Vec::new();
    let mut bad = |path: String, message: String| problems.push(Problem { path, message });
    for k in body.keys() {
        if !FIELDS.contains(&k.as_str()) {
            bad(
                k.clone(),
                format!("unknown field; expected one of {}", FIELDS.join(", ")),
            );
        }
    }
    let given = match body.get("answers") {
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            bad("answers".into(), "an object of answers by step id".into());
            Map::new()
        }
        None => {
            bad("answers".into(), "required".into());
            Map::new()
        }
    };
    // The path the answers take, with the answers as given (conditions compare loosely).
    let on_path = path(sc, &given);
    let mut answers = Map::new();
    let mut questions = Map::new();
    for (k, v) in &given {
        match sc.index_of(k) {
            None => bad(format!("answers.{k}"), "no such step".into()),
            Some(i) if !on_path.contains(&i) => bad(
                format!("answers.{k}"),
                "not asked with these answers (a branch skips it)".into(),
            ),
            Some(i) => match check_answer(&sc.steps[i], v) {
                Ok(v) => {
                    answers.insert(k.clone(), v);
                    questions.insert(
                        k.clone(),
                        json!(crate::engine::strip_tags(
                            sc.label_of(&sc.steps[i], sc.first_language())
                        )),
                    );
                }
                Err(m) => bad(format!("answers.{k}"), m),
            },
        }
    }
    for i in &on_path {
        let s = &sc.steps[*i];
        if !s.optional && !given.contains_key(&s.id) {
            bad(format!("answers.{}", s.id), "required".into());
        }
    }
    let str_field = |k: &str, max: usize, problems: &mut Vec<Problem>| match body.get(k) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= max => Some(s.clone()),
        Some(_) => {
            problems.push(Problem {
                path: k.into(),
                message: format!("a string of at most {max} characters"),
            });
            None
        }
    };
    let language =
        str_field("language", 2, &mut problems).unwrap_or_else(|| sc.first_language().to_owned());
    if !sc.languages.contains(&language) {
        problems.push(Problem {
            path: "language".into(),
            message: format!(
                "one of the scenario's languages: {}",
                sc.languages.join(", ")
            ),
        });
    }
    let source = str_field("source", 64, &mut problems);
    let note = str_field("note", 2000, &mut problems);
    let consent_version = str_field("consent_version", 64, &mut problems);
    let consent_at = match body.get("consent_at") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64().filter(|t| *t > 0) {
            Some(t) => Some(t),
            None => {
                problems.push(Problem {
                    path: "consent_at".into(),
                    message: "epoch seconds".into(),
                });
                None
            }
        },
    };
    if let Some(c) = sc.steps.iter().find(|s| s.kind == Kind::Consent) {
        if consent_at.is_none() {
            problems.push(Problem {
                path: "consent_at".into(),
                message:
                    "required: the scenario asks for consent (epoch seconds when it was given)"
                        .into(),
            });
        }
        if consent_version
            .as_deref()
            .is_some_and(|v| Some(v) != c.policy_version.as_deref())
        {
            problems.push(Problem {
                path: "consent_version".into(),
                message: format!(
                    "the policy's version is {}",
                    c.policy_version.as_deref().unwrap_or_default()
                ),
            });
        }
    }
    let mut contact = Contact::default();
    match body.get("contact") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for k in o.keys() {
                if !["user_id", "username", "name", "phone"].contains(&k.as_str()) {
                    problems.push(Problem {
                        path: format!("contact.{k}"),
                        message: "unknown field; expected user_id, username, name, phone".into(),
                    });
                }
            }
            contact.user_id = o.get("user_id").and_then(Value::as_i64);
            contact.username = o
                .get("username")
                .and_then(Value::as_str)
                .map(|s| s.chars().take(64).collect());
            contact.name = o
                .get("name")
                .and_then(Value::as_str)
                .map(|s| s.chars().take(200).collect());
            if let Some(ph) = o.get("phone") {
                match ph.as_str().and_then(|s| input::phone(s, false)) {
                    Some(p) => contact.phone = Some(p),
                    None => problems.push(Problem {
                        path: "contact.phone".into(),
                        message: "a phone number with its country code (+380…)".into(),
                    }),
                }
            }
        }
        Some(_) => problems.push(Problem {
            path: "contact".into(),
            message: "an object (user_id, username, name, phone)".into(),
        }),
    }
    if contact.phone.is_none()
        && let Some(ph) = sc
            .steps
            .iter()
            .filter(|s| s.kind == Kind::Phone)
            .find_map(|s| answers.get(&s.id).and_then(Value::as_str))
    {
        contact.phone = Some(ph.to_owned());
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Lead {
        id,
        workspace: workspace.to_owned(),
        status: "new".into(),
        scenario: sc.key.clone(),
        scenario_version: p.version,
        answers,
        questions,
        contact,
        language,
        source,
        consent_at,
        consent_version: consent_version.or_else(|| {
            sc.steps
                .iter()
                .find(|s| s.kind == Kind::Consent)
                .and_then(|s| s.policy_version.clone())
        }),
        note,
        bot_id: None,
        reached: on_path.iter().map(|i| sc.steps[*i].id.clone()).collect(),
        started_at: now,
        created_at: now,
        updated_at: now,
        history: Vec::new(),
        created_op: None,
    })
}
