//! Finding a contact on the Contacts screen: by name, email or company through HubSpot's CRM
//! search, by id through a direct read, and — with an empty query — the contacts Steward
//! worked on most recently (from the local audit). Each hit carries Steward's last round trip
//! for that contact, so the list already says which contacts the AI touched.

use std::collections::HashSet;

use hubspot::{Contact, ReadOptions, SearchRequest};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use crate::EngineError;
use crate::audit::Outcome;
use crate::contact_view::full_name;
use crate::pipeline::PipelineContext;

/// Most hits shown.
pub const MAX_HITS: usize = 20;
const IDENTITY: [&str; 4] = ["email", "firstname", "lastname", "company"];

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum ContactsError {
    #[error("HubSpot could not search contacts: {0}")]
    HubSpot(#[from] hubspot::Error),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Steward's newest audit row for a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LastRound {
    #[ts(type = "number")]
    pub at_ms: i64,
    pub outcome: Outcome,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ContactHit {
    #[ts(type = "number")]
    pub contact_id: u64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    /// `None` when Steward never processed the contact.
    pub last_round: Option<LastRound>,
}

/// Where the hits came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HitSource {
    /// HubSpot's search (and an id lookup for a numeric query).
    Hubspot,
    /// The contacts Steward worked on most recently.
    Recent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ContactSearch {
    pub hits: Vec<ContactHit>,
    pub source: HitSource,
    /// HubSpot's count of every match (may exceed the hits shown).
    #[ts(type = "number")]
    pub total: u64,
}

/// The newest audit row of a contact (uses the per-contact index).
pub fn last_round(
    conn: &Connection,
    portal_id: u64,
    contact_id: u64,
) -> Result<Option<LastRound>, EngineError> {
    let mut stmt = conn.prepare_cached(
        "SELECT created_at, outcome FROM audit WHERE contact_id = ?1 AND portal_id = ?2
         ORDER BY id DESC LIMIT 1",
    )?;
    Ok(stmt
        .query_row(params![contact_id as i64, portal_id as i64], |r| {
            Ok(LastRound {
                at_ms: r.get(0)?,
                outcome: Outcome::parse(&r.get::<_, String>(1)?),
            })
        })
        .optional()?)
}

/// The ids of the contacts Steward processed most recently, newest first.
pub fn recent_contacts(
    conn: &Connection,
    portal_id: u64,
    max: usize,
) -> Result<Vec<u64>, EngineError> {
    // Walk back through the newest rows only: a bounded read, whatever the audit's size. The
    // unary `+` keeps SQLite from using the (portal, contact) index, which would sort every
    // row of the portal by id first.
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id FROM audit WHERE +portal_id = ?1 ORDER BY id DESC LIMIT 2000",
    )?;
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    let mut rows = stmt.query(params![portal_id as i64])?;
    while let Some(row) = rows.next()? {
        let id = row.get::<_, i64>(0)?.max(0) as u64;
        if seen.insert(id) {
            ids.push(id);
            if ids.len() >= max {
                break;
            }
        }
    }
    Ok(ids)
}

fn hit(conn: &Connection, portal_id: u64, c: &Contact) -> Result<Option<ContactHit>, EngineError> {
    let Ok(contact_id) = c.id.parse::<u64>() else {
        return Ok(None);
    };
    Ok(Some(ContactHit {
        contact_id,
        name: full_name(c.property("firstname"), c.property("lastname")),
        email: c.property("email").map(str::to_owned),
        company: c.property("company").map(str::to_owned),
        last_round: last_round(conn, portal_id, contact_id)?,
    }))
}

/// Searches HubSpot for `query` (an id, a name, an email, a company); an empty query lists
/// the contacts Steward worked on most recently.
pub async fn search(ctx: &PipelineContext, query: &str) -> Result<ContactSearch, ContactsError> {
    let query = query.trim();
    let identity = ReadOptions::properties(IDENTITY);
    if query.is_empty() {
        let ids = recent_contacts(&ctx.store.conn(), ctx.portal_id, MAX_HITS)?;
        let read = if ids.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
            let mut found = ctx
                .hubspot
                .batch_read_contacts(&ids, &identity)
                .await?
                .results;
            found.sort_by_key(|c| ids.iter().position(|i| *i == c.id));
            found
        };
        let conn = ctx.store.conn();
        let hits: Vec<ContactHit> = read
            .iter()
            .map(|c| hit(&conn, ctx.portal_id, c))
            .filter_map(Result::transpose)
            .collect::<Result<_, _>>()?;
        return Ok(ContactSearch {
            total: hits.len() as u64,
            hits,
            source: HitSource::Recent,
        });
    }
    let mut contacts: Vec<Contact> = Vec::new();
    if query.chars().all(|c| c.is_ascii_digit()) && query.len() <= 20 {
        match ctx.hubspot.get_contact(query, &identity).await {
            Ok(c) => contacts.push(c),
            Err(hubspot::Error::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let page = ctx
        .hubspot
        .search_contacts(&SearchRequest {
            query: Some(query.to_owned()),
            properties: IDENTITY.iter().map(|s| (*s).to_owned()).collect(),
            limit: Some(MAX_HITS as u32),
            ..SearchRequest::default()
        })
        .await?;
    let total = page.total.unwrap_or(page.results.len() as u64) + contacts.len() as u64;
    for c in page.results {
        if !contacts.iter().any(|k| k.id == c.id) {
            contacts.push(c);
        }
    }
    contacts.truncate(MAX_HITS);
    let conn = ctx.store.conn();
    let hits = contacts
        .iter()
        .map(|c| hit(&conn, ctx.portal_id, c))
        .filter_map(Result::transpose)
        .collect::<Result<_, _>>()?;
    Ok(ContactSearch {
        hits,
        source: HitSource::Hubspot,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::audit::{self, AuditRecord};

    #[test]
    fn recent_contacts_are_distinct_newest_first_and_per_portal() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("db")).unwrap();
        let conn = store.conn();
        for (i, (portal, contact, outcome)) in [
            (1, 10, Outcome::Written),
            (1, 11, Outcome::Guarded),
            (2, 99, Outcome::Written),
            (1, 10, Outcome::Unchanged),
        ]
        .into_iter()
        .enumerate()
        {
            audit::insert(
                &conn,
                &AuditRecord {
                    correlation_id: "c".into(),
                    portal_id: portal,
                    contact_id: contact,
                    trigger: "live".into(),
                    outcome: Some(outcome),
                    ..Default::default()
                },
                i as i64,
            )
            .unwrap();
        }
        assert_eq!(recent_contacts(&conn, 1, 20).unwrap(), vec![10, 11]);
        assert_eq!(recent_contacts(&conn, 1, 1).unwrap(), vec![10]);
        let last = last_round(&conn, 1, 10).unwrap().unwrap();
        assert_eq!((last.at_ms, last.outcome), (3, Outcome::Unchanged));
        assert_eq!(
            last_round(&conn, 2, 10).unwrap(),
            None,
            "another portal's row"
        );
    }
}
