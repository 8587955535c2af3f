//! The validator on good and broken files, and the engine driven step by step (no Telegram):
//! the shipped car_request in three languages, every step type, validation errors, branching,
//! Back, Edit, Decline.

use serde_json::{Value, json};
use teledesk_bot::i18n::Lang;
use teledesk_scenarios::engine::{End, Flow, Input, Keyboard, Press, State, Turn};
use teledesk_scenarios::model::Scenario;
use teledesk_scenarios::validate::validate;

const ME: i64 = 42;

fn yaml(s: &str) -> Value {
    yaml_serde::from_str(s).expect("yaml")
}

fn car() -> Scenario {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/scenarios/car_request.yaml"
    ))
    .unwrap();
    validate(&yaml(&text)).expect("car_request is valid")
}

fn press(f: &Flow<'_>, s: &State, p: Press) -> Turn {
    f.handle(s, Input::Press(p), ME, 1000)
}

fn say(f: &Flow<'_>, s: &State, t: &str) -> Turn {
    f.handle(s, Input::Text(t.into()), ME, 1000)
}

fn step_id<'a>(sc: &'a Scenario, t: &Turn) -> &'a str {
    &sc.steps[t.state.step].id
}

fn buttons(t: &Turn) -> Vec<String> {
    match &t.views.last().expect("a view").keyboard {
        Keyboard::Inline(rows) => rows.iter().flatten().map(|(l, _)| l.clone()).collect(),
        _ => Vec::new(),
    }
}

fn last_html(t: &Turn) -> &str {
    &t.views.last().expect("a view").html
}

#[test]
fn car_request_runs_to_submit_in_each_language() {
    let sc = car();
    for (lang, make_q, done_word) in [
        (Lang::En, "Which make", "Budget"),
        (Lang::Ru, "Какую марку", "Бюджет"),
        (Lang::Uk, "Яку марку", "Бюджет"),
    ] {
        let f = Flow::new(&sc, lang);
        let t = f.start(Some("ads".into()), 900);
        assert_eq!(t.views.len(), 2, "welcome message, then the consent");
        assert_eq!(step_id(&sc, &t), "consent");
        let t = press(&f, &t.state, Press::Accept);
        assert_eq!(t.state.consent.as_ref().unwrap().version, "2026-01");
        assert!(
            last_html(&t).contains(make_q),
            "{lang:?}: {}",
            last_html(&t)
        );
        let t = press(&f, &t.state, Press::Option(0));
        let t = say(&f, &t.state, "RAV4");
        let t = say(&f, &t.state, "2018");
        let t = say(&f, &t.state, "2021");
        let t = press(&f, &t.state, Press::Option(0));
        let t = say(&f, &t.state, "25k");
        assert_eq!(step_id(&sc, &t), "city");
        assert!(matches!(
            t.views.last().unwrap().keyboard,
            Keyboard::Share { contact: false, .. }
        ));
        let t = say(&f, &t.state, "Kyiv");
        assert_eq!(
            t.views[0].keyboard,
            Keyboard::Remove,
            "the location keyboard goes"
        );
        assert_eq!(step_id(&sc, &t), "phone");
        let t = f.handle(
            &t.state,
            Input::Contact {
                phone: "380501234567".into(),
                user_id: Some(ME),
            },
            ME,
            1000,
        );
        assert_eq!(step_id(&sc, &t), "summary");
        assert!(last_html(&t).contains(done_word), "{}", last_html(&t));
        let t = press(&f, &t.state, Press::Submit);
        assert_eq!(t.end, Some(End::Submit));
        let a = &t.state.answers;
        assert_eq!(a["make"], json!("toyota"));
        assert_eq!(a["model"], json!("RAV4"));
        assert_eq!(a["year_from"], json!(2018));
        assert_eq!(a["budget"], json!(25000));
        assert_eq!(a["city"], json!({"city": "Kyiv"}));
        assert_eq!(a["phone"], json!("+380501234567"));
        assert_eq!(t.state.source.as_deref(), Some("ads"));
        assert!(!a.contains_key("welcome") && !a.contains_key("consent"));
    }
}

