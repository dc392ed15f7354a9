//! Broken answers on demand: not JSON, schema violations, oversize strings, and intent
//! signals outside the vocabulary — what real models do on a bad day.

use serde_json::{Value, json};

use crate::config::LlmMode;

/// A signal no sane vocabulary contains.
pub(crate) const UNKNOWN_SIGNAL: &str = "ready_to_wire_money_today";

/// Length of every string in `oversize` mode.
const OVERSIZE: usize = 20_000;

/// Text that starts like JSON and is not JSON.
pub(crate) fn break_json(valid: &str) -> String {
    let cut: String = valid.chars().take(valid.chars().count() / 2).collect();
    format!("Sure! Here is the JSON you asked for:\n{cut}")
}

fn oversize(v: &mut Value) {
    match v {
        Value::String(s) => {
            let seed = if s.is_empty() {
                "lorem ipsum".to_owned()
            } else {
                s.clone()
            };
            let mut long = String::with_capacity(OVERSIZE + seed.len());
            while long.len() < OVERSIZE {
                long.push_str(&seed);
                long.push(' ');
            }
            *s = long;
        }
        Value::Array(items) => items.iter_mut().for_each(oversize),
        Value::Object(map) => map.values_mut().for_each(oversize),
        _ => {}
    }
}

fn add_unknown_signal(v: &mut Value) -> bool {
    match v {
        Value::Array(items) if items.iter().all(Value::is_string) => {
            items.push(json!(UNKNOWN_SIGNAL));
            true
        }
        Value::Object(map) => {
            let mut done = false;
            for item in map.values_mut() {
                done |= add_unknown_signal(item);
            }
            done
        }
        _ => false,
    }
}

/// Turns a valid answer into the kind of wrong answer `mode` asks for.
pub(crate) fn corrupt(mode: LlmMode, mut v: Value, schema: &Value) -> Value {
    match mode {
        LlmMode::Valid | LlmMode::BadJson => {}
        LlmMode::Oversize => oversize(&mut v),
        LlmMode::UnknownSignal => {
            if !add_unknown_signal(&mut v)
                && let Some(map) = v.as_object_mut()
            {
                map.insert("intent_signals".into(), json!([UNKNOWN_SIGNAL]));
            }
        }
        LlmMode::SchemaViolation => {
            let required: Vec<String> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(map) = v.as_object_mut() {
                match required.iter().find(|k| map.contains_key(k.as_str())) {
                    Some(k) => {
                        map.remove(k.as_str());
                    }
                    None => {
                        for value in map.values_mut() {
                            if value.is_number() {
                                *value = json!(1000.5);
                            }
                        }
                        map.insert("unexpected_field".into(), json!("not in the schema"));
                    }
                }
            } else {
                v = json!({ "unexpected": v });
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_breaks_something() {
        let schema = json!({"required":["summary","score"]});
        let valid = json!({"summary":"ok","score":5,"intent_signals":["pricing_inquiry"]});
        assert!(serde_json::from_str::<Value>(&break_json(&valid.to_string())).is_err());
        let v = corrupt(LlmMode::SchemaViolation, valid.clone(), &schema);
        assert!(v.get("summary").is_none());
        let v = corrupt(LlmMode::Oversize, valid.clone(), &schema);
        assert!(v["summary"].as_str().unwrap().len() >= OVERSIZE);
        let v = corrupt(LlmMode::UnknownSignal, valid, &schema);
        assert!(
            v["intent_signals"]
                .as_array()
                .unwrap()
                .contains(&json!(UNKNOWN_SIGNAL))
        );
    }
}
