//! Reads a prompt the way a model would, just enough to answer sensibly: who the contact
//! is, what the recent activity says, which buying signals it mentions.

use super::text::{GENERIC, TOPICS, clip, fields, looks_like_instruction, sentences, starts_word};

/// What the simulator understood from a prompt.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    pub name: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    /// Sentences that read like activity (notes, emails, calls, meetings), in prompt order.
    pub activity: Vec<String>,
    /// Topic names from [`TOPICS`] the data mentions.
    pub topics: Vec<&'static str>,
    /// Lower-cased data text, for matching enum values.
    pub lower: String,
}

impl Facts {
    /// Reads the user-supplied data of a conversation (`data`) and nothing else.
    pub(crate) fn read(data: &str) -> Self {
        let mut facts = Facts::default();
        let mut first = None;
        let mut last = None;
        for (label, value) in fields(data) {
            let l = label.to_lowercase();
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            match l.as_str() {
                "firstname" | "first_name" | "first name" => first = Some(value),
                "lastname" | "last_name" | "last name" => last = Some(value),
                "name" | "contact" | "contact name" if facts.name.is_none() && value.len() < 60 => {
                    facts.name = Some(value)
                }
                "company" | "company name" | "organization" => facts.company = Some(value),
                "jobtitle" | "job title" | "title" | "role" => facts.job_title = Some(value),
                _ => {
                    for s in sentences(&value) {
                        let words = s.split_whitespace().count();
                        if words >= 5 && !looks_like_instruction(&s) {
                            facts.activity.push(s);
                        }
                    }
                }
            }
        }
        if let Some(first) = first {
            facts.name = Some(match last {
                Some(last) => format!("{first} {last}"),
                None => first,
            });
        }
        facts.lower = facts.activity.join(" ").to_lowercase();
        facts.topics = TOPICS
            .iter()
            .filter(|(_, words)| words.iter().any(|w| facts.lower.contains(w)))
            .map(|(t, _)| *t)
            .collect();
        facts
    }

