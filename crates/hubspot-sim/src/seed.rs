//! Deterministic, realistic seed data: contacts with history, recent activity and lists.
//! The same seed gives the same names, emails, companies and activity text.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::model::contact::{Source, SourceType};
use crate::model::engagement::Kind;
use crate::model::standard::{LEAD_STATUSES, LIFECYCLE_STAGES};
use crate::portal::Portal;
use crate::seed_data::*;
use crate::util::iso;

const DAY_MS: i64 = 86_400_000;
/// The CRM users who "edit by hand" in seeded history.
pub(crate) const SEED_USERS: &[u64] = &[2001, 2002, 2003, 2004, 2005];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    // The lists are non-empty constants; index 0 is a safe fallback.
    items.choose(rng).unwrap_or(&items[0])
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'ã' | 'á' | 'à' => Some('a'),
            'é' | 'è' => Some('e'),
            _ => None,
        })
        .collect()
}

/// Fills `portal` with `count` contacts, their activity and a few lists.
pub(crate) fn seed_portal(portal: &mut Portal, count: usize, seed: u64, now_ms: i64) {
    let mut rng = StdRng::seed_from_u64(seed ^ portal.id.rotate_left(17));
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        if let Some(id) = seed_contact(portal, &mut rng, n, now_ms) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return;
    }
    let list_time = now_ms - 7 * DAY_MS;
    let webinar: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|_| rng.random_bool(0.35))
        .collect();
    let senior: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|id| {
            portal
                .contacts
                .get(id)
                .and_then(|c| c.current("jobtitle"))
                .is_some_and(|t| {
                    ["VP", "Director", "Head", "Chief", "CEO", "Founder"]
                        .iter()
                        .any(|w| t.contains(w))
                })
        })
        .collect();
    let early: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|id| {
            portal
                .contacts
                .get(id)
                .and_then(|c| c.current("lifecyclestage"))
                .is_some_and(|s| s == "subscriber" || s == "lead")
        })
        .collect();
    portal.add_list("All Seeded Contacts".into(), &ids, list_time);
    portal.add_list("Q3 Webinar Attendees".into(), &webinar, list_time);
    portal.add_list("Enterprise Decision Makers".into(), &senior, list_time);
    portal.add_list("Newsletter Subscribers".into(), &early, list_time);
}