#[test]
fn invalid_input_repeats_the_question_with_the_reason_and_changes_nothing() {
    let sc = car();
    let f = Flow::new(&sc, Lang::En);
    let t = press(&f, &f.start(None, 0).state, Press::Accept);
    let at_make = t.state.clone();
    // A typed answer where buttons are asked; a sticker.
    for input in [Input::Text("tesla".into()), Input::Other] {
        let bad = f.handle(&at_make, input, ME, 0);
        assert!(!bad.moved && !bad.stale);
        assert_eq!(bad.state, at_make);
        assert!(
            last_html(&bad).contains("choose one of the buttons"),
            "{}",
            last_html(&bad)
        );
        assert!(last_html(&bad).contains("Which make"));
    }
    let t = press(&f, &at_make, Press::Option(1));
    let t = say(&f, &t.state, "Golf");
    for (input, why) in [
        ("abc", "Please send a number"),
        ("1985", "from 1990 to 2027"),
        ("2018.5", "whole number"),
    ] {
        let bad = say(&f, &t.state, input);
        assert!(!bad.moved, "{input}");
        assert!(
            last_html(&bad).contains(why),
            "{input}: {}",
            last_html(&bad)
        );
    }
    // A contact that is not the sender's own.
    let mut s = t.state.clone();
    s.step = sc.index_of("phone").unwrap();
    let bad = f.handle(
        &s,
        Input::Contact {
            phone: "380501234567".into(),
            user_id: Some(7),
        },
        ME,
        0,
    );
    assert!(!bad.moved);
    assert!(
        last_html(&bad).contains("your own phone"),
        "{}",
        last_html(&bad)
    );
    let bad = say(&f, &s, "0501234567");
    assert!(last_html(&bad).contains("country code"));
    let ok = say(&f, &s, "+380 50 123 45 67");
    assert_eq!(ok.state.answers["phone"], json!("+380501234567"));
    // A button of another step is stale.
    let stale = press(&f, &s, Press::Toggle(0));
    assert!(stale.stale && !stale.moved);
}

#[test]
fn back_returns_to_the_previous_question_and_edit_returns_to_the_summary() {
    let sc = car();
    let f = Flow::new(&sc, Lang::En);
    let t = press(&f, &f.start(None, 0).state, Press::Accept);
    let t = press(&f, &t.state, Press::Option(2));
    assert_eq!(step_id(&sc, &t), "model");
    let back = press(&f, &t.state, Press::Back);
    assert_eq!(step_id(&sc, &back), "make");
    assert!(last_html(&back).contains("Which make"));
    // Run to the summary.
    let t = press(&f, &back.state, Press::Option(2));
    let mut t = say(&f, &t.state, "X5");
    for a in ["2019", "2022"] {
        t = say(&f, &t.state, a);
    }
    let t = press(&f, &t.state, Press::Option(1));
    let t = say(&f, &t.state, "40 000");
    let t = f.handle(
        &t.state,
        Input::Location {
            lat: 50.45,
            lon: 30.52,
        },
        ME,
        0,
    );
    let t = say(&f, &t.state, "+48 601 234 567");
    assert_eq!(step_id(&sc, &t), "summary");
    // Back from the phone's reply keyboard is typed text: checked above through the summary.
    let model = sc.index_of("model").unwrap();
    let e = press(&f, &t.state, Press::Edit(model));
    assert_eq!(step_id(&sc, &e), "model");
    let e = say(&f, &e.state, "X3");
    assert_eq!(
        step_id(&sc, &e),
        "summary",
        "after the edit, straight back to the summary"
    );
    assert!(last_html(&e).contains("X3"));
    assert_eq!(e.state.answers["budget"], json!(40000));
    assert_eq!(e.state.answers["city"], json!({"lat": 50.45, "lon": 30.52}));
}

#[test]
fn decline_ends_and_keeps_nothing_personal() {
    let sc = car();
    let f = Flow::new(&sc, Lang::Ru);
    let t = press(&f, &f.start(None, 0).state, Press::Decline);
    assert_eq!(t.end, Some(End::Decline));
    assert!(t.state.answers.is_empty());
    assert!(
        last_html(&t).contains("ничего не сохранено"),
        "{}",
        last_html(&t)
    );
}

