//! The conversation engine: pure, with no Telegram and no table. Given a scenario, the
//! conversation's [`State`] and one [`Input`], it says the next state and what to show
//! ([`View`]s). The Telegram capability ([`crate::Scenarios`]) and `teledesk scenarios try`
//! (the terminal) both drive it, so what an author tries is what customers get.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use teledesk_bot::html::escape;
use teledesk_bot::i18n::{Arg, Lang};

use crate::input;
use crate::model::{Cond, Kind, Next, Scenario, Step};
use crate::texts::t_in;

/// Where a conversation is. Stored as the session's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct State {
    /// The step being asked (an index into the scenario's steps).
    pub step: usize,
    /// Answers by step id, typed (strings, numbers, lists, objects).
    #[serde(default)]
    pub answers: Map<String, Value>,
    /// The steps asked so far, in order, for Back.
    #[serde(default)]
    pub trail: Vec<usize>,
    /// Edit from the summary: back to it once the edited step is answered.
    #[serde(default)]
    pub editing: bool,
    /// What the current step has collected so far (multi_choice toggles, photos).
    #[serde(default)]
    pub pending: Vec<Value>,
    /// `choice` with Other pressed: the next text is the answer.
    #[serde(default)]
    pub awaiting_other: bool,
    #[serde(default)]
    pub consent: Option<Consent>,
    /// Attribution (`s_<key>__<source>`).
    #[serde(default)]
    pub source: Option<String>,
    pub started_at: i64,
    /// Every step id reached, in order (for the funnel).
    #[serde(default)]
    pub reached: Vec<String>,
    /// The language the conversation is held in.
    pub lang: String,
    /// The idle reminder was sent.
    #[serde(default)]
    pub reminded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    pub version: String,
    pub at: i64,
}

/// A button press, as the capability decodes it from callback data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Press {
    Option(usize),
    Other,
    Toggle(usize),
    Done,
    Accept,
    Decline,
    Back,
    Skip,
    Edit(usize),
    Submit,
}

impl Press {
    /// The short code in callback data (`o3`, `b`, `e5`).
    pub fn code(self) -> String {
        match self {
            Press::Option(i) => format!("o{i}"),
            Press::Other => "x".into(),
            Press::Toggle(i) => format!("t{i}"),
            Press::Done => "d".into(),
            Press::Accept => "a".into(),
            Press::Decline => "n".into(),
            Press::Back => "b".into(),
            Press::Skip => "k".into(),
            Press::Edit(i) => format!("e{i}"),
            Press::Submit => "s".into(),
        }
    }

    pub fn parse(code: &str) -> Option<Press> {
        let num = |s: &str| s.parse::<usize>().ok();
        if code.is_empty() || !code.is_char_boundary(1) {
            return None; // forged data that does not start with one ASCII letter
        }
        Some(match code.split_at(1) {
            ("o", n) => Press::Option(num(n)?),
            ("t", n) => Press::Toggle(num(n)?),
            ("e", n) => Press::Edit(num(n)?),
            ("x", "") => Press::Other,
            ("d", "") => Press::Done,
            ("a", "") => Press::Accept,
            ("n", "") => Press::Decline,
            ("b", "") => Press::Back,
            ("k", "") => Press::Skip,
            ("s", "") => Press::Submit,
            _ => return None,
        })
    }
}

/// What the person sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Text(String),
    /// A shared contact: its phone and whose it is.
    Contact {
        phone: String,
        user_id: Option<i64>,
    },
    Location {
        lat: f64,
        lon: f64,
    },
    Photo {
        file_id: String,
        unique_id: String,
    },
    /// A sticker, voice, document…: never an answer.
    Other,
    Press(Press),
}

/// A keyboard under a view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Keyboard {
    None,
    /// Inline buttons, rows of (label, press).
    Inline(Vec<Vec<(String, Press)>>),
    /// A reply keyboard: one button that shares the phone (`contact`) or the location, and
    /// text buttons (Back, Skip) that send their label.
    Share {
        contact: bool,
        label: String,
        extra: Vec<String>,
    },
    /// Removes a reply keyboard.
    Remove,
    /// Inline buttons of another capability (a built-in flow's host), as Telegram's markup.
    Markup(Value),
}

