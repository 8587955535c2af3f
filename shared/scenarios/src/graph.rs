//! A scenario's flow as a Mermaid flowchart (`teledesk scenarios graph KEY`), for docs and the
//! console: one node per step, labelled with its id and type, an edge per target, conditional
//! edges labelled with their condition.

use crate::model::{Cond, Next, Scenario};

fn cond_label(c: &Cond) -> String {
    let mut parts = Vec::new();
    if let Some(v) = &c.equals {
        parts.push(format!("{} = {}", c.step, v));
    }
    if let Some(vs) = &c.any_of {
        let list: Vec<String> = vs.iter().map(ToString::to_string).collect();
        parts.push(format!("{} in {}", c.step, list.join(", ")));
    }
    if let Some(v) = c.lt {
        parts.push(format!("{} < {v}", c.step));
    }
    if let Some(v) = c.gt {
        parts.push(format!("{} > {v}", c.step));
    }
    if let Some(a) = c.answered {
        parts.push(format!(
            "{} {}",
            c.step,
            if a { "answered" } else { "not answered" }
        ));
    }
    parts.join(" and ").replace('"', "'")
}

/// The Mermaid source.
pub fn mermaid(sc: &Scenario) -> String {
    let mut out = String::from("flowchart TD\n");
    let node = |i: Option<usize>| match i {
        Some(i) => format!("s{i}"),
        None => "submit".to_owned(),
    };
    for (i, s) in sc.steps.iter().enumerate() {
        let shape = if s.when.is_some() {
            ("{{", "}}")
        } else {
            ("[", "]")
        };
        out.push_str(&format!(
            "    s{i}{}\"{} ({})\"{}\n",
            shape.0,
            s.id,
            s.kind.name(),
            shape.1
        ));
    }
    out.push_str("    submit((submit))\n");
    for (i, s) in sc.steps.iter().enumerate() {
        if let Some(w) = &s.when {
            out.push_str(&format!(
                "    %% {} asked only when {}\n",
                s.id,
                cond_label(w)
            ));
        }
        match &s.next {
            Some(Next::Branches(bs)) => {
                for b in bs {
                    let to = node(sc.target(&b.goto));
                    match &b.when {
                        Some(c) => {
                            out.push_str(&format!("    s{i} -->|\"{}\"| {to}\n", cond_label(c)))
                        }
                        None => out.push_str(&format!("    s{i} --> {to}\n")),
                    }
                }
                if bs.last().is_none_or(|b| b.when.is_some()) {
                    out.push_str(&format!(
                        "    s{i} -->|otherwise| {}\n",
                        node(sc.following(i))
                    ));
                }
            }
            _ => {
                for t in sc.successors(i) {
                    out.push_str(&format!("    s{i} --> {}\n", node(t)));
                }
            }
        }
    }
    out
}
