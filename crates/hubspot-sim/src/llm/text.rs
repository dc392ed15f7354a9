//! Plain-text reading helpers for the LLM simulator: field extraction from prompts (JSON
//! or `label: value` lines), sentence splitting, word matching and clipping.

use serde_json::Value;

/// Topics the simulator recognises, with the words that reveal them.
pub(super) const TOPICS: &[(&str, &[&str])] = &[
    (
        "pricing",
        &["pricing", "price", "quote", "cost", "proposal", "discount"],
    ),
    ("budget", &["budget", "approved", "funding", "spend"]),
    ("demo", &["demo", "walkthrough", "trial"]),
    (
        "competitor",
        &[
            "competitor",
            "comparison",
            "evaluating",
            "alternative",
            "side-by-side",
        ],
    ),
    ("renewal", &["renewal", "renew", "contract end"]),
    (
        "expansion",
        &[
            "expansion",
            "expand",
            "more users",
            "seats",
            "adding the",
            "upgrade",
        ],
    ),
    (
        "security",
        &["security", "soc 2", "compliance", "gdpr", "legal"],
    ),
    (
        "integration",
        &["integration", "api", "salesforce", "sync", "technical"],
    ),
    (
        "timeline",
        &[
            "next week",
            "this quarter",
            "next quarter",
            "deadline",
            "asap",
            "by friday",
        ],
    ),
    (
        "churn",
        &[
            "cancel",
            "churn",
            "stalled",
            "escalated",
            "frustrated",
            "sync error",
            "left",
        ],
    ),
    (
        "champion",
        &["reference", "case study", "referral", "advocate"],
    ),
    ("meeting", &["meeting", "call", "spoke", "agenda"]),
];

/// Phrases that mark instructions rather than contact data.
const INSTRUCTION_MARKERS: &[&str] = &[
    "you are",
    "return ",
    "respond",
    "output",
    "json",
    "schema",
    "do not",
    "don't",
    "must ",
    "ignore",
    "summarize",
    "summarise",
    "write a",
    "your task",
    "instructions",
];

/// Words too vague to tie an enum value to the data on their own.
pub(super) const GENERIC: &[&str] = &[
    "request",
    "requested",
    "inquiry",
    "interest",
    "interested",
    "signal",
    "intent",
    "risk",
    "detected",
    "mentioned",
    "high",
    "low",
    "strong",
    "new",
    "active",
    "the",
    "and",
];

/// Whether `needle` occurs in `text` at the start of a word.
pub(super) fn starts_word(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
    })
}

fn collect_strings(v: &Value, key: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((key.to_owned(), s.clone())),
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| collect_strings(v, k, out)),
        _ => {}
    }
}

/// Splits text into `(label, value)` pairs: JSON string values with their keys, or
/// `label: value` lines, or bare lines.
pub(super) fn fields(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let trimmed = text.trim();
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        collect_strings(&v, "", &mut out);
        return out;
    }
    for line in text.lines() {
        let line = line.trim().trim_start_matches(['-', '*', '•', ' ']).trim();
        if line.is_empty() {
            continue;
        }
        // Embedded JSON on one line.
        if (line.starts_with('{') || line.starts_with('['))
            && let Ok(v) = serde_json::from_str::<Value>(line)
        {
            collect_strings(&v, "", &mut out);
            continue;
        }
        match line.split_once(':') {
            Some((label, value))
                if (label.len() <= 40 && !label.contains(" ")) || label.len() <= 20 =>
            {
                out.push((
                    label.trim().trim_matches('"').to_lowercase(),
                    value.trim().trim_matches(['"', ',']).to_owned(),
                ));
            }
            _ => out.push((String::new(), line.to_owned())),
        }
    }
    out
}

pub(super) fn looks_like_instruction(s: &str) -> bool {
    let l = s.to_lowercase();
    INSTRUCTION_MARKERS.iter().any(|m| l.contains(m))
}

pub(super) fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        current.push(c);
        let end =
            matches!(c, '.' | '!' | '?') && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if end {
            out.push(current.trim().to_owned());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// Cuts text to at most `max` characters at a word boundary, ending with a full stop.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        let mut out = s.to_owned();
        if !out.ends_with(['.', '!', '?']) {
            out.push('.');
        }
        return out;
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_owned(),
        _ => cut,
    };
    format!("{}.", cut.trim_end_matches([',', ';', ':', ' ', '.']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_whole_words() {
        assert_eq!(clip("one two three four", 10), "one two.");
        assert_eq!(clip("short", 10), "short.");
    }

    #[test]
    fn words_match_at_their_start_only() {
        assert!(starts_word("a renewal soon", "renewal"));
        assert!(!starts_word("a renewal soon", "new"));
        assert!(starts_word("competitors", "competitor"));
    }
}