const BRANCHY: &str = r#"
key: branchy
title: Branchy
steps:
  - id: kind
    type: choice
    text: New or used?
    options: [{value: new, label: New}, {value: used, label: Used}]
    next:
      - when: {step: kind, equals: used}
        goto: mileage
      - goto: extras
  - id: mileage
    type: number
    text: Max mileage?
    decimal: true
    next:
      - when: {step: mileage, gt: 100000}
        goto: warn
      - goto: extras
  - id: warn
    type: message
    text: That's a lot of kilometres.
  - id: extras
    type: multi_choice
    text: Extras?
    options: [{value: ac, label: A/C}, {value: nav, label: Navigation}, {value: tow, label: Tow bar}]
    min_count: 1
    max_count: 2
  - id: pics
    type: photo
    text: Photos of your current car?
    when: {step: kind, equals: used}
    min_count: 1
    max_count: 2
  - id: email
    type: email
    text: Your email?
    optional: true
  - id: when
    type: date
    text: When do you need it?
done: Thanks!
"#;

#[test]
fn branches_conditions_multi_choice_photos_and_optional_steps() {
    let sc = validate(&yaml(BRANCHY)).expect("valid");
    let f = Flow::new(&sc, Lang::En);
    // New car: no mileage, no photos.
    let t = f.start(None, 0);
    let t = press(&f, &t.state, Press::Option(0));
    assert_eq!(step_id(&sc, &t), "extras");
    let t = press(&f, &t.state, Press::Done);
    assert!(!t.moved && last_html(&t).contains("at least 1 option"));
    let t1 = press(&f, &t.state, Press::Toggle(0));
    assert!(
        t1.moved && buttons(&t1).contains(&"✅ A/C".to_owned()),
        "{:?}",
        buttons(&t1)
    );
    let t2 = press(&f, &t1.state, Press::Toggle(1));
    let over = press(&f, &t2.state, Press::Toggle(2));
    assert!(!over.moved && last_html(&over).contains("at most 2 options"));
    let t3 = press(&f, &t2.state, Press::Toggle(0)); // off again
    let t = press(&f, &t3.state, Press::Done);
    assert_eq!(t.state.answers["extras"], json!(["nav"]));
    assert_eq!(
        step_id(&sc, &t),
        "email",
        "photos skipped: `when` does not hold"
    );
    let t = press(&f, &t.state, Press::Skip);
    assert!(!t.state.answers.contains_key("email"));
    let bad = say(&f, &t.state, "tomorrow");
    assert!(last_html(&bad).contains("24.12.2026"));
    let t = say(&f, &t.state, "24.12.2026");
    assert_eq!(
        t.end,
        Some(End::Submit),
        "no summary: the last step submits"
    );
    assert_eq!(t.state.answers["when"], json!("2026-12-24"));

    // Used car with high mileage: the message branch, then photos.
    let t = press(&f, &f.start(None, 0).state, Press::Option(1));
    assert_eq!(step_id(&sc, &t), "mileage");
    let t = say(&f, &t.state, "150 000,5");
    assert_eq!(
        t.views.len(),
        2,
        "the warning message, then the next question"
    );
    assert!(t.views[0].html.contains("kilometres"));
    let t = press(&f, &t.state, Press::Toggle(2));
    let t = press(&f, &t.state, Press::Done);
    assert_eq!(step_id(&sc, &t), "pics");
    let not_photo = say(&f, &t.state, "here");
    assert!(last_html(&not_photo).contains("send a photo"));
    let photo = |n: &str| Input::Photo {
        file_id: format!("f{n}"),
        unique_id: format!("u{n}"),
    };
    let t = f.handle(&t.state, photo("1"), ME, 0);
    assert!(last_html(&t).contains("1 of 2"), "{}", last_html(&t));
    let t = f.handle(&t.state, photo("2"), ME, 0);
    assert_eq!(
        step_id(&sc, &t),
        "email",
        "the second photo completes the step"
    );
    assert_eq!(t.state.answers["pics"].as_array().unwrap().len(), 2);
    assert_eq!(t.state.answers["mileage"], json!(150000.5));
}

