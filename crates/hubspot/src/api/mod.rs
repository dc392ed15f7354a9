//! The API calls, one module per HubSpot area, all as methods on [`crate::HubSpotClient`].

mod account;
mod associations;
mod lists;
mod objects;
mod properties;
mod search;

/// Most inputs HubSpot accepts in one batch read.
pub const BATCH_READ_MAX: usize = 100;
/// Most inputs in one batch read that asks for `propertiesWithHistory`.
pub const BATCH_READ_WITH_HISTORY_MAX: usize = 50;
/// Most inputs in one batch update.
pub const BATCH_UPDATE_MAX: usize = 100;
/// Most definitions sent in one property batch create.
pub const PROPERTY_BATCH_CREATE_MAX: usize = 100;
/// Most list members per memberships page.
pub const MEMBERSHIPS_PAGE_MAX: u32 = 250;
/// Most inputs in one v4 association batch read.
pub const ASSOCIATION_BATCH_READ_MAX: usize = 1000;
/// Page size for single-record association reads (HubSpot's maximum).
pub const ASSOCIATION_PAGE_MAX: u32 = 500;

/// Removes repeated ids, keeping first occurrences in order (HubSpot rejects batches with
/// duplicate ids).
pub(crate) fn dedupe<S: AsRef<str>>(ids: &[S]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .map(|id| id.as_ref().to_owned())
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupe_keeps_order() {
        assert_eq!(dedupe(&["3", "1", "3", "2", "1"]), vec!["3", "1", "2"]);
    }
}
