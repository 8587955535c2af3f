//! The Bot API 10.1 method and type list (tests/fixtures, from ../shared/data with descriptions
//! removed), used to keep the test double honest: what it accepts and what it answers must match.

use std::sync::OnceLock;

use serde_json::Value;

pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        serde_json::from_str(include_str!("../fixtures/telegram-bot-api-10.1.json"))
            .expect("spec fixture is JSON")
    })
}

fn fields(def: &Value) -> &[Value] {
    def["fields"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Problems with a method call's parameters (unknown method, missing required, unknown or mistyped
/// parameters).
pub fn check_params(method: &str, params: &Value) -> Vec<String> {
    let Some(def) = spec()["methods"].get(method) else {
        return vec![format!("{method}: no such Bot API method")];
    };
    let mut out = Vec::new();
    let empty = serde_json::Map::new();
    let given = params.as_object().unwrap_or(&empty);
    for f in fields(def) {
        let name = f["name"].as_str().unwrap_or_default();
        if f["required"].as_bool() == Some(true) && !given.contains_key(name) {
            out.push(format!("{method}: required parameter `{name}` missing"));
        }
    }
    for (k, v) in given {
        match fields(def).iter().find(|f| f["name"] == k.as_str()) {
            None => out.push(format!("{method}: unknown parameter `{k}`")),
            Some(f) => {
                if !matches_any(&f["types"], v, &mut Vec::new(), &format!("{method}.{k}")) {
                    out.push(format!("{method}: parameter `{k}` has the wrong type: {v}"));
                }
            }
        }
    }
    out
}

/// Problems with a value claimed to be of the given Bot API type (e.g. `Message`, `Array of Update`).
pub fn check_value(type_name: &str, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check_type(type_name, value, &mut out, type_name);
    out
}

fn matches_any(types: &Value, v: &Value, out: &mut Vec<String>, path: &str) -> bool {
    let types: Vec<&str> = types
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for t in &types {
        let mut probe = Vec::new();
        if check_type(t, v, &mut probe, path) {
            return true;
        }
        if types.len() == 1 {
            out.extend(probe);
        }
    }
    false
}

fn check_type(t: &str, v: &Value, out: &mut Vec<String>, path: &str) -> bool {
    if let Some(inner) = t.strip_prefix("Array of ") {
        let Some(items) = v.as_array() else {
            out.push(format!("{path}: expected an array"));
            return false;
        };
        return items
            .iter()
            .enumerate()
            .all(|(i, x)| check_type(inner, x, out, &format!("{path}[{i}]")));
    }
    let ok = match t {
        "Integer" => v.is_i64() || v.is_u64(),
        "Float" => v.is_number(),
        "String" => v.is_string(),
        "Boolean" => v.is_boolean(),
        "True" => v == &Value::Bool(true),
        "InputFile" => v.is_string() || v.is_object(),
        _ => return check_object(t, v, out, path),
    };
    if !ok {
        out.push(format!("{path}: expected {t}, got {v}"));
    }
    ok
}

fn check_object(t: &str, v: &Value, out: &mut Vec<String>, path: &str) -> bool {
    let Some(def) = spec()["types"].get(t) else {
        out.push(format!("{path}: unknown type {t}"));
        return false;
    };
    if let Some(subs) = def["subtypes"].as_array().filter(|s| !s.is_empty()) {
        let ok = subs
            .iter()
            .filter_map(Value::as_str)
            .any(|s| check_object(s, v, &mut Vec::new(), path));
        if !ok {
            out.push(format!("{path}: matches none of the kinds of {t}"));
        }
        return ok;
    }
    let Some(obj) = v.as_object() else {
        out.push(format!("{path}: expected a {t} object"));
        return false;
    };
    let before = out.len();
    for f in fields(def) {
        let name = f["name"].as_str().unwrap_or_default();
        match obj.get(name) {
            None if f["required"].as_bool() == Some(true) => {
                out.push(format!("{path}: {t}.{name} is required"))
            }
            None => {}
            Some(x) => {
                matches_any(&f["types"], x, out, &format!("{path}.{name}"));
            }
        }
    }
    for k in obj.keys() {
        if !fields(def).iter().any(|f| f["name"] == k.as_str()) {
            out.push(format!("{path}: {t} has no field `{k}`"));
        }
    }
    out.len() == before
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_checker_catches_what_it_should() {
        assert!(check_params("sendMessage", &json!({"chat_id": 1, "text": "hi"})).is_empty());
        assert_eq!(check_params("sendMessage", &json!({"chat_id": 1})).len(), 1);
        assert_eq!(
            check_params(
                "sendMessage",
                &json!({"chat_id": 1, "text": "x", "colour": 1})
            )
            .len(),
            1
        );
        assert_eq!(
            check_params("sendMessage", &json!({"chat_id": true, "text": "x"})).len(),
            1
        );
        assert_eq!(check_params("sendMesage", &json!({})).len(), 1);
        let msg =
            json!({"message_id": 1, "date": 2, "chat": {"id": 3, "type": "private"}, "text": "t"});
        assert!(check_value("Message", &msg).is_empty());
        assert!(
            !check_value(
                "Message",
                &json!({"message_id": 1, "chat": {"id": 3, "type": "private"}})
            )
            .is_empty()
        );
        assert!(
            !check_value(
                "Message",
                &json!({"message_id": 1, "date": 2, "chat": {"id": "x", "type": "private"}})
            )
            .is_empty()
        );
        assert!(
            check_value(
                "Array of Update",
                &json!([{"update_id": 5, "message": msg}])
            )
            .is_empty()
        );
        assert!(
            !check_value("Update", &json!({"update_id": 5, "message": {"oops": 1}})).is_empty()
        );
    }
}