fn seed_contact(portal: &mut Portal, rng: &mut StdRng, n: usize, now: i64) -> Option<u64> {
    let first = *pick(rng, FIRST_NAMES);
    let last = *pick(rng, LAST_NAMES);
    let (company, domain, industry, employees) = *pick(rng, COMPANIES);
    let (city, state, country) = *pick(rng, CITIES);
    let title = *pick(rng, JOB_TITLES);
    let stage_idx = rng.random_range(0..6usize);
    let stage = LIFECYCLE_STAGES[stage_idx].0;
    let mut email = format!("{}.{}@{}", ascii_slug(first), ascii_slug(last), domain);
    if portal.id_by_email(&email).is_some() {
        email = format!("{}.{}{}@{}", ascii_slug(first), ascii_slug(last), n, domain);
    }
    let owner = *pick(rng, SEED_USERS);
    let props: Vec<(String, String)> = [
        ("email", email),
        ("firstname", first.to_owned()),
        ("lastname", last.to_owned()),
        ("company", company.to_owned()),
        ("website", format!("https://www.{domain}")),
        ("jobtitle", title.to_owned()),
        ("industry", industry.to_owned()),
        ("numemployees", employees.to_string()),
        (
            "phone",
            format!(
                "+1 {}-555-{:04}",
                rng.random_range(201..990),
                rng.random_range(0..10_000)
            ),
        ),
        ("city", city.to_owned()),
        ("state", state.to_owned()),
        ("country", country.to_owned()),
        ("lifecyclestage", stage.to_owned()),
        ("hs_lead_status", pick(rng, LEAD_STATUSES).0.to_owned()),
        ("hubspot_owner_id", owner.to_string()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let created = now - rng.random_range(30..720) * DAY_MS - rng.random_range(0..DAY_MS);
    let source = match rng.random_range(0..10) {
        0..=3 => Source::system(
            SourceType::Import,
            Some(format!("import:{}", rng.random_range(1000..9999))),
        ),
        4..=6 => Source::system(
            SourceType::Form,
            Some(format!("form:{:08x}", rng.random::<u32>())),
        ),
        _ => Source::human(owner),
    };
    let (id, _) = portal.create_contact(props, source, created).ok()?;
    // Later history: a rep moved the stage on, a workflow set the lead status.
    if rng.random_bool(0.4) && stage_idx + 1 < LIFECYCLE_STAGES.len() {
        let when = created + rng.random_range(1..20) * DAY_MS;
        let next = LIFECYCLE_STAGES[stage_idx + 1].0.to_owned();
        portal.write(
            id,
            &[("lifecyclestage".into(), next)],
            &Source::human(owner),
            when,
        );
    }
    if rng.random_bool(0.3) {
        let when = created + rng.random_range(2..25) * DAY_MS;
        let status = pick(rng, LEAD_STATUSES).0.to_owned();
        let wf = Source::system(
            SourceType::Automation,
            Some(format!("workflow:{}", rng.random_range(100..999))),
        );
        portal.write(id, &[("hs_lead_status".into(), status)], &wf, when);
    }
    seed_activity(portal, rng, id, (first, company), created, now);
    Some(id)
}

fn seed_activity(
    portal: &mut Portal,
    rng: &mut StdRng,
    id: u64,
    (first, company): (&str, &str),
    created: i64,
    now: i64,
) {
    let count = rng.random_range(0..=5);
    let mut latest = None;
    for _ in 0..count {
        let kind = *pick(rng, &Kind::ALL);
        let ts = (now - rng.random_range(3_600_000..60 * DAY_MS)).max(created + 60_000);
        let (topic, detail) = *pick(rng, TOPICS);
        let step = *pick(rng, NEXT_STEPS);
        let mut props = BTreeMap::new();
        props.insert("hs_timestamp".to_owned(), iso(ts));
        match kind {
            Kind::Note => {
                props.insert(
                    "hs_note_body".into(),
                    format!("Spoke with {first} at {company} about {topic}. {first} {detail}. Next step: {step}"),
                );
            }
            Kind::Email => {
                let incoming = rng.random_bool(0.5);
                props.insert(
                    "hs_email_subject".into(),
                    format!("Re: {company} - {topic}"),
                );
                props.insert(
                    "hs_email_text".into(),
                    if incoming {
                        format!("Hi, following up on {topic}: our team {detail}. Could you send over what you have? Thanks, {first}")
                    } else {
                        format!("Hi {first}, thanks for your time today. You mentioned your team {detail}. {step} Best regards")
                    },
                );
                props.insert(
                    "hs_email_direction".into(),
                    if incoming { "INCOMING_EMAIL" } else { "EMAIL" }.into(),
                );
                props.insert("hs_email_status".into(), "SENT".into());
            }
            Kind::Call => {
                let (disposition, label) = *pick(rng, CALL_DISPOSITIONS);
                props.insert(
                    "hs_call_title".into(),
                    format!("Call with {first} ({company})"),
                );
                props.insert(
                    "hs_call_body".into(),
                    format!("{label}. Discussed {topic}: {first} {detail}. {step}"),
                );
                props.insert(
                    "hs_call_duration".into(),
                    rng.random_range(30_000..1_800_000).to_string(),
                );
                props.insert("hs_call_direction".into(), "OUTBOUND".into());
                props.insert("hs_call_disposition".into(), disposition.into());
                props.insert("hs_call_status".into(), "COMPLETED".into());
            }
            Kind::Meeting => {
                props.insert(
                    "hs_meeting_title".into(),
                    format!("{company} / {topic} review"),
                );
                props.insert(
                    "hs_meeting_body".into(),
                    format!("Agenda: {topic}. Outcome: {first} {detail}. Action item: {step}"),
                );
                props.insert("hs_meeting_start_time".into(), iso(ts));
                props.insert("hs_meeting_end_time".into(), iso(ts + 30 * 60_000));
                props.insert(
                    "hs_meeting_outcome".into(),
                    (*pick(rng, MEETING_OUTCOMES)).into(),
                );
            }
        }
        portal.add_engagement(kind, id, props, ts);
        latest = latest.max(Some(ts));
    }
    if let Some(ts) = latest {
        let calc = Source::system(SourceType::Calculated, None);
        portal.write(id, &[("notes_last_updated".into(), iso(ts))], &calc, ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(seed: u64) -> Vec<(String, Option<String>)> {
        let mut p = Portal::new(62515, 0);
        seed_portal(&mut p, 20, seed, 1_700_000_000_000);
        p.contacts
            .values()
            .map(|c| {
                (
                    c.current("email").unwrap_or("").to_owned(),
                    c.current("jobtitle").map(str::to_owned),
                )
            })
            .collect()
    }

    #[test]
    fn same_seed_same_contacts() {
        assert_eq!(snapshot(7), snapshot(7));
        assert_ne!(snapshot(7), snapshot(8));
    }

    #[test]
    fn seeds_activity_and_lists() {
        let mut p = Portal::new(1, 0);
        seed_portal(&mut p, 30, 1, 1_700_000_000_000);
        assert_eq!(p.contacts.len(), 30);
        assert!(!p.engagements.is_empty());
        assert!(p.lists.len() >= 3);
        assert!(
            p.contacts
                .values()
                .all(|c| c.current("email").is_some_and(|e| e.contains('@')))
        );
    }
}
