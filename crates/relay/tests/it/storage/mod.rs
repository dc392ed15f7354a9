//! One storage suite, run against SQLite and PostgreSQL (`QueueStore` directly, with an
//! injected clock, so visibility and retention are tested without sleeping).
//!
//! Layout: this file has the fixtures and the backend matrix; `queue_cases` and
//! `housekeeping` hold the cases.

mod housekeeping;
mod queue_cases;

use housekeeping::*;
use queue_cases::*;

use steward_relay::store::{LeaseParams, NewEvent, Receipt};

pub(super) const T0: i64 = 1_800_000_000_000;
pub(super) const PORTAL: i64 = 62515;
pub(super) const OTHER: i64 = 99;
pub(super) const VIS: i64 = 60_000;

pub(super) fn ev(portal: i64, event_id: i64, occurred_at: i64) -> NewEvent {
    NewEvent {
        portal_id: portal,
        subscription_id: 7,
        event_id,
        occurred_at,
        payload: format!(r#"{{"eventId":{event_id},"portalId":{portal}}}"#),
    }
}

pub(super) fn params(portal: i64, max: u32, now: i64) -> LeaseParams {
    LeaseParams {
        portal_id: portal,
        max,
        visibility_ms: VIS,
        max_receives: 3,
        now,
    }
}

pub(super) fn receipt(handle: &str) -> Receipt {
    Receipt::parse(handle).unwrap()
}

/// Generates `sqlite` and `postgres` tests for one suite function.
macro_rules! both_backends {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test]
            async fn sqlite() {
                let (store, _dir) = crate::support::sqlite_store().await;
                super::$case(store.clone()).await;
                steward_relay::store::QueueStore::close(&store).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(url) = crate::support::postgres_url(concat!("storage::", stringify!($case))) else { return };
                let pg = crate::support::pg_store(&url).await;
                super::$case(steward_relay::store::Store::Postgres(pg.clone())).await;
                pg.drop_schema().await.unwrap();
            }
        }
    )*};
}

both_backends!(
    dedupes_on_all_four_key_fields,
    lease_ack_nack_and_stale_receipts,
    visibility_timeout_redelivers,
    dead_letters_after_max_receives_and_redrive,
    portals_are_isolated,
    oauth_state_is_single_use_and_expires,
    cleanup_honours_retention_and_dedupe_window,
    stats_report_backlog_in_flight_dead_and_age,
    concurrent_leases_never_share_an_event,
);