    /// The contact's name, or a neutral stand-in.
    pub(crate) fn who(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| "This contact".to_owned())
    }

    /// Whether the data mentions words tied to `value` (an enum value like `pricing_inquiry`):
    /// a token of the value starts a word of the data, or a topic named by a token is there.
    /// Generic tokens (`request`, `risk` …) only count when the value has nothing else.
    pub(crate) fn mentions(&self, value: &str) -> bool {
        let lower = value.to_lowercase();
        let all: Vec<&str> = lower
            .split(['_', '-', ' '])
            .filter(|t| t.len() > 2)
            .collect();
        let specific: Vec<&str> = all
            .iter()
            .copied()
            .filter(|t| !GENERIC.contains(t))
            .collect();
        let tokens = if specific.is_empty() { all } else { specific };
        tokens.iter().any(|t| {
            starts_word(&self.lower, t)
                || TOPICS
                    .iter()
                    .filter(|(topic, words)| topic.starts_with(t) || words.contains(t))
                    .any(|(_, words)| words.iter().any(|w| starts_word(&self.lower, w)))
        })
    }

    /// A 2–3 sentence summary of the recent activity.
    pub(crate) fn summary(&self) -> String {
        let who = self.who();
        let at = self
            .company
            .as_ref()
            .map(|c| format!(" at {c}"))
            .unwrap_or_default();
        if self.activity.is_empty() {
            let role = self
                .job_title
                .as_ref()
                .map(|t| format!(" The record lists them as {t}."))
                .unwrap_or_default();
            return format!(
                "No recent activity is recorded for {who}{at}.{role} There is nothing new to act on yet."
            );
        }
        let about = match self
            .topics
            .iter()
            .filter(|t| **t != "meeting")
            .take(3)
            .collect::<Vec<_>>()[..]
        {
            [] => "general follow-up".to_owned(),
            [a] => (*a).to_owned(),
            [a, b] => format!("{a} and {b}"),
            [a, b, c, ..] => format!("{a}, {b} and {c}"),
        };
        let mut out = format!(
            "{who}{at} has {} recent touchpoint{} focused on {about}.",
            self.activity.len(),
            if self.activity.len() == 1 { "" } else { "s" }
        );
        out.push_str(&format!(" Most recently: {}", clip(&self.activity[0], 180)));
        if let Some(second) = self
            .activity
            .iter()
            .skip(1)
            .find(|s| **s != self.activity[0])
        {
            out.push_str(&format!(" Earlier: {}", clip(second, 140)));
        }
        out
    }

    /// A recommended next step driven by the strongest topic.
    pub(crate) fn next_best_action(&self) -> String {
        let who = self.who();
        let topic = self
            .topics
            .iter()
            .find(|t| **t != "meeting" && **t != "timeline");
        match topic.copied() {
            Some("churn") => format!(
                "Escalate to customer success and book a recovery call with {who} this week."
            ),
            Some("pricing") => format!(
                "Send {who} a tailored pricing proposal and book a call to walk through it."
            ),
            Some("demo") => {
                format!("Schedule the requested live demo with {who} and their stakeholders.")
            }
            Some("competitor") => format!(
                "Share a side-by-side comparison with {who} and address the differentiators."
            ),
            Some("security") => {
                format!("Send the security documentation package to {who}'s team to unblock legal.")
            }
            Some("renewal") => {
                format!("Book a renewal review with {who} to confirm usage and value.")
            }
            Some("expansion") => {
                format!("Propose an expansion plan for the additional seats {who} mentioned.")
            }
            Some("budget") => {
                format!("Confirm budget timing with {who} and align the proposal to it.")
            }
            Some("integration") => {
                format!("Arrange a technical session on the integration with {who}'s engineers.")
            }
            Some("champion") => {
                format!("Invite {who} to the reference program and ask for a case study.")
            }
            _ if self.activity.is_empty() => {
                format!("Reach out to {who} with a short introduction to re-engage.")
            }
            _ => format!("Follow up with {who} to confirm current priorities and next steps."),
        }
    }

    /// A 0–100 engagement score.
    pub(crate) fn score(&self) -> f64 {
        let positive = self
            .topics
            .iter()
            .filter(|t| !matches!(**t, "churn" | "meeting"))
            .count() as f64;
        let churn = if self.topics.contains(&"churn") {
            20.0
        } else {
            0.0
        };
        (20.0 + 11.0 * positive + 6.0 * self.activity.len().min(5) as f64 - churn).clamp(5.0, 97.0)
    }

    /// Confidence 0–1: more evidence, more confidence.
    pub(crate) fn confidence(&self) -> f64 {
        let c =
            0.45 + 0.1 * self.activity.len().min(4) as f64 + 0.03 * self.topics.len().min(3) as f64;
        (c.min(0.95) * 100.0).round() / 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: &str = "firstname: Ada\nlastname: Lovelace\ncompany: Acme Logistics\n\
        Note 2024-05-01: Spoke with Ada about pricing. Ada asked for pricing on the Professional tier for 40 seats.\n\
        Email: Our team is also evaluating a competitor and wants a side-by-side comparison.";

    #[test]
    fn reads_contact_and_activity() {
        let f = Facts::read(PROMPT);
        assert_eq!(f.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(f.company.as_deref(), Some("Acme Logistics"));
        assert!(f.activity.len() >= 2);
        assert!(f.topics.contains(&"pricing"));
        assert!(f.mentions("pricing_inquiry"));
        assert!(f.mentions("competitor_evaluation"));
        assert!(!f.mentions("hiring_freeze"));
        assert!(!f.mentions("renewal_risk"), "no renewal in the data");
        assert!(!f.mentions("new_stakeholder"), "'new' alone is too vague");
        let s = f.summary();
        let n = s.matches(". ").count() + 1;
        assert!((2..=3).contains(&n), "{s}");
        assert!(s.contains("Ada Lovelace"));
        assert!(f.next_best_action().contains("pricing"));
        assert!((0.0..=1.0).contains(&f.confidence()));
        assert!((0.0..=100.0).contains(&f.score()));
    }

    #[test]
    fn json_prompts_work_too() {
        let f = Facts::read(
            r#"{"contact":{"firstname":"Bo","company":"Zed"},"notes":[{"body":"Bo requested a live demo for their VP next week."}]}"#,
        );
        assert_eq!(f.name.as_deref(), Some("Bo"));
        assert_eq!(f.activity.len(), 1);
        assert!(f.topics.contains(&"demo"));
    }
}