/// One message to show: HTML, its keyboard, a photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub html: String,
    pub keyboard: Keyboard,
    pub photo: Option<String>,
}

impl View {
    fn text(html: String, keyboard: Keyboard) -> View {
        View {
            html,
            keyboard,
            photo: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum End {
    Submit,
    Decline,
}

/// The result of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub state: State,
    pub views: Vec<View>,
    /// The state changed (a transition to write).
    pub moved: bool,
    /// The input does not fit this step (a button of another step): nothing changes, and the
    /// press is answered as expired.
    pub stale: bool,
    pub end: Option<End>,
}

/// A conversation of `sc` in `lang`.
pub struct Flow<'a> {
    pub sc: &'a Scenario,
    pub lang: &'a str,
    pub ui: Lang,
}

impl<'a> Flow<'a> {
    /// The flow in the user's language when the scenario speaks it, else in its first.
    pub fn new(sc: &'a Scenario, user: Lang) -> Flow<'a> {
        let lang = sc.language_for(user.code());
        Flow {
            sc,
            lang,
            ui: Lang::from_code(lang).unwrap_or(user),
        }
    }

    fn t(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        t_in(self.ui, key, args)
    }

    fn tx(&self, t: &crate::model::Text) -> String {
        self.sc.text(t, self.lang).to_owned()
    }

    /// Starts a conversation: the first steps up to the first question.
    pub fn start(&self, source: Option<String>, now: i64) -> Turn {
        let state = State {
            source,
            started_at: now,
            lang: self.lang.to_owned(),
            ..State::default()
        };
        self.enter(state, Some(0), Vec::new())
    }

    /// The current step asked again (a resumed conversation, a re-delivered update).
    pub fn current(&self, state: &State) -> View {
        self.question(state, None)
    }

    /// One input at the current step.
    pub fn handle(&self, state: &State, input: Input, from: i64, now: i64) -> Turn {
        let Some(step) = self.sc.steps.get(state.step) else {
            return self.stale(state);
        };
        let mut s = state.clone();
        // Reply-keyboard steps send Back and Skip as text.
        if let (Kind::Phone | Kind::Location, Input::Text(t)) = (step.kind, &input) {
            if t.trim() == self.t("sc-back", &[]) {
                return self.handle(state, Input::Press(Press::Back), from, now);
            }
            if step.optional && t.trim() == self.t("sc-skip", &[]) {
                return self.handle(state, Input::Press(Press::Skip), from, now);
            }
        }
        match input {
            Input::Press(Press::Back) => {
                if s.trail.len() < 2 {
                    return self.stale(state);
                }
                s.trail.pop();
                let prev = *s.trail.last().unwrap_or(&0);
                s.step = prev;
                s.pending.clear();
                s.awaiting_other = false;
                s.editing = false;
                if let Some(v) = s.answers.get(&self.sc.steps[prev].id)
                    && self.sc.steps[prev].kind == Kind::MultiChoice
                {
                    s.pending = v.as_array().cloned().unwrap_or_default();
                }
                let mut views = self.unshare(step);
                views.push(self.question(&s, None));
                moved(s, views)
            }
            Input::Press(Press::Skip) if step.optional => {
                s.answers.remove(&step.id);
                self.after(s, step)
            }
            Input::Press(Press::Edit(j)) if step.kind == Kind::Summary => {
                match self.sc.steps.get(j) {
                    Some(target) if target.kind.asks() && s.answers.contains_key(&target.id) => {
                        s.editing = true;
                        s.step = j;
                        s.trail.push(j);
                        s.pending = match target.kind {
                            Kind::MultiChoice => s.answers[&target.id]
                                .as_array()
                                .cloned()
                                .unwrap_or_default(),
                            _ => Vec::new(),
                        };
                        let v = self.question(&s, None);
                        moved(s, vec![v])
                    }
                    _ => self.stale(state),
                }
            }
            Input::Press(Press::Submit) if step.kind == Kind::Summary => Turn {
                end: Some(crate::engine::End::Submit),
                ..moved(s, Vec::new())
            },
            Input::Press(Press::Accept) if step.kind == Kind::Consent => {
                s.consent = Some(Consent {
                    version: step.policy_version.clone().unwrap_or_default(),
                    at: now,
                });
                self.after(s, step)
            }
            Input::Press(Press::Decline) if step.kind == Kind::Consent => {
                // Nothing personal is kept: only the way through the flow, for the funnel.
                let s = State {
                    answers: Map::new(),
                    ..s
                };
                Turn {
                    end: Some(End::Decline),
                    ..moved(
                        s,
                        vec![View::text(self.t("sc-declined", &[]), Keyboard::None)],
                    )
                }
            }
            Input::Press(Press::Option(i)) if step.kind == Kind::Choice => {
                match step.options.as_deref().and_then(|o| o.get(i)) {
                    Some(o) => {
                        s.answers.insert(step.id.clone(), json!(o.value));
                        s.awaiting_other = false;
                        self.after(s, step)
                    }
                    None => self.stale(state),
                }
            }
            Input::Press(Press::Other) if step.kind == Kind::Choice && step.other => {
                s.awaiting_other = true;
                let v = View::text(
                    self.t("sc-other-prompt", &[]),
                    self.nav(&s, step, Vec::new()),
                );
                moved(s, vec![v])
            }
            Input::Press(Press::Toggle(i)) if step.kind == Kind::MultiChoice => {
                let Some(o) = step.options.as_deref().and_then(|o| o.get(i)) else {
                    return self.stale(state);
                };
                let v = json!(o.value);
                if let Some(at) = s.pending.iter().position(|p| *p == v) {
                    s.pending.remove(at);
                } else {
                    let max = step.max_count.unwrap_or(u32::MAX) as usize;
                    if s.pending.len() >= max {
                        let e = self.t("sc-err-multi-max", &[("count", (max as i64).into())]);
                        return self.invalid(state, step, Some(e));
                    }
                    s.pending.push(v);
                }
                let q = self.question(&s, None);
                moved(s, vec![q])
            }
            Input::Press(Press::Done) if step.kind == Kind::MultiChoice => {
                let min = step.min_count.unwrap_or(1) as usize;
                if s.pending.len() < min {
                    let e = self.t("sc-err-multi-min", &[("count", (min as i64).into())]);
                    return self.invalid(state, step, Some(e));
                }
                s.answers.insert(
                    step.id.clone(),
                    Value::Array(std::mem::take(&mut s.pending)),
                );
                self.after(s, step)
            }
            Input::Press(Press::Done) if step.kind == Kind::Photo => {
                let min = step.min_count.unwrap_or(1) as usize;
                if s.pending.len() < min {
                    let e = self.t("sc-err-photo-min", &[("count", (min as i64).into())]);
                    return self.invalid(state, step, Some(e));
                }
                s.answers.insert(
                    step.id.clone(),
                    Value::Array(std::mem::take(&mut s.pending)),
                );
                self.after(s, step)
            }
            Input::Press(_) => self.stale(state),
            input => match self.answer(step, &s, input, from) {
                Ok(Answer::Value(v)) => {
                    s.answers.insert(step.id.clone(), v);
                    s.awaiting_other = false;
                    self.after(s, step)
                }
                Ok(Answer::Pending(v)) => {
                    s.pending.push(v);
                    let max = step.max_count.unwrap_or(1) as usize;
                    if s.pending.len() >= max {
                        s.answers.insert(
                            step.id.clone(),
                            Value::Array(std::mem::take(&mut s.pending)),
                        );
                        return self.after(s, step);
                    }
                    let n = s.pending.len() as i64;
                    let html = self.t(
                        "sc-photo-received",
                        &[("count", n.into()), ("max", (max as i64).into())],
                    );
                    let done = vec![(self.t("sc-done", &[]), Press::Done)];
                    let kb = self.nav(&s, step, vec![done]);
                    moved(s, vec![View::text(html, kb)])
                }
                Err(e) => self.invalid(state, step, e),
            },
        }
    }

    fn stale(&self, state: &State) -> Turn {
        Turn {
            state: state.clone(),
            views: Vec::new(),
            moved: false,
            stale: true,
            end: None,
        }
    }

    /// The step's error (its own text, or `fallback`), and the question again.
    fn invalid(&self, state: &State, step: &Step, fallback: Option<String>) -> Turn {
        let error = match (&step.error, fallback) {
            (Some(t), _) => self.tx(t),
            (None, Some(f)) => f,
            (None, None) => self.t(default_error(step.kind), &[]),
        };
        Turn {
            state: state.clone(),
            views: vec![self.question(state, Some(error))],
            moved: false,
            stale: false,
            end: None,
        }
    }

    /// Reads a typed or shared answer for the step; `Err` with a specific reason, or none for
    /// the step's general error.
    fn answer(
        &self,
        step: &Step,
        s: &State,
        input: Input,
        from: i64,
    ) -> Result<Answer, Option<String>> {
        let text = match &input {
            Input::Text(t) => Some(t.trim().to_owned()),
            _ => None,
        };
        match step.kind {
            Kind::Choice if s.awaiting_other => {
                let t = text.filter(|t| !t.is_empty()).ok_or(None)?;
                if t.chars().count() > 200 {
                    return Err(Some(self.t(
                        "sc-err-text-length",
                        &[("min", 1.into()), ("max", 200.into())],
                    )));
                }
                Ok(Answer::Value(json!(t)))
            }
            Kind::Text => {
                let t = text.ok_or(None)?;
                let n = t.chars().count() as u32;
                let (lo, hi) = (
                    step.min_length.unwrap_or(1),
                    step.max_length.unwrap_or(1000),
                );
                if n < lo || n > hi {
                    return Err(Some(self.t(
                        "sc-err-text-length",
                        &[("min", i64::from(lo).into()), ("max", i64::from(hi).into())],
                    )));
                }
                if let Some(p) = &step.pattern {
                    let re = regex::Regex::new(&format!("^(?:{p})$")).map_err(|_| None)?;
                    if !re.is_match(&t) {
                        return Err(None);
                    }
                }
                Ok(Answer::Value(json!(t)))
            }
            Kind::Number => {
                let v = text.as_deref().and_then(input::number).ok_or(None)?;
                if !step.decimal && v.fract() != 0.0 {
                    return Err(Some(self.t("sc-err-integer", &[])));
                }
                let out_of = step.min.is_some_and(|m| v < m) || step.max.is_some_and(|m| v > m);
                if out_of {
                    let b = |x: Option<f64>| x.map_or("…".to_owned(), fmt_number);
                    return Err(Some(self.t(
                        "sc-err-number-range",
                        &[("min", b(step.min).into()), ("max", b(step.max).into())],
                    )));
                }
                Ok(Answer::Value(if step.decimal {
                    json!(v)
                } else {
                    json!(v as i64)
                }))
            }
            Kind::Phone => match input {
                Input::Contact { phone, user_id } => {
                    if user_id != Some(from) {
                        return Err(Some(self.t("sc-err-phone-own", &[])));
                    }
                    input::phone(&phone, true)
                        .map(|p| Answer::Value(json!(p)))
                        .ok_or(None)
                }
                _ => text
                    .as_deref()
                    .and_then(|t| input::phone(t, false))
                    .map(|p| Answer::Value(json!(p)))
                    .ok_or(None),
            },
            Kind::Email => text
                .as_deref()
                .and_then(input::email)
                .map(|e| Answer::Value(json!(e)))
                .ok_or(None),
            Kind::Date => text
                .as_deref()
                .and_then(input::date)
                .map(|d| Answer::Value(json!(d)))
                .ok_or(None),
            Kind::Location => match input {
                Input::Location { lat, lon } => Ok(Answer::Value(json!({"lat": lat, "lon": lon}))),
                _ => {
                    let t = text
                        .filter(|t| !t.is_empty() && t.chars().count() <= 100)
                        .ok_or(None)?;
                    Ok(Answer::Value(json!({"city": t})))
                }
            },
            Kind::Photo => match input {
                Input::Photo { file_id, unique_id } => Ok(Answer::Pending(
                    json!({"file_id": file_id, "unique_id": unique_id}),
                )),
                _ => Err(None),
            },
            // Buttons only.
            Kind::Choice | Kind::MultiChoice | Kind::Consent | Kind::Summary | Kind::Message => {
                Err(None)
            }
        }
    }

    /// After `step` was answered: on along its `next` (back to the summary when editing).
    fn after(&self, s: State, step: &Step) -> Turn {
        let i = s.step;
        let mut views = Vec::new();
        if matches!(step.kind, Kind::Phone | Kind::Location) {
            // The reply keyboard goes with a short acknowledgement.
            let html = match s.answers.get(&step.id) {
                Some(v) => self.t("sc-got", &[("value", self.show(step, v).into())]),
                None => self.t("sc-ok", &[]),
            };
            views.push(View::text(html, Keyboard::Remove));
        }
        let mut s = s;
        s.pending.clear();
        let next = self.next_of(&s, i);
        self.enter(s, next, views)
    }

    /// A reply keyboard is removed when its step is left.
    fn unshare(&self, step: &Step) -> Vec<View> {
        if matches!(step.kind, Kind::Phone | Kind::Location) {
            vec![View::text(self.t("sc-ok", &[]), Keyboard::Remove)]
        } else {
            Vec::new()
        }
    }

    /// Goes to step `at` (or submit), showing message steps and skipping steps whose `when`
    /// fails (and, when editing, steps already answered), up to the next question.
    fn enter(&self, mut s: State, mut at: Option<usize>, mut views: Vec<View>) -> Turn {
        let mut guard = 0;
        while let Some(i) = at {
            guard += 1;
            if guard > self.sc.steps.len() * 2 + 2 {
                // A loop of skipped steps (the validator refuses loops of messages): nothing
                // happens rather than a submit the customer never made.
                tracing::warn!(scenario = %self.sc.key, "a loop without a question; the step stays");
                return self.stale(&s);
            }
            let step = &self.sc.steps[i];
            if step.when.as_ref().is_some_and(|w| !holds(w, &s.answers)) {
                s.answers.remove(&step.id);
                at = self.next_of(&s, i);
                continue;
            }
            if s.editing && step.kind.asks() && s.answers.contains_key(&step.id) {
                at = self.next_of(&s, i);
                continue;
            }
            if step.kind == Kind::Message {
                views.push(View {
                    html: step.text.as_ref().map(|t| self.tx(t)).unwrap_or_default(),
                    keyboard: Keyboard::None,
                    photo: step.photo.clone(),
                });
                if !s.reached.contains(&step.id) {
                    s.reached.push(step.id.clone());
                }
                at = self.next_of(&s, i);
                continue;
            }
            if step.kind == Kind::Consent && s.consent.is_some() {
                at = self.next_of(&s, i);
                continue;
            }
            s.step = i;
            if step.kind == Kind::Summary {
                s.editing = false;
            }
            if s.trail.last() != Some(&i) {
                s.trail.push(i);
            }
            if !s.reached.contains(&step.id) {
                s.reached.push(step.id.clone());
            }
            s.pending = match step.kind {
                Kind::MultiChoice => s
                    .answers
                    .get(&step.id)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            views.push(self.question(&s, None));
            return moved(s, views);
        }
        Turn {
            end: Some(End::Submit),
            ..moved(s, views)
        }
    }

    /// Where step `i` goes with the answers so far.
    fn next_of(&self, s: &State, i: usize) -> Option<usize> {
        next_step(self.sc, &s.answers, i)
    }

    /// The current step's question (with an error above it).
    fn question(&self, s: &State, error: Option<String>) -> View {
        let step = &self.sc.steps[s.step];
        let mut html = String::new();
        if let Some(e) = error {
            html.push_str(&format!("⚠️ {e}\n\n"));
        }
        let q = step.text.as_ref().map(|t| self.tx(t)).unwrap_or_default();
        let mut rows: Vec<Vec<(String, Press)>> = Vec::new();
        let kb = match step.kind {
            Kind::Consent => {
                html.push_str(&q);
                html.push_str("\n\n");
                html.push_str(&self.t(
                    "sc-policy",
                    &[
                        ("url", step.policy_url.clone().unwrap_or_default().into()),
                        (
                            "version",
                            step.policy_version.clone().unwrap_or_default().into(),
                        ),
                    ],
                ));
                rows.push(vec![
                    (self.t("sc-accept", &[]), Press::Accept),
                    (self.t("sc-decline", &[]), Press::Decline),
                ]);
                self.nav(s, step, rows)
            }
            Kind::Choice if s.awaiting_other => {
                html.push_str(&self.t("sc-other-prompt", &[]));
                self.nav(s, step, rows)
            }
            Kind::Choice => {
                html.push_str(&q);
                let current = s.answers.get(&step.id);
                for (i, o) in step.options.iter().flatten().enumerate() {
                    let mark = if current == Some(&json!(o.value)) {
                        "• "
                    } else {
                        ""
                    };
                    rows.push(vec![(
                        format!("{mark}{}", strip_tags(&self.tx(&o.label))),
                        Press::Option(i),
                    )]);
                }
                if step.other {
                    rows.push(vec![(self.t("sc-other", &[]), Press::Other)]);
                }
                self.nav(s, step, rows)
            }
            Kind::MultiChoice => {
                html.push_str(&q);
                for (i, o) in step.options.iter().flatten().enumerate() {
                    let on = s.pending.contains(&json!(o.value));
                    let mark = if on { "✅ " } else { "▫️ " };
                    rows.push(vec![(
                        format!("{mark}{}", strip_tags(&self.tx(&o.label))),
                        Press::Toggle(i),
                    )]);
                }
                rows.push(vec![(self.t("sc-done", &[]), Press::Done)]);
                self.nav(s, step, rows)
            }
            Kind::Phone | Kind::Location => {
                html.push_str(&q);
                let mut extra = Vec::new();
                if s.trail.len() > 1 {
                    extra.push(self.t("sc-back", &[]));
                }
                if step.optional {
                    extra.push(self.t("sc-skip", &[]));
                }
                let contact = step.kind == Kind::Phone;
                let label = self.t(
                    if contact {
                        "sc-share-phone"
                    } else {
                        "sc-share-location"
                    },
                    &[],
                );
                Keyboard::Share {
                    contact,
                    label,
                    extra,
                }
            }
            Kind::Photo => {
                html.push_str(&q);
                if !s.pending.is_empty() {
                    rows.push(vec![(self.t("sc-done", &[]), Press::Done)]);
                }
                self.nav(s, step, rows)
            }
            Kind::Summary => {
                html.push_str(&self.t("sc-summary-title", &[]));
                if !q.is_empty() {
                    html.push('\n');
                    html.push_str(&q);
                }
                html.push('\n');
                // Only the answers on the path the answers take (an edit may leave some behind).
                let on_path = crate::external::path(self.sc, &s.answers);
                for (i, st) in self.sc.steps.iter().enumerate() {
                    let Some(v) = s.answers.get(&st.id) else {
                        continue;
                    };
                    if !st.kind.asks() || !on_path.contains(&i) {
                        continue;
                    }
                    let label = escape(&strip_tags(self.sc.label_of(st, self.lang)));
                    html.push_str(&format!("\n<b>{label}</b>: {}", escape(&self.show(st, v))));
                    // Buttons are plain text: the catalog's escaping is undone.
                    let edit = strip_tags(&self.t(
                        "sc-edit",
                        &[("label", strip_tags(self.sc.label_of(st, self.lang)).into())],
                    ));
                    rows.push(vec![(edit, Press::Edit(i))]);
                }
                rows.push(vec![(self.t("sc-submit", &[]), Press::Submit)]);
                self.nav(s, step, rows)
            }
            Kind::Text | Kind::Number | Kind::Email | Kind::Date | Kind::Message => {
                html.push_str(&q);
                self.nav(s, step, rows)
            }
        };
        View {
            html,
            keyboard: kb,
            photo: None,
        }
    }

    /// Back (when there is a step to go back to) and Skip (optional steps) under the rows.
    fn nav(&self, s: &State, step: &Step, mut rows: Vec<Vec<(String, Press)>>) -> Keyboard {
        let mut last = Vec::new();
        if s.trail.len() > 1 {
            last.push((self.t("sc-back", &[]), Press::Back));
        }
        if step.optional {
            last.push((self.t("sc-skip", &[]), Press::Skip));
        }
        if !last.is_empty() {
            rows.push(last);
        }
        if rows.is_empty() {
            Keyboard::None
        } else {
            Keyboard::Inline(rows)
        }
    }

    /// An answer as people read it (plain text: the caller escapes it).
    pub fn show(&self, step: &Step, v: &Value) -> String {
        let label_of = |x: &Value| {
            step.options
                .iter()
                .flatten()
                .find(|o| json!(o.value) == *x)
                .map_or_else(|| plain(x), |o| strip_tags(&self.tx(&o.label)))
        };
        match (step.kind, v) {
            (Kind::Choice, x) => label_of(x),
            (Kind::MultiChoice, Value::Array(xs)) => {
                xs.iter().map(label_of).collect::<Vec<_>>().join(", ")
            }
            (Kind::Photo, Value::Array(xs)) => {
                self.t("sc-photos", &[("count", (xs.len() as i64).into())])
            }
            (Kind::Location, Value::Object(o)) => match o.get("city") {
                Some(c) => plain(c),
                None => format!(
                    "📍 {:.5}, {:.5}",
                    o.get("lat").and_then(Value::as_f64).unwrap_or_default(),
                    o.get("lon").and_then(Value::as_f64).unwrap_or_default()
                ),
            },
            (Kind::Number, Value::Number(n)) => n.as_f64().map_or(n.to_string(), fmt_number),
            (_, x) => plain(x),
        }
    }
}

enum Answer {
    Value(Value),
    /// One of several (photos): kept in `pending` until the step has enough.
    Pending(Value),
}

fn moved(state: State, views: Vec<View>) -> Turn {
    Turn {
        state,
        views,
        moved: true,
        stale: false,
        end: None,
    }
}

fn default_error(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "sc-err-text",
        Kind::Number => "sc-err-number",
        Kind::Choice | Kind::MultiChoice => "sc-err-choice",
        Kind::Phone => "sc-err-phone",
        Kind::Email => "sc-err-email",
        Kind::Date => "sc-err-date",
        Kind::Photo => "sc-err-photo",
        Kind::Location => "sc-err-location",
        Kind::Consent => "sc-err-consent",
        Kind::Summary | Kind::Message => "sc-err-choice",
    }
}

/// Where step `i` goes with these answers (`None`: submit): its first `next` whose `when` holds,
/// else the next step in the list.
pub fn next_step(sc: &Scenario, answers: &Map<String, Value>, i: usize) -> Option<usize> {
    match &sc.steps[i].next {
        None => sc.following(i),
        Some(Next::To(t)) => sc.target(t),
        Some(Next::Branches(bs)) => bs
            .iter()
            .find(|b| b.when.as_ref().is_none_or(|w| holds(w, answers)))
            .map_or(sc.following(i), |b| sc.target(&b.goto)),
    }
}

/// Whether a condition holds on the answers.
pub fn holds(c: &Cond, answers: &Map<String, Value>) -> bool {
    let a = answers.get(&c.step);
    if let Some(want) = c.answered
        && a.is_some() != want
    {
        return false;
    }
    let num = |v: &Value| v.as_f64().or_else(|| v.as_str().and_then(input::number));
    let same = |x: &Value, y: &Value| match (num(x), num(y)) {
        (Some(p), Some(q)) if x.is_number() || y.is_number() => p == q,
        _ => x == y,
    };
    let has = |y: &Value| match a {
        Some(Value::Array(xs)) => xs.iter().any(|x| same(x, y)),
        Some(x) => same(x, y),
        None => false,
    };
    if let Some(e) = &c.equals
        && !has(e)
    {
        return false;
    }
    if let Some(list) = &c.any_of
        && !list.iter().any(has)
    {
        return false;
    }
    let n = a.and_then(num);
    if let Some(lt) = c.lt
        && !n.is_some_and(|n| n < lt)
    {
        return false;
    }
    if let Some(gt) = c.gt
        && !n.is_some_and(|n| n > gt)
    {
        return false;
    }
    true
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A number with thin groups of thousands (`12 500`, `12.5`).
pub fn fmt_number(v: f64) -> String {
    if v.fract() != 0.0 {
        return format!("{v}");
    }
    let s = format!("{}", v.abs() as i64);
    if s.len() < 5 {
        return format!("{v}"); // 2018, 1990: years and small numbers stay whole
    }
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

/// Text without its HTML tags and entities decoded (labels on buttons are plain text).
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}