const BROKEN: &str = r#"
key: Bad-Key
title: { en: "Broken <b>title" }
languages: [en, de]
colour: blue
steps:
  - id: a
    type: choice
    text: Pick
    options: [{value: x, label: X}, {value: x, label: "Y & Z"}]
    min: 3
    next: nowhere
  - id: a
    type: teleport
  - id: c
    type: text
  - id: d
    type: number
    text: Number?
    when: {step: e, equals: 1}
    next: [{when: {step: d, gt: 5}, goto: ghost}, {goto: submit}]
  - id: e
    type: text
    text: Loop
    next: e
done: Thanks
"#;

#[test]
fn a_broken_file_gets_every_problem_with_its_path_at_once() {
    let problems = validate(&yaml(BROKEN)).expect_err("broken");
    let paths: Vec<String> = problems.iter().map(|p| p.path.clone()).collect();
    for want in ["colour", "steps[0].min", "steps[1].type", "steps[2].text"] {
        assert!(
            paths.contains(&want.to_owned()),
            "{want} missing in {problems:#?}"
        );
    }
    // Shape problems stop before the semantics; with them fixed, the semantic ones all show.
    let fixed = BROKEN
        .replace("colour: blue\n", "")
        .replace("    min: 3\n", "")
        .replace("type: teleport", "type: message\n    text: Hi")
        .replace(
            "  - id: c\n    type: text\n",
            "  - id: c\n    type: text\n    text: Name?\n",
        );
    let problems = validate(&yaml(&fixed)).expect_err("still broken");
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    for want in [
        "key: 1 to 40",
        "languages[1]: `de` is not one of",
        "title.en: invalid HTML",
        "steps[0].options[1].value: `x` is listed twice",
        "steps[0].options[1].label: invalid HTML",
        "steps[0].next: no step `nowhere`",
        "steps[1].id: `a` is also the id of steps[0]",
        "steps[3].when.step: `e` comes later",
        "steps[3].next[0].goto: no step `ghost`",
    ] {
        assert!(
            shown.iter().any(|s| s.starts_with(want)),
            "{want} missing in {shown:#?}"
        );
    }
    // Reachability is checked once the targets are right.
    let graph = r#"
key: g
title: G
steps:
  - {id: a, type: text, text: A, next: c}
  - {id: b, type: text, text: B}
  - {id: c, type: text, text: C, next: d}
  - {id: d, type: text, text: D, next: c}
done: ok
"#;
    let shown: Vec<String> = validate(&yaml(graph))
        .expect_err("graph")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        shown.contains(&"steps[1]: unreachable from the first step".to_owned()),
        "{shown:?}"
    );
    assert!(
        shown.contains(&"steps[0]: no path from here reaches submit".to_owned()),
        "{shown:?}"
    );
    assert!(
        shown.contains(&"steps[3]: no path from here reaches submit".to_owned()),
        "{shown:?}"
    );
}

#[test]
fn the_graph_is_mermaid_with_every_step_and_edge() {
    let sc = validate(&yaml(BRANCHY)).unwrap();
    let m = teledesk_scenarios::graph::mermaid(&sc);
    assert!(m.starts_with("flowchart TD\n"));
    assert!(
        m.contains("s0 -->|\"kind = \\\"used\\\"\"| s1")
            || m.contains("s0 -->|\"kind = 'used'\"| s1"),
        "{m}"
    );
    assert!(m.contains("s6 --> submit"), "{m}");
    assert!(m.contains("s4{{\"pics (photo)\"}}"), "{m}");
}

