//! Generates a JSON value that fits a JSON Schema, filling fields it recognises by name
//! (summary, next best action, confidence, intent signals, score …) from the prompt's facts
//! and everything else deterministically from the seed.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use super::facts::Facts;
use super::text::clip;

/// Schemas nest at most this deep before the generator gives up on a branch.
const MAX_DEPTH: usize = 12;

/// A generator for one answer.
pub(crate) struct Generator<'a> {
    root: &'a Value,
    facts: &'a Facts,
    rng: StdRng,
}

fn first_type(schema: &Value) -> Option<String> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.clone()),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .or_else(|| ts.first().and_then(Value::as_str))
            .map(str::to_owned),
        _ => {
            if schema.get("properties").is_some() {
                Some("object".into())
            } else if schema.get("items").is_some() {
                Some("array".into())
            } else if schema.get("enum").is_some() {
                schema.get("enum").and_then(|e| e.get(0)).map(|v| match v {
                    Value::Number(_) => "number".into(),
                    Value::Bool(_) => "boolean".into(),
                    _ => "string".into(),
                })
            } else {
                None
            }
        }
    }
}

fn has(key: &str, words: &[&str]) -> bool {
    let k = key.to_lowercase();
    words.iter().any(|w| k.contains(w))
}

impl<'a> Generator<'a> {
    pub(crate) fn new(root: &'a Value, facts: &'a Facts, seed: u64) -> Self {
        Self {
            root,
            facts,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// A value for the root schema.
    pub(crate) fn generate(&mut self) -> Value {
        let root = self.root;
        self.value(root, "", 0)
    }

    fn resolve(&self, schema: &'a Value) -> &'a Value {
        let mut s = schema;
        for _ in 0..MAX_DEPTH {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else {
                return s;
            };
            let Some(path) = r.strip_prefix("#/") else {
                return s;
            };
            let mut target = self.root;
            for part in path.split('/') {
                match target.get(part.replace("~1", "/").replace("~0", "~")) {
                    Some(t) => target = t,
                    None => return s,
                }
            }
            s = target;
        }
        s
    }

    fn value(&mut self, schema: &'a Value, key: &str, depth: usize) -> Value {
        let schema = self.resolve(schema);
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        for combinator in ["anyOf", "oneOf"] {
            if let Some(options) = schema.get(combinator).and_then(Value::as_array) {
                let pick = options
                    .iter()
                    .find(|o| first_type(self.resolve(o)).as_deref() != Some("null"))
                    .or_else(|| options.first());
                if let Some(p) = pick {
                    return self.value(p, key, depth + 1);
                }
            }
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array)
            && let Some(first) = all.first()
        {
            return self.value(first, key, depth + 1);
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            return self.choose_enum(options);
        }
        match first_type(schema).as_deref() {
            Some("object") => self.object(schema, depth),
            Some("array") => self.array(schema, key, depth),
            Some("string") => Value::String(self.string(schema, key)),
            Some("integer") => self.number(schema, key, true),
            Some("number") => self.number(schema, key, false),
            Some("boolean") => Value::Bool(self.rng.random_bool(0.5)),
            Some("null") => Value::Null,
            _ => Value::String(self.string(schema, key)),
        }
    }

    fn object(&mut self, schema: &'a Value, depth: usize) -> Value {
        let mut out = Map::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                let v = self.value(sub, name, depth + 1);
                out.insert(name.clone(), v);
            }
        }
        Value::Object(out)
    }

    fn choose_enum(&mut self, options: &[Value]) -> Value {
        let mentioned = options
            .iter()
            .find(|o| o.as_str().is_some_and(|s| self.facts.mentions(s)));
        match mentioned {
            Some(v) => v.clone(),
            None => options
                .choose(&mut self.rng)
                .cloned()
                .unwrap_or(Value::Null),
        }
    }

    fn array(&mut self, schema: &'a Value, key: &str, depth: usize) -> Value {
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let items = schema
            .get("items")
            .map(|i| self.resolve(i))
            .unwrap_or(&Value::Null);
        if let Some(options) = items.get("enum").and_then(Value::as_array) {
            // Intent signals and other tag lists: what the data mentions, no repeats.
            let mut chosen: Vec<Value> = options
                .iter()
                .filter(|o| o.as_str().is_some_and(|s| self.facts.mentions(s)))
                .take(max.min(4))
                .cloned()
                .collect();
            let mut rest: Vec<&Value> = options.iter().filter(|o| !chosen.contains(o)).collect();
            while chosen.len() < min && !rest.is_empty() {
                let i = self.rng.random_range(0..rest.len());
                chosen.push(rest.remove(i).clone());
            }
            return Value::Array(chosen);
        }
        let count = min
            .max(if has(key, &["signal", "tag"]) { 1 } else { 2 })
            .min(max);
        Value::Array(
            (0..count)
                .map(|_| self.value(items, key, depth + 1))
                .collect(),
        )
    }

    fn string(&mut self, schema: &Value, key: &str) -> String {
        let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let f = self.facts;
        let text = match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => "2024-01-01T00:00:00Z".to_owned(),
            Some("date") => "2024-01-01".to_owned(),
            Some("email") => "contact@example.com".to_owned(),
            Some("uri" | "url") => "https://example.com".to_owned(),
            Some("uuid") => "00000000-0000-4000-8000-000000000000".to_owned(),
            _ if has(key, &["summary", "overview"]) => f.summary(),
            _ if has(key, &["action", "next_step", "recommend"]) => f.next_best_action(),
            _ if has(
                key,
                &["reason", "rationale", "explanation", "justification"],
            ) =>
            {
                format!(
                    "Based on {} recent activities{}.",
                    f.activity.len(),
                    f.topics
                        .first()
                        .map(|t| format!(" mentioning {t}"))
                        .unwrap_or_default()
                )
            }
            _ if has(key, &["company"]) => f
                .company
                .clone()
                .unwrap_or_else(|| "Unknown company".into()),
            _ if has(key, &["name"]) => f.who(),
            _ if has(key, &["model"]) => "sim-model".to_owned(),
            _ => format!(
                "{} {}",
                key.replace('_', " ").trim(),
                self.rng.random_range(100..999)
            )
            .trim()
            .to_owned(),
        };
        let mut text = if text.chars().count() > max {
            clip(&text, max)
        } else {
            text
        };
        if text.chars().count() > max {
            text = text.chars().take(max).collect();
        }
        while text.chars().count() < min {
            text.push_str(" (sim)");
        }
        if text.chars().count() > max {
            text = text.chars().take(max).collect();
        }
        text
    }

