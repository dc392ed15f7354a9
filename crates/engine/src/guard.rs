//! The guard: the one place that decides whether an AI value may replace what a field holds.
//! The most expensive mistake Steward can make is overwriting a person, so every rule here errs
//! towards keeping the current value and asking the admin.

use crate::fields::FieldPolicy;
use crate::writer::Writer;

/// One version of a field with its writer already classified; histories are newest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attributed {
    pub value: String,
    pub timestamp_ms: i64,
    pub writer: Writer,
}

/// What to do with one proposed field value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send the proposed value.
    Write,
    /// The field already holds exactly the proposed value: nothing to send.
    Unchanged,
    /// `fill_empty` and someone else's value is there: keep it, quietly.
    Keep,
    /// The policy is `never`.
    Never,
    /// A value not written by Steward is newer than Steward's last write: keep it and raise a
    /// review with this current version.
    Block(Attributed),
}

/// Decides for one field. `history` is newest first (HubSpot's order).
pub fn decide(policy: FieldPolicy, history: &[Attributed], proposed: &str) -> Decision {
    if policy == FieldPolicy::Never {
        return Decision::Never;
    }
    // Nothing proposed for a field that holds nothing: there is no change to make.
    if proposed.is_empty() && history.first().is_none_or(|c| c.value.is_empty()) {
        return Decision::Unchanged;
    }
    let Some(current) = history.first() else {
        return Decision::Write;
    };
    if current.value == proposed {
        return Decision::Unchanged;
    }
    // An empty field holds nothing to overwrite, whoever emptied it. (A person who clears an
    // AI value is not re-filled for the same inputs either: the input hash is unchanged.)
    if current.writer.is_steward() || current.value.is_empty() {
        return Decision::Write;
    }
    match policy {
        FieldPolicy::FillEmpty => Decision::Keep,
        // The current (newest) version is not ours, so it is newer than any write of ours.
        _ => Decision::Block(current.clone()),
    }
}

/// After our write, the history shows whether someone else's edit landed between our last
/// check and our write (and was overwritten by it). Returns that version, to restore.
///
/// `checked_latest_ms` is the timestamp of the newest version we saw when we decided to write
/// (`None` if the field was empty); `written` is the value we sent.
pub fn overwritten_edit(
    history: &[Attributed],
    checked_latest_ms: Option<i64>,
    written: &str,
) -> Option<Attributed> {
    // Find our write: the newest version of ours with the value we sent.
    let ours_at = history
        .iter()
        .position(|v| v.writer.is_steward() && v.value == written)?;
    history[ours_at + 1..]
        .iter()
        .take_while(|v| checked_latest_ms.is_none_or(|seen| v.timestamp_ms > seen))
        .find(|v| !v.writer.is_steward())
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steward(value: &str, at: i64) -> Attributed {
        Attributed {
            value: value.into(),
            timestamp_ms: at,
            writer: Writer::Steward {
                correlation_id: "c".into(),
            },
        }
    }

    fn person(value: &str, at: i64) -> Attributed {
        Attributed {
            value: value.into(),
            timestamp_ms: at,
            writer: Writer::Person {
                user_id: Some(7),
                source_type: "CRM_UI".into(),
            },
        }
    }

    #[test]
    fn an_empty_proposal_for_an_empty_field_is_no_change() {
        // Found by the model test: empty intent signals were "written" on every run.
        assert_eq!(decide(FieldPolicy::AiOwned, &[], ""), Decision::Unchanged);
        assert_eq!(
            decide(FieldPolicy::AiOwned, &[person("", 3)], ""),
            Decision::Unchanged
        );
        assert_eq!(
            decide(FieldPolicy::AiOwned, &[steward("x", 3)], ""),
            Decision::Write
        );
    }

    #[test]
    fn an_empty_field_is_written() {
        assert_eq!(decide(FieldPolicy::AiOwned, &[], "new"), Decision::Write);
        assert_eq!(decide(FieldPolicy::FillEmpty, &[], "new"), Decision::Write);
    }

    #[test]
    fn our_own_latest_value_may_be_replaced() {
        let h = [steward("old", 10), person("older", 5)];
        assert_eq!(decide(FieldPolicy::AiOwned, &h, "new"), Decision::Write);
    }

    #[test]
    fn a_person_newer_than_our_write_blocks_ai_owned() {
        let h = [person("mine", 20), steward("old", 10)];
        assert_eq!(
            decide(FieldPolicy::AiOwned, &h, "new"),
            Decision::Block(person("mine", 20))
        );
    }

    #[test]
    fn a_person_with_no_ai_write_at_all_blocks_too() {
        let h = [person("typed by hand", 20)];
        assert!(matches!(
            decide(FieldPolicy::AiOwned, &h, "new"),
            Decision::Block(_)
        ));
    }

    #[test]
    fn an_emptied_field_has_nothing_to_protect() {
        let h = [person("", 20), steward("old", 10)];
        assert_eq!(decide(FieldPolicy::AiOwned, &h, "new"), Decision::Write);
    }

    #[test]
    fn fill_empty_keeps_someone_elses_value_and_fills_blanks() {
        assert_eq!(
            decide(FieldPolicy::FillEmpty, &[person("x", 1)], "new"),
            Decision::Keep
        );
        assert_eq!(
            decide(FieldPolicy::FillEmpty, &[person("", 1)], "new"),
            Decision::Write
        );
        assert_eq!(
            decide(FieldPolicy::FillEmpty, &[steward("x", 1)], "new"),
            Decision::Write
        );
    }

    #[test]
    fn never_means_never_and_equal_values_need_no_write() {
        assert_eq!(decide(FieldPolicy::Never, &[], "x"), Decision::Never);
        assert_eq!(
            decide(FieldPolicy::AiOwned, &[person("same", 1)], "same"),
            Decision::Unchanged
        );
    }

    #[test]
    fn an_edit_between_check_and_write_is_found() {
        // We checked at t=10 (our old value), a person wrote at t=15, our write landed at t=16.
        let h = [steward("new", 16), person("human", 15), steward("old", 10)];
        assert_eq!(
            overwritten_edit(&h, Some(10), "new"),
            Some(person("human", 15))
        );
    }

    #[test]
    fn no_edit_in_between_means_nothing_to_restore() {
        let h = [steward("new", 16), steward("old", 10)];
        assert_eq!(overwritten_edit(&h, Some(10), "new"), None);
        // A person's edit we had seen (and were allowed past, e.g. approved) is not a conflict.
        let h = [steward("new", 16), person("seen", 10)];
        assert_eq!(overwritten_edit(&h, Some(10), "new"), None);
        // Field was empty when checked; a person filled it just before our write.
        let h = [steward("new", 16), person("human", 15)];
        assert_eq!(overwritten_edit(&h, None, "new"), Some(person("human", 15)));
    }
}