#[test]
fn stats_count_reached_answered_dropped_and_the_median() {
    use teledesk_scenarios::stats::compute;
    use teledesk_scenarios::store::{Contact, Lead};
    let sc = car();
    let run = |status: &str, reached: &[&str], secs: i64| Lead {
        id: format!("LEAD-{status}{secs}"),
        workspace: "w".into(),
        status: status.into(),
        scenario: "car_request".into(),
        scenario_version: 1,
        answers: Default::default(),
        questions: Default::default(),
        contact: Contact::default(),
        language: "en".into(),
        source: None,
        consent_at: None,
        consent_version: None,
        note: None,
        bot_id: None,
        reached: reached.iter().map(|s| s.to_string()).collect(),
        started_at: 1000,
        created_at: 1000 + secs,
        updated_at: 1000 + secs,
        history: Vec::new(),
        created_op: None,
    };
    let all = [
        "welcome",
        "consent",
        "make",
        "model",
        "year_from",
        "year_to",
        "currency",
        "budget",
        "city",
        "phone",
        "summary",
    ];
    let runs = vec![
        run("new", &all, 60),
        run("converted", &all, 120),
        run("new", &all, 600),
        run("declined", &["welcome", "consent"], 5),
        run("abandoned", &["welcome", "consent", "make", "model"], 30),
    ];
    let s = compute(&sc, None, &runs, 1);
    assert_eq!(
        (s.starts, s.submits, s.declined, s.abandoned, s.in_flight),
        (6, 3, 1, 1, 1)
    );
    assert_eq!(s.conversion, 0.5);
    assert_eq!(s.median_seconds_to_submit, Some(120));
    let step = |id: &str| s.steps.iter().find(|x| x.id == id).unwrap().clone();
    assert_eq!(
        (
            step("consent").reached,
            step("consent").answered,
            step("consent").dropped
        ),
        (5, 4, 1)
    );
    assert_eq!(
        (
            step("model").reached,
            step("model").answered,
            step("model").dropped
        ),
        (4, 3, 1)
    );
    assert_eq!((step("summary").reached, step("summary").dropped), (3, 0));
    // One version only.
    assert_eq!(compute(&sc, Some(2), &runs, 0).starts, 0);
}

#[test]
fn a_language_a_text_lacks_falls_back_to_the_first() {
    let sc = validate(&yaml(
        "key: f\ntitle: F\nlanguages: [uk, en]\nsteps:\n  - {id: a, type: text, text: {uk: Ім'я?, en: Name?}}\n  - {id: b, type: text, text: {uk: Місто?}}\ndone: ok\n",
    ))
    .unwrap();
    let f = Flow::new(&sc, Lang::En);
    let t = f.start(None, 0);
    assert_eq!(last_html(&t), "Name?");
    let t = say(&f, &t.state, "Ann");
    assert_eq!(
        last_html(&t),
        "Місто?",
        "en missing: the first language, uk"
    );
    let ru = Flow::new(&sc, Lang::Ru);
    assert_eq!(
        last_html(&ru.start(None, 0)),
        "Ім'я?",
        "ru is not a language of the scenario"
    );
    // A map without the first language is refused.
    let bad = validate(&yaml(
        "key: f\ntitle: F\nlanguages: [uk, en]\nsteps:\n  - {id: a, type: text, text: {en: Name?}}\ndone: ok\n",
    ))
    .unwrap_err();
    assert_eq!(
        bad[0].to_string(),
        "steps[0].text: needs the first language, `uk`"
    );
}

#[test]
fn text_bounds_patterns_other_and_the_step_s_own_error() {
    let sc = validate(&yaml(
        r#"
key: t
title: T
steps:
  - id: plate
    type: text
    text: Your plate?
    min_length: 4
    max_length: 8
    pattern: "[A-Z]{2}[0-9]{4}[A-Z]{2}"
    error: Like AA1234BB, please.
  - id: nick
    type: text
    text: A nickname?
    min_length: 2
    max_length: 5
  - id: colour
    type: choice
    text: Colour?
    options: [{value: black, label: Black}]
    other: true
done: ok
"#,
    ))
    .unwrap();
    let f = Flow::new(&sc, Lang::En);
    let s = f.start(None, 0).state;
    let bad = say(&f, &s, "aa1234bb");
    assert!(
        !bad.moved && last_html(&bad).contains("Like AA1234BB"),
        "{}",
        last_html(&bad)
    );
    let t = say(&f, &s, "AA1234BB");
    let bad = say(&f, &t.state, "x");
    assert!(
        last_html(&bad).contains("between 2 and 5 characters"),
        "{}",
        last_html(&bad)
    );
    let bad = say(&f, &t.state, "toolong");
    assert!(last_html(&bad).contains("between 2 and 5"));
    let t = say(&f, &t.state, "Ace");
    let t = press(&f, &t.state, Press::Other);
    assert!(
        last_html(&t).contains("type your answer"),
        "{}",
        last_html(&t)
    );
    let t = say(&f, &t.state, "Metallic green");
    assert_eq!(t.end, Some(End::Submit));
    assert_eq!(t.state.answers["colour"], json!("Metallic green"));
    assert_eq!(t.state.answers["plate"], json!("AA1234BB"));
}

