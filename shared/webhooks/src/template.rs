//! Payload templates: an endpoint may reshape the event with a minijinja template whose output must
//! be JSON. minijinja has no file or network access; rendering is bounded by fuel (instructions)
//! and the output by size, so a template cannot run away. A template is checked at save time by
//! rendering a sample event.

use serde_json::{Value, json};

/// Instructions a render may execute.
pub const FUEL: u64 = 50_000;
/// Largest rendered payload.
pub const MAX_OUTPUT: usize = 256 * 1024;
/// Largest template source.
pub const MAX_SOURCE: usize = 16 * 1024;

/// Renders `template` for `event` (available as `event`, with `data` for `event.data`); the output
/// must parse as JSON.
pub fn render(template: &str, event: &Value) -> Result<Value, String> {
    if template.len() > MAX_SOURCE {
        return Err(format!("the template is over {} KB", MAX_SOURCE / 1024));
    }
    let mut env = minijinja::Environment::new();
    env.set_fuel(Some(FUEL));
    env.add_template("payload", template)
        .map_err(|e| format!("the template does not compile: {e}"))?;
    let tmpl = env
        .get_template("payload")
        .map_err(|e| format!("the template does not compile: {e}"))?;
    let out = tmpl
        .render(minijinja::context! {
            event => minijinja::Value::from_serialize(event),
            data => minijinja::Value::from_serialize(&event["data"]),
        })
        .map_err(|e| format!("the template failed: {e}"))?;
    if out.len() > MAX_OUTPUT {
        return Err(format!("the output is over {} KB", MAX_OUTPUT / 1024));
    }
    serde_json::from_str(&out).map_err(|e| format!("the output is not JSON: {e}"))
}

/// The event a template is checked with at save time, and previewed with by default.
pub fn sample_event() -> Value {
    json!({
        "id": "evt_0123456789abcdef0123456789abcdef",
        "type": "ticket.created",
        "created_at": 1795264096123_i64,
        "workspace": "default",
        "bot_id": "7100001",
        "data": {
            "ticket_id": "TICK-MFUVZYDY-35975E9E", "title": "Printer on fire", "description": "Third floor",
            "status": "open", "priority": "high", "chat_id": -1001234567890_i64, "thread_id": 42,
            "created_by": {"user_id": 123456789, "username": "alice", "name": "Alice"},
            "customer": null, "previous_ticket_id": null, "assignee": null,
            "created_at": 1795264096123_i64, "updated_at": 1795264096, "closed_at": null
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_json_and_refuses_the_rest() {
        let t = r#"{"text": {{ ("New ticket: " ~ data.title) | tojson }}, "id": {{ event.id | tojson }}}"#;
        let out = render(t, &sample_event()).unwrap();
        assert_eq!(out["text"], "New ticket: Printer on fire");
        assert!(
            render("not json {{ event.id }}", &sample_event())
                .unwrap_err()
                .contains("not JSON")
        );
        assert!(
            render("{% for", &sample_event())
                .unwrap_err()
                .contains("compile")
        );
    }

    #[test]
    fn a_runaway_template_runs_out_of_fuel() {
        let t = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}";
        let e = render(t, &sample_event()).unwrap_err();
        assert!(e.contains("failed"), "{e}");
    }

    #[test]
    fn a_title_with_quotes_stays_valid_json() {
        let mut ev = sample_event();
        ev["data"]["title"] = json!("say \"hi\" </script> & {{");
        let out = render(r#"{"t": {{ data.title | tojson }}}"#, &ev).unwrap();
        assert_eq!(out["t"], "say \"hi\" </script> & {{");
    }
}