    fn number(&mut self, schema: &Value, key: &str, integer: bool) -> Value {
        let f = |k: &str| schema.get(k).and_then(Value::as_f64);
        let lo = f("minimum")
            .or_else(|| f("exclusiveMinimum").map(|m| m + if integer { 1.0 } else { 0.01 }));
        let hi = f("maximum")
            .or_else(|| f("exclusiveMaximum").map(|m| m - if integer { 1.0 } else { 0.01 }));
        let raw = if has(key, &["confidence", "probability", "likelihood"]) {
            self.facts.confidence()
        } else if has(key, &["score", "rating"]) {
            self.facts.score()
        } else {
            match (lo, hi) {
                (Some(a), Some(b)) if b > a => a + (b - a) * self.rng.random::<f64>(),
                (Some(a), _) => a + 1.0,
                (_, Some(b)) => b.min(1.0),
                _ => f64::from(self.rng.random_range(1..100)),
            }
        };
        let (lo, hi) = (lo.unwrap_or(f64::MIN), hi.unwrap_or(f64::MAX));
        let mut n = raw.clamp(lo, hi.max(lo));
        if integer {
            n = n.round().clamp(lo.ceil(), hi.floor().max(lo.ceil()));
            return json!(n as i64);
        }
        json!((n * 100.0).round() / 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steward_schema() -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["summary", "next_best_action", "confidence", "intent_signals", "score"],
            "properties": {
                "summary": { "type": "string", "maxLength": 600 },
                "next_best_action": { "type": "string", "maxLength": 200 },
                "confidence": { "type": "number", "minimum": 0, "maximum": 1 },
                "intent_signals": { "type": "array", "items": { "$ref": "#/$defs/signal" }, "maxItems": 5 },
                "score": { "type": "integer", "minimum": 0, "maximum": 100 }
            },
            "$defs": { "signal": { "type": "string", "enum": ["pricing_inquiry", "demo_request", "competitor_evaluation", "churn_risk"] } }
        })
    }

    #[test]
    fn fills_a_steward_schema_sensibly() {
        let facts = Facts::read(
            "firstname: Ada\nNote: Ada asked for a demo and pricing for 40 seats next week.",
        );
        let schema = steward_schema();
        let v = Generator::new(&schema, &facts, 1).generate();
        assert!(v["summary"].as_str().unwrap().contains("Ada"));
        let c = v["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
        let s = v["score"].as_i64().unwrap();
        assert!((0..=100).contains(&s));
        let signals: Vec<&str> = v["intent_signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(signals.contains(&"pricing_inquiry"));
        assert!(signals.contains(&"demo_request"));
        assert!(!signals.contains(&"churn_risk"));
    }

    #[test]
    fn deterministic_and_bounded() {
        let facts = Facts::default();
        let schema = json!({"type":"object","properties":{
            "a":{"type":["string","null"],"minLength":3,"maxLength":5},
            "b":{"type":"integer","minimum":10,"maximum":12},
            "c":{"anyOf":[{"type":"null"},{"type":"boolean"}]},
            "d":{"type":"array","items":{"type":"number"},"minItems":3}
        }});
        let a = Generator::new(&schema, &facts, 9).generate();
        assert_eq!(a, Generator::new(&schema, &facts, 9).generate());
        let len = a["a"].as_str().unwrap().chars().count();
        assert!((3..=5).contains(&len));
        assert!((10..=12).contains(&a["b"].as_i64().unwrap()));
        assert!(a["c"].is_boolean());
        assert_eq!(a["d"].as_array().unwrap().len(), 3);
    }
}