const TRADE_IN: &str = r#"
key: trade_in
title: Trade-in
steps:
  - id: kind
    type: choice
    text: Do you have a car to trade in?
    options: [{value: "yes", label: "Yes"}, {value: "no", label: "No"}]
    next:
      - when: {step: kind, equals: "no"}
        goto: phone
  - id: mileage
    type: number
    label: Mileage
    text: Its mileage, km?
  - id: phone
    type: phone
    label: Phone
    text: Your phone?
  - id: summary
    type: summary
done: Thanks
"#;

#[test]
fn an_edit_that_takes_a_branch_away_drops_the_answers_left_behind() {
    let sc = validate(&yaml(TRADE_IN)).unwrap();
    let f = Flow::new(&sc, Lang::En);
    let t = press(&f, &f.start(None, 0).state, Press::Option(0));
    let t = say(&f, &t.state, "120 000");
    let t = say(&f, &t.state, "+380501234567");
    assert!(last_html(&t).contains("Mileage"), "{}", last_html(&t));
    let t = press(&f, &t.state, Press::Edit(0));
    let t = press(&f, &t.state, Press::Option(1));
    assert_eq!(step_id(&sc, &t), "summary");
    assert!(!last_html(&t).contains("Mileage"), "{}", last_html(&t));
    let on_path = teledesk_scenarios::external::path(&sc, &t.state.answers);
    assert!(!on_path.contains(&sc.index_of("mileage").unwrap()));
}

#[test]
fn forged_presses_and_silent_loops_are_refused() {
    for code in ["", "é", "€5", "o", "oX", "t-1", "zz"] {
        assert_eq!(Press::parse(code), None, "{code}");
    }
    assert_eq!(Press::parse("o3"), Some(Press::Option(3)));
    let looped = r#"
key: l
title: L
steps:
  - {id: q, type: text, text: Q}
  - {id: m1, type: message, text: One, next: [{when: {step: q, equals: stop}, goto: submit}, {goto: m2}]}
  - {id: m2, type: message, text: Two, next: m1}
done: ok
"#;
    let shown: Vec<String> = validate(&yaml(looped))
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        shown
            .iter()
            .any(|s| s.ends_with("a loop of message steps that asks nothing")),
        "{shown:?}"
    );
    let pattern = "key: p\ntitle: P\nsteps:\n  - {id: a, type: text, text: A, pattern: \"(?x)a # c\"}\ndone: ok\n";
    let shown: Vec<String> = validate(&yaml(pattern))
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        shown[0].starts_with("steps[0].pattern: not a regular expression"),
        "{shown:?}"
    );
    let bounds = "key: b\ntitle: B\nsteps:\n  - {id: a, type: number, text: A, min: 1.2, max: 1.8}\n  - {id: c, type: text, text: C, min_length: 2000}\ndone: ok\n";
    let shown: Vec<String> = validate(&yaml(bounds))
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        shown.iter().any(|s| s.starts_with("steps[0].min:")),
        "{shown:?}"
    );
    assert!(
        shown.iter().any(|s| s.starts_with("steps[1].min_length:")),
        "{shown:?}"
    );
}

#[test]
fn a_key_starting_with_an_underscore_is_kept_for_the_built_in_flows() {
    let mut v = yaml(include_str!("../../../examples/scenarios/car_request.yaml"));
    v["key"] = serde_json::json!("_offer");
    let problems = validate(&v).expect_err("refused");
    assert!(
        problems
            .iter()
            .any(|p| p.path == "key" && p.message.contains("built-in")),
        "{problems:?}"
    );
}
