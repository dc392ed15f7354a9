//! Lenient serde helpers for HubSpot JSON.
//!
//! HubSpot mostly sends ids as strings and timestamps as RFC 3339, but some endpoints send
//! numbers (v4 associations' `toObjectId`, epoch milliseconds in older shapes). These helpers
//! accept both so one odd field never fails a whole batch.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses a timestamp from an RFC 3339 string, or epoch milliseconds (number or digit string).
pub(crate) fn parse_timestamp(value: &Value) -> Option<OffsetDateTime> {
    match value {
        Value::String(s) => OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .or_else(|| s.parse::<i64>().ok().and_then(from_millis)),
        Value::Number(n) => n.as_i64().and_then(from_millis),
        _ => None,
    }
}

fn from_millis(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

fn value_to_string(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// `Option<OffsetDateTime>` fields: RFC 3339 out, RFC 3339 or epoch millis in; unparseable → `None`.
pub(crate) mod opt_timestamp {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<OffsetDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => {
                let text = t.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
                s.serialize_some(&text)
            }
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let value = Option::<Value>::deserialize(d)?;
        Ok(value.as_ref().and_then(parse_timestamp))
    }
}

/// Required `OffsetDateTime` fields (history timestamps): an unparseable value is an error.
pub(crate) mod timestamp {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let text = v.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let value = Value::deserialize(d)?;
        parse_timestamp(&value)
            .ok_or_else(|| D::Error::custom("timestamp is neither RFC 3339 nor epoch milliseconds"))
    }
}

/// An id sent as a string or a number, kept as a string.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!(
            "expected an id, got {}",
            kind(&other)
        ))),
    }
}

/// An optional string that may arrive as a number or bool (stringified) or null.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(value_to_string))
}

/// A string that may arrive as null (→ empty), a number or a bool.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}

/// An optional unsigned integer sent as a number or a digit string.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A property map whose values are strings or null, tolerating numbers and bools.
pub(crate) fn property_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Option<String>>, D::Error> {
    let raw = Option::<BTreeMap<String, Value>>::deserialize(d)?.unwrap_or_default();
    Ok(raw
        .into_iter()
        .map(|(k, v)| (k, value_to_string(v)))
        .collect())
}

/// A list of strings that may be an array or one space/comma separated string (OAuth `scope`).
pub(crate) fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Array(items)) => items.into_iter().filter_map(value_to_string).collect(),
        Some(Value::String(s)) => s
            .split([' ', ','])
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    })
}

/// `null` → `false`.
pub(crate) fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(matches!(
        Option::<Value>::deserialize(d)?,
        Some(Value::Bool(true))
    ))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_in_both_shapes() {
        let a = parse_timestamp(&json!("2024-05-01T10:00:00.123Z")).unwrap();
        let b = parse_timestamp(&json!(1714557600123_i64)).unwrap();
        let c = parse_timestamp(&json!("1714557600123")).unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert!(parse_timestamp(&json!("yesterday")).is_none());
    }
}
